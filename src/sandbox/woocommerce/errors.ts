// WooCommerce's error envelope (platforms/woocommerce.md section 7): {"code","message","data":{"status",...}}.
// Handlers throw WooError; the app's error handler turns it into that body with the HTTP status.
export class WooError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly data: Record<string, unknown> = {},
  ) {
    super(message);
  }

  body(): { code: string; message: string; data: Record<string, unknown> } {
    return { code: this.code, message: this.message, data: { status: this.status, ...this.data } };
  }
}

/** WP core's schema-validation error: 400 rest_invalid_param naming each bad parameter. */
export function invalidParams(params: Record<string, string>): WooError {
  return new WooError(400, 'rest_invalid_param', `Invalid parameter(s): ${Object.keys(params).join(', ')}`, { params });
}

/** `Invalid ID.` answers 404 on GET/DELETE but 400 on PUT (section 7). */
export function invalidId(code: string, method: string, message = 'Invalid ID.'): WooError {
  return new WooError(method === 'PUT' || method === 'PATCH' || method === 'POST' ? 400 : 404, code, message);
}
