// Offset paging as Printful does it: `offset` >= 0 (default 0), `limit` default 20, max 100.
// v1 clamps a larger limit; v2 rejects it (1-100).
export class ParamError extends Error {}

export function offsetLimit(query: Record<string, unknown>, strict: boolean): { offset: number; limit: number } {
  const num = (v: unknown, name: string, fallback: number): number => {
    if (v === undefined || v === '') return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new ParamError(`Invalid ${name}: must be a non-negative integer`);
    return n;
  };
  const offset = num(query.offset, 'offset', 0);
  let limit = num(query.limit, 'limit', 20);
  if (strict && (limit < 1 || limit > 100)) throw new ParamError('Invalid limit: must be between 1 and 100');
  if (limit < 1) limit = 20;
  return { offset, limit: Math.min(limit, 100) };
}

export function idList(v: unknown): number[] | undefined {
  if (v === undefined || v === '') return undefined;
  const ids = String(v).split(',').map((s) => Number(s.trim()));
  if (ids.some((n) => !Number.isInteger(n))) throw new ParamError('Invalid id list');
  return ids;
}
