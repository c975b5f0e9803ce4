// JTL-FFN's error envelope (platforms/jtl-ffn.md section 7):
// {"errorCode":{"code","description"},"errorMessages":[{"message"}],"errorMetaData":{}}. The sheet leaves the
// body of auth errors undocumented; the sandbox uses the same shape everywhere so clients parse one thing.
export interface FfnErrorBody {
  errorCode: { code: string; description: string };
  errorMessages: { message: string }[];
  errorMetaData: Record<string, unknown>;
}

export class FfnError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly metaData: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): FfnErrorBody {
    return errorBody(this.code, this.message, this.metaData);
  }
}

export function errorBody(code: string, message: string, metaData: Record<string, unknown> = {}): FfnErrorBody {
  return { errorCode: { code, description: message }, errorMessages: [{ message }], errorMetaData: metaData };
}

/** 400 for a malformed request (validation, query options). */
export const badRequest = (code: string, message: string, meta: Record<string, unknown> = {}): FfnError => new FfnError(400, code, message, meta);

/** A status's generic error code, for injected failures and guard answers. */
export function codeForStatus(status: number): string {
  const codes: Record<number, string> = {
    400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 409: 'Conflict', 429: 'TooManyRequests',
    500: 'InternalServerError', 502: 'BadGateway', 503: 'ServiceUnavailable', 504: 'GatewayTimeout',
  };
  return codes[status] ?? `Http${status}`;
}
