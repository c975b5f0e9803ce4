// The `query:` search syntax (platforms/shopify.md section 3): whitespace = AND, `OR`, `NOT`/`-`,
// parentheses, comparators `:`, `:<`, `:>`, `:<=`, `:>=`. Date quirks reproduced on purpose: a quoted
// date-time is compared exactly; an unquoted one keeps only its date part; `>`/`<` on dates include the
// bound unless strictGreaterThan is set (observed behaviour). Unknown fields are ignored with a warning,
// as Shopify reports them in `extensions.search`.
export type FieldKind = 'date' | 'number' | 'string' | 'strings' | 'enum';

export interface SearchField<T> {
  kind: FieldKind;
  get: (item: T) => number | string | string[] | null;
}

export type SearchFields<T> = Record<string, SearchField<T>> & { default?: SearchField<T> };

export interface SearchWarning {
  field: string;
  message: string;
}

export interface ParsedSearch<T> {
  matches: (item: T) => boolean;
  warnings: SearchWarning[];
}

type Comparator = ':' | ':<' | ':>' | ':<=' | ':>=';
type Node<T> = (item: T) => boolean;
const DAY = 86_400_000;

interface Term {
  negated: boolean;
  field: string | null;
  comparator: Comparator;
  value: string;
  quoted: boolean;
}

type Token = { kind: 'term'; term: Term } | { kind: 'op'; op: 'OR' | 'AND' | 'NOT' | '(' | ')' };

const TERM = /^(-)?(?:([a-z_][a-z0-9_.]*)(:<=|:>=|:<|:>|:))?(?:'([^']*)'|"([^"]*)"|([^\s()]+))/i;

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let rest = query.trim();
  while (rest.length > 0) {
    if (rest[0] === '(' || rest[0] === ')') {
      tokens.push({ kind: 'op', op: rest[0] });
      rest = rest.slice(1).trimStart();
      continue;
    }
    const match = TERM.exec(rest);
    if (!match) {
      rest = rest.slice(1).trimStart();
      continue;
    }
    const [whole, minus, field, comparator, single, double, bare] = match;
    const value = single ?? double ?? bare ?? '';
    if (!field && !minus && (value === 'OR' || value === 'AND' || value === 'NOT') && bare !== undefined) {
      tokens.push({ kind: 'op', op: value });
    } else {
      tokens.push({ kind: 'term', term: {
        negated: minus === '-', field: field?.toLowerCase() ?? null, comparator: (comparator ?? ':') as Comparator,
        value, quoted: single !== undefined || double !== undefined,
      } });
    }
    rest = rest.slice(whole.length).trimStart();
  }
  return tokens;
}

function parseDate(value: string, quoted: boolean): { at: number; dateOnly: boolean } | null {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  if (quoted && !dateOnly) {
    const at = Date.parse(value);
    return Number.isNaN(at) ? null : { at, dateOnly: false };
  }
  // Unquoted date-times lose everything after the date (observed): 2024-01-01T10:00:00Z -> 2024-01-01.
  const date = /^(\d{4}-\d{2}-\d{2})/.exec(value)?.[1];
  if (!date) return null;
  const at = Date.parse(`${date}T00:00:00Z`);
  return Number.isNaN(at) ? null : { at, dateOnly: true };
}

function dateNode<T>(f: SearchField<T>, term: Term, strict: boolean): Node<T> | null {
  const parsed = parseDate(term.value, term.quoted);
  if (!parsed) return null;
  const { at, dateOnly } = parsed;
  const end = dateOnly ? at + DAY : at; // first instant after the bound's day (or the instant itself)
  const get = (item: T) => f.get(item) as number | null;
  const test = (fn: (v: number) => boolean): Node<T> => (item) => {
    const v = get(item);
    return v !== null && fn(v);
  };
  switch (term.comparator) {
    case ':': return dateOnly ? test((v) => v >= at && v < end) : test((v) => v === at);
    case ':>=': return test((v) => v >= at);
    case ':>': return strict ? (dateOnly ? test((v) => v >= end) : test((v) => v > at)) : test((v) => v >= at);
    case ':<': return strict ? test((v) => v < at) : (dateOnly ? test((v) => v < end) : test((v) => v <= at));
    case ':<=': return dateOnly ? test((v) => v < end) : test((v) => v <= at);
  }
}

function compare<T>(f: SearchField<T>, term: Term): Node<T> | null {
  if (f.kind === 'number') {
    const n = Number(term.value);
    if (Number.isNaN(n)) return null;
    const get = (item: T) => f.get(item) as number | null;
    const ops: Record<Comparator, (v: number) => boolean> = {
      ':': (v) => v === n, ':>': (v) => v > n, ':>=': (v) => v >= n, ':<': (v) => v < n, ':<=': (v) => v <= n,
    };
    const op = ops[term.comparator];
    return (item) => {
      const v = get(item);
      return v !== null && op(v);
    };
  }
  const wanted = term.value.toLowerCase().split(f.kind === 'enum' ? ',' : /(?!)/);
  const prefix = term.value.endsWith('*');
  const eq = (v: string) => {
    const lower = v.toLowerCase();
    return wanted.some((w) => (prefix ? lower.startsWith(w.slice(0, -1)) : lower === w));
  };
  return (item) => {
    const v = f.get(item);
    if (v === null) return false;
    if (Array.isArray(v)) return v.some(eq);
    if (f.kind === 'string' && term.field === null) return String(v).toLowerCase().includes(term.value.toLowerCase());
    return eq(String(v));
  };
}

export function parseSearch<T>(query: string, fields: SearchFields<T>, opts: { strictGreaterThan: boolean }): ParsedSearch<T> {
  const tokens = tokenize(query);
  const warnings: SearchWarning[] = [];
  let pos = 0;

  const termNode = (term: Term): Node<T> => {
    const field = term.field === null ? fields.default : fields[term.field];
    if (!field) {
      warnings.push({ field: term.field ?? 'default', message: 'Invalid search field for this query.' });
      return () => true;
    }
    const node = field.kind === 'date' ? dateNode(field, term, opts.strictGreaterThan) : compare(field, term);
    if (!node) {
      warnings.push({ field: term.field ?? 'default', message: `Invalid value '${term.value}' for this field.` });
      return () => true;
    }
    return term.negated ? (item) => !node(item) : node;
  };

  const primary = (): Node<T> | null => {
    const token = tokens[pos];
    if (!token) return null;
    if (token.kind === 'term') {
      pos += 1;
      return termNode(token.term);
    }
    if (token.op === 'NOT') {
      pos += 1;
      const inner = primary();
      return inner ? (item) => !inner(item) : null;
    }
    if (token.op === '(') {
      pos += 1;
      const inner = orExpr();
      if (tokens[pos]?.kind === 'op' && (tokens[pos] as { op: string }).op === ')') pos += 1;
      return inner;
    }
    return null;
  };

  const andExpr = (): Node<T> | null => {
    const parts: Node<T>[] = [];
    for (;;) {
      const token = tokens[pos];
      if (!token || (token.kind === 'op' && (token.op === 'OR' || token.op === ')'))) break;
      if (token.kind === 'op' && token.op === 'AND') {
        pos += 1;
        continue;
      }
      const node = primary();
      if (node) parts.push(node);
    }
    if (parts.length === 0) return null;
    return (item) => parts.every((p) => p(item));
  };

  function orExpr(): Node<T> | null {
    const parts: Node<T>[] = [];
    for (;;) {
      const node = andExpr();
      if (node) parts.push(node);
      const token = tokens[pos];
      if (token?.kind === 'op' && token.op === 'OR') {
        pos += 1;
        continue;
      }
      break;
    }
    if (parts.length === 0) return null;
    return (item) => parts.some((p) => p(item));
  }

  const root = orExpr();
  return { matches: root ?? (() => true), warnings };
}
