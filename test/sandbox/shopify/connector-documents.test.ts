// Every GraphQL document the Shopify connector can send, parsed and validated with graphql-js against
// the sandbox's schema for each API version the connector may be configured with. The documents are
// the exports of the connector's document modules: strings, functions of the API version (null when a
// version does not send the document) and objects of either, so a document added there later is
// checked without touching this file. A document written inline at a gql() call would escape that, so
// a second test reads the connector's sources and refuses any gql() call whose document is not one of
// those exports. Nothing here runs a server: documents only, as CI sees them.
import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GraphQLError } from 'graphql';
import { Kind, parse, validate } from 'graphql';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { DEFAULT_API_VERSION } from '../../../src/connectors/shopify/config.js';
import { versionFeatures } from '../../../src/sandbox/shopify/options.js';
import { schemaFor } from '../../../src/sandbox/shopify/graphql/schema.js';

const CONNECTOR_DIR = new URL('../../../src/connectors/shopify/', import.meta.url);
/** The modules whose exports are the connector's GraphQL documents. */
const DOCUMENT_MODULES = ['queries.ts', 'push.ts', 'subscriptions.ts', 'bulk.ts'];

/**
 * The connector accepts any quarterly version (config.ts). Checked: every quarter from 2024-10 (the
 * oldest version Shopify's official JS client still knows, platforms/shopify.md section 1) up to the
 * connector's default, which crosses every version switch of the sandbox's schema, and `unstable`.
 */
function supportedVersions(): string[] {
  const versions: string[] = [];
  for (let year = 2024, month = 10; ; month === 10 ? ((year += 1), (month = 1)) : (month += 3)) {
    const version = `${year}-${String(month).padStart(2, '0')}`;
    if (version > DEFAULT_API_VERSION) break;
    versions.push(version);
  }
  return [...versions, 'unstable'];
}
const VERSIONS = supportedVersions();

interface Sent {
  /** `module › export` (with the key for objects of documents). */
  name: string;
  version: string;
  text: string;
}

const looksLikeDocument = (text: string) => /^\s*(\{|(query|mutation|subscription|fragment)\b)/.test(text);
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

/** Documents in one export for one version. Field lists and other strings that are no document are skipped. */
function documentsOf(name: string, value: unknown, version: string, out: Sent[]): void {
  if (typeof value === 'string') {
    if (looksLikeDocument(value)) out.push({ name, version, text: value });
  } else if (typeof value === 'function' && value.length <= 1) {
    let built: unknown;
    try {
      built = (value as (v: string) => unknown)(version);
    } catch {
      return; // not a builder of documents (a class, or a function of something else)
    }
    if (typeof built === 'string') documentsOf(name, built, version, out);
  } else if (isPlainObject(value)) {
    for (const [key, inner] of Object.entries(value)) documentsOf(`${name}.${key}`, inner, version, out);
  }
}

const modules = new Map<string, Record<string, unknown>>();
for (const file of DOCUMENT_MODULES) modules.set(file, (await import(new URL(file, CONNECTOR_DIR).href)) as Record<string, unknown>);

const sent: Sent[] = [];
for (const [file, exports] of modules) {
  for (const [exportName, value] of Object.entries(exports)) {
    for (const version of VERSIONS) documentsOf(`${file} › ${exportName}`, value, version, sent);
  }
}
const names = [...new Set(sent.map((d) => d.name))];

/** graphql-js names the field (and type) in its messages; the location and the line are added. */
function describeError(doc: Sent, error: GraphQLError): string {
  const at = error.locations?.[0];
  const line = at ? doc.text.split('\n')[at.line - 1]?.trim() : undefined;
  return `${doc.name}: ${error.message}${at ? ` [line ${at.line}:${at.column}: ${line}]` : ''}`;
}

function problemsOf(doc: Sent): string[] {
  let parsed;
  try {
    parsed = parse(doc.text);
  } catch (error) {
    return [describeError(doc, error as GraphQLError)];
  }
  return validate(schemaFor(versionFeatures(doc.version)), parsed).map((e) => describeError(doc, e));
}

/** Each problem once, with the API versions it occurs on. */
function problemsByVersion(docs: Sent[]): string[] {
  const versions = new Map<string, string[]>();
  for (const doc of docs) for (const p of problemsOf(doc)) versions.set(p, [...(versions.get(p) ?? []), doc.version]);
  return [...versions].map(([problem, on]) => `${problem} (API ${on.join(', ')})`);
}

describe('GraphQL documents of the Shopify connector', () => {
  it.each(names)('%s validates against the sandbox schema of every supported API version', (name) => {
    const problems = problemsByVersion(sent.filter((d) => d.name === name));
    expect(problems, `\n${problems.join('\n')}\n`).toEqual([]);
  });

  it('collects a document for every root field the connector calls', () => {
    const roots = new Set<string>();
    for (const doc of sent) {
      for (const def of parse(doc.text).definitions) {
        if (def.kind !== Kind.OPERATION_DEFINITION) continue;
        for (const sel of def.selectionSet.selections) if (sel.kind === Kind.FIELD) roots.add(sel.name.value);
      }
    }
    expect([...roots]).toEqual(expect.arrayContaining([
      'products', 'product', 'productVariants', 'productVariant', 'inventoryItem', 'orders', 'order', 'customers',
      'productSet', 'inventorySetQuantities', 'inventoryActivate', 'webhookSubscriptionCreate',
      'bulkOperationRunQuery', 'currentBulkOperation', 'bulkOperation',
    ]));
    expect(VERSIONS).toEqual(expect.arrayContaining(['2025-01', '2026-01', DEFAULT_API_VERSION, 'unstable']));
  });
});

/** Where a gql() call's document comes from, if not from an export of a document module. */
function inlineDocuments(file: string, source: string): string[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.ES2022, true);
  const imported = new Map<string, string>();
  const locals = new Map<string, ts.Expression>();
  const visit = (node: ts.Node, found: (call: ts.CallExpression) => void): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const from = basename(node.moduleSpecifier.text).replace(/\.js$/, '.ts');
      const bindings = node.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings)) for (const el of bindings.elements) imported.set(el.name.text, from);
    }
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) locals.set(node.name.text, node.initializer);
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'gql') found(node);
    ts.forEachChild(node, (child) => visit(child, found));
  };
  const calls: ts.CallExpression[] = [];
  visit(sf, (call) => calls.push(call));

  const isDocumentExport = (name: string): boolean => {
    const from = imported.get(name) ?? file;
    return DOCUMENT_MODULES.includes(from) && name in (modules.get(from) ?? {});
  };
  const problems: string[] = [];
  const check = (expr: ts.Expression, seen: Set<string>): boolean => {
    if (ts.isParenthesizedExpression(expr)) return check(expr.expression, seen);
    if (ts.isConditionalExpression(expr)) return check(expr.whenTrue, seen) && check(expr.whenFalse, seen);
    // A stream spec's query function or an entry of BULK_QUERIES: the object's module is checked as a whole.
    if (ts.isPropertyAccessExpression(expr) || ts.isElementAccessExpression(expr)) return true;
    if (ts.isCallExpression(expr)) return ts.isIdentifier(expr.expression) ? isDocumentExport(expr.expression.text) : check(expr.expression as ts.Expression, seen);
    if (ts.isIdentifier(expr)) {
      if (isDocumentExport(expr.text)) return true;
      const init = locals.get(expr.text);
      if (!init || seen.has(expr.text)) return false;
      return check(init, new Set([...seen, expr.text]));
    }
    return false; // a literal, a template or a concatenation written at the call
  };
  for (const call of calls) {
    const doc = call.arguments[1];
    if (doc && !check(doc, new Set())) {
      const { line } = sf.getLineAndCharacterOfPosition(doc.getStart());
      problems.push(`${file}:${line + 1}: gql() document \`${doc.getText().slice(0, 60)}\` is not an export of ${DOCUMENT_MODULES.join(', ')}`);
    }
  }
  return problems;
}

describe('gql() calls of the Shopify connector', () => {
  it('send only documents exported by the document modules, so the validation above sees every one', () => {
    const dir = fileURLToPath(CONNECTOR_DIR);
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    const problems = files.flatMap((f) => inlineDocuments(f, readFileSync(new URL(f, CONNECTOR_DIR), 'utf8')));
    expect(problems, `\n${problems.join('\n')}\n`).toEqual([]);
  });
});
