// Request-body checks in the style of WP core's schema validation. Single-item REST writes are checked
// strictly (a number where the schema says string is `rest_invalid_param`: money must be sent as "21.99").
// Batch items skip WP's argument validation in the real plugin, so they are coerced leniently instead.
import { invalidParams } from './errors.js';

export type FieldType = 'string' | 'boolean' | 'integer' | 'number' | 'object' | 'array' | readonly string[];

function typeOk(value: unknown, type: FieldType): boolean {
  if (Array.isArray(type)) return typeof value === 'string' && type.includes(value);
  switch (type) {
    case 'string': return typeof value === 'string';
    case 'boolean': return typeof value === 'boolean';
    case 'integer': return Number.isInteger(value);
    case 'number': return typeof value === 'number' && Number.isFinite(value);
    case 'object': return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array': return Array.isArray(value);
    default: return false;
  }
}

function coerce(value: unknown, type: FieldType): unknown {
  if (Array.isArray(type)) return typeof value === 'string' && type.includes(value) ? value : undefined;
  if (type === 'string' && (typeof value === 'number' || typeof value === 'boolean')) return String(value);
  if (type === 'boolean' && (value === 'true' || value === 1 || value === '1')) return true;
  if (type === 'boolean' && (value === 'false' || value === 0 || value === '0')) return false;
  if ((type === 'integer' || type === 'number') && typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return type === 'integer' ? Math.trunc(Number(value)) : Number(value);
  }
  return typeOk(value, type) ? value : undefined;
}

/**
 * The known fields of `input`, checked against `schema`. Strict: any mismatch throws 400 naming every bad
 * field. Lenient: values are coerced where WooCommerce's setters would, and the rest dropped.
 */
export function checkFields(input: unknown, schema: Record<string, FieldType>, strict: boolean, nullable: readonly string[] = []): Record<string, unknown> {
  const body = typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  const bad: Record<string, string> = {};
  for (const [name, type] of Object.entries(schema)) {
    if (!(name in body) || body[name] === undefined) continue;
    const value = body[name];
    if (value === null && nullable.includes(name)) {
      out[name] = null;
      continue;
    }
    if (strict) {
      if (typeOk(value, type)) out[name] = value;
      else bad[name] = Array.isArray(type) ? `${name} is not one of ${type.join(', ')}.` : `${name} is not of type ${type}.`;
    } else {
      const c = coerce(value, type);
      if (c !== undefined) out[name] = c;
    }
  }
  if (Object.keys(bad).length > 0) throw invalidParams(bad);
  return out;
}

/** wc_format_decimal without rounding: "" stays "", a comma decimal separator becomes a dot, junk is stripped. */
export function formatDecimal(value: unknown): string {
  if (value === '' || value === null || value === undefined) return '';
  const s = String(value).trim().replace(',', '.').replace(/[^0-9.-]/g, '');
  return s === '' || s === '-' || s === '.' ? '' : s;
}
