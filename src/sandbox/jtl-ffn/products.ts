// Product writes (section 5): create with a sandbox-assigned jfsku, partial PATCH, and the duplicate-merchantSku
// error clients rely on (`Products_DuplicateProduct` with the existing `Jfsku` in errorMetaData, then PATCH it).
// Read-only fields in a body (jfsku, merchantId, modificationInfo) and unknown fields are ignored.
import { badRequest, FfnError } from './errors.js';
import type { FfnRuntime } from './runtime.js';
import type { Actor, ProductRec } from './store.js';

type Json = Record<string, unknown>;

const CONDITIONS = ['Unknown', 'Default', 'Refurbished', 'Used', 'Damaged'];
const ATTRIBUTE_TYPES = ['String', 'Integer', 'Decimal', 'Boolean', 'Date'];
const STRINGS = ['productGroup', 'originCountry', 'manufacturer', 'note'];
const NUMBERS = ['weight', 'netWeight', 'netRetailPrice'];
const LISTS = ['bundles', 'relatedProducts', 'pictures'];
const OBJECTS = ['identifier', 'dimensions', 'specifications'];

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

/** The writable fields of `body`, checked; `partial` for PATCH (required fields may be absent). */
function writable(body: unknown, partial: boolean): Json {
  if (!isObj(body)) throw badRequest('Products_InvalidProduct', 'the body must be a JSON object');
  const out: Json = {};
  const problems: string[] = [];
  for (const key of ['merchantSku', 'name']) {
    if (key in body || !partial) {
      if (!nonEmpty(body[key])) problems.push(`${key} is required`);
      else out[key] = body[key];
    }
  }
  for (const key of STRINGS) if (key in body) {
    if (body[key] !== null && typeof body[key] !== 'string') problems.push(`${key} must be a string`);
    else out[key] = body[key];
  }
  for (const key of NUMBERS) if (key in body) {
    const v = body[key];
    if (v !== null && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) problems.push(`${key} must be a non-negative number`);
    else out[key] = v;
  }
  for (const key of LISTS) if (key in body) {
    if (!Array.isArray(body[key])) problems.push(`${key} must be an array`);
    else out[key] = body[key];
  }
  for (const key of OBJECTS) if (key in body) {
    if (body[key] !== null && !isObj(body[key])) problems.push(`${key} must be an object`);
    else out[key] = body[key];
  }
  const dims = body.dimensions;
  if (isObj(dims)) for (const k of ['length', 'width', 'height']) {
    if (dims[k] !== undefined && dims[k] !== null && (typeof dims[k] !== 'number' || (dims[k] as number) < 0)) problems.push(`dimensions.${k} must be a non-negative number (metres)`);
  }
  if ('condition' in body) {
    if (!CONDITIONS.includes(String(body.condition))) problems.push(`condition must be one of ${CONDITIONS.join(', ')}`);
    else out.condition = body.condition;
  }
  if ('attributes' in body) {
    const attrs = body.attributes;
    if (!Array.isArray(attrs) || attrs.some((a) => !isObj(a) || !nonEmpty(a.key) || (a.attributeType !== undefined && !ATTRIBUTE_TYPES.includes(String(a.attributeType))))) {
      problems.push('attributes must be [{key, value, attributeType}]');
    } else {
      out.attributes = attrs.map((a: Json) => ({ key: a.key, value: a.value === undefined || a.value === null ? null : String(a.value), attributeType: a.attributeType ?? 'String' }));
    }
  }
  if (problems.length > 0) throw badRequest('Products_InvalidProduct', problems.join('; '), { errors: problems });
  return out;
}

function duplicateOf(runtime: FfnRuntime, merchantSku: string, except?: string): ProductRec | undefined {
  const jfsku = runtime.store.bySku.get(merchantSku);
  return jfsku === undefined || jfsku === except ? undefined : runtime.store.products.get(jfsku);
}

function recordChange(runtime: FfnRuntime, p: ProductRec, actor: Actor): void {
  runtime.store.productChanges.push({ seq: runtime.store.nextSeq(), at: p.mod.updatedAt, id: p.jfsku, actor });
}

export function createProduct(runtime: FfnRuntime, body: unknown, actor: Actor): ProductRec {
  const fields = writable(body, false) as ProductRec['fields'];
  const existing = duplicateOf(runtime, fields.merchantSku);
  if (existing) {
    throw badRequest('Products_DuplicateProduct', `a product with merchantSku ${fields.merchantSku} already exists`, { Jfsku: existing.jfsku });
  }
  const at = runtime.stamp();
  const p: ProductRec = { jfsku: runtime.store.newJfsku(), fields, mod: { createdAt: at, updatedAt: at, state: 'New' } };
  runtime.store.products.set(p.jfsku, p);
  runtime.store.bySku.set(fields.merchantSku, p.jfsku);
  recordChange(runtime, p, actor);
  return p;
}

export function findProductOr404(runtime: FfnRuntime, jfsku: string): ProductRec {
  const p = runtime.store.products.get(jfsku);
  if (!p || p.mod.state === 'Deleted') throw new FfnError(404, 'Products_ProductNotFound', `product ${jfsku} not found`);
  return p;
}

/** Partial update: given top-level fields replace, nested objects (identifier, dimensions, specifications) merge. */
export function patchProduct(runtime: FfnRuntime, jfsku: string, body: unknown, actor: Actor): ProductRec {
  const p = findProductOr404(runtime, jfsku);
  const patch = writable(body, true);
  if (typeof patch.merchantSku === 'string') {
    const other = duplicateOf(runtime, patch.merchantSku, p.jfsku);
    if (other) throw badRequest('Products_DuplicateProduct', `a product with merchantSku ${patch.merchantSku} already exists`, { Jfsku: other.jfsku });
  }
  if (typeof patch.merchantSku === 'string' && patch.merchantSku !== p.fields.merchantSku) {
    runtime.store.bySku.delete(p.fields.merchantSku);
    runtime.store.bySku.set(patch.merchantSku, p.jfsku);
  }
  for (const [k, v] of Object.entries(patch)) {
    const old = p.fields[k];
    p.fields[k] = OBJECTS.includes(k) && isObj(v) && isObj(old) ? { ...old, ...v } : v;
  }
  p.mod = { ...p.mod, updatedAt: runtime.stamp(p.mod.updatedAt), state: 'Modified' };
  recordChange(runtime, p, actor);
  return p;
}

/** The merchant deletes a product: it leaves the collections and shows up in the feed with state Deleted. */
export function deleteProduct(runtime: FfnRuntime, jfsku: string, actor: Actor): ProductRec {
  const p = findProductOr404(runtime, jfsku);
  runtime.store.bySku.delete(p.fields.merchantSku);
  p.mod = { ...p.mod, updatedAt: runtime.stamp(p.mod.updatedAt), state: 'Deleted' };
  recordChange(runtime, p, actor);
  return p;
}
