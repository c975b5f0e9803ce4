// Values that JavaScript and JSON accept but PostgreSQL refuses to store, found before they reach a
// query: a NUL character (text and jsonb cannot hold U+0000), an unpaired UTF-16 surrogate (JSON.stringify
// writes it as an escape that jsonb rejects), nesting deeper than any real payload (JSON.stringify and
// jsonb both recurse, and fail far below the body size limit), and numbers JSON cannot carry
// (1e400 parses to Infinity, which JSON.stringify silently turns into null). API input holding one is
// answered 400; a webhook holding one is stored as escaped text and dead-lettered — never a 500.

/** Deeper than any platform payload or API body we take (Shopify orders nest about ten levels). */
export const MAX_JSON_DEPTH = 100;

export interface Unstorable {
  /** Where, as `a.b[2].c`; `(root)` for the value itself. */
  path: string;
  reason: string;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function stringProblem(s: string): string | null {
  if (s.includes('\u0000')) return 'contains a NUL character (\\u0000), which cannot be stored';
  if (LONE_SURROGATE.test(s)) return 'contains an unpaired UTF-16 surrogate, which is not valid Unicode';
  return null;
}

const child = (path: string, key: string | number) =>
  typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;
// A path a hundred levels down is mostly `[0][0]...`: its start says where.
const shown = (path: string) => (path === '' ? '(root)' : path.length > 120 ? `${path.slice(0, 120)}…` : path);

/** The first value in `value` that cannot be stored, or null. Walks without recursion, so any depth is safe. */
export function findUnstorable(value: unknown, maxDepth = MAX_JSON_DEPTH): Unstorable | null {
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { v, path, depth } = stack.pop()!;
    const where = shown(path);
    if (typeof v === 'string') {
      const problem = stringProblem(v);
      if (problem) return { path: where, reason: problem };
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return { path: where, reason: 'is a number too large to represent' };
    } else if (typeof v === 'object' && v !== null && !Buffer.isBuffer(v)) {
      if (depth >= maxDepth) return { path: where, reason: `is nested deeper than ${maxDepth} levels` };
      if (Array.isArray(v)) {
        for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: child(path, i), depth: depth + 1 });
      } else {
        for (const [k, item] of Object.entries(v)) {
          const keyProblem = stringProblem(k);
          if (keyProblem) return { path: where, reason: `has a key that ${keyProblem}` };
          stack.push({ v: item, path: child(path, k), depth: depth + 1 });
        }
      }
    }
  }
  return null;
}

/** `text` as PostgreSQL can store it: NULs written as the six characters `\u0000`, unpaired surrogates as U+FFFD. */
export function storableText(text: string): string {
  return text.replaceAll('\u0000', '\\u0000').replace(new RegExp(LONE_SURROGATE.source, 'g'), '\uFFFD');
}
