// Runs a validated bulk query and writes JSONL: one object per line, nested connections' nodes on their
// own lines with "__parentId". The root connection is executed in chunks through the normal resolvers
// (with the page-size cap lifted for nested connections), so 100k orders never sit in memory at once.
// Grouped output puts each parent's children right after it; ungrouped output writes a chunk's parents
// first and its children after — or, as a fault, children before their parents.
import type {
  DocumentNode, FieldNode, GraphQLNamedType, GraphQLSchema, OperationDefinitionNode, SelectionSetNode,
} from 'graphql';
import { execute, getNamedType, isLeafType, isObjectType, Kind, TypeInfo, visit, visitWithTypeInfo } from 'graphql';
import { connectionItems, connectionNodeSelection, fragmentsOf } from '../graphql/cost.js';
import type { Fragments } from '../graphql/fields.js';
import { collectFields, fieldNamedType, isConnectionType, mergedSelections, possibleTypes } from '../graphql/fields.js';
import type { GraphQLContext } from '../graphql/context.js';

const CHUNK = 250;
const NODE_ID = '_bulkNodeId';
const PAGE_INFO = '_bulkPageInfo';
const PAGING_ARGS = new Set(['first', 'last', 'after', 'before']);

export interface ExportControl {
  write(line: string): Promise<void>;
  /** Called after each chunk; returning true stops the export (cancel, injected failure). */
  afterChunk(objects: number, roots: number): boolean;
}

export interface ExportResult {
  objects: number;
  roots: number;
}

function field(name: string, alias?: string, selections?: SelectionSetNode['selections']): FieldNode {
  return {
    kind: Kind.FIELD, name: { kind: Kind.NAME, value: name }, alias: alias ? { kind: Kind.NAME, value: alias } : undefined,
    selectionSet: selections ? { kind: Kind.SELECTION_SET, selections } : undefined,
  };
}

/**
 * Rewrites the query for chunked execution: paging arguments are dropped everywhere (Shopify ignores
 * them in bulk queries), the root connection pages by `$bulkCursor`, and every node selects its id under
 * a private alias so children can reference it.
 */
function rewrite(schema: GraphQLSchema, document: DocumentNode, rootField: FieldNode, paged: boolean): DocumentNode {
  const typeInfo = new TypeInfo(schema);
  const rewritten = visit(document, visitWithTypeInfo(typeInfo, {
    Field: {
      leave(node) {
        const parent = typeInfo.getParentType();
        const named = typeInfo.getType() ? getNamedType(typeInfo.getType()) : undefined;
        let next: FieldNode = node;
        if (named && isConnectionType(named)) {
          next = { ...next, arguments: (next.arguments ?? []).filter((a) => !PAGING_ARGS.has(a.name.value)) };
        }
        const isNodeList = (node.name.value === 'nodes' && parent?.name.endsWith('Connection')) ||
          (node.name.value === 'node' && parent?.name.endsWith('Edge'));
        if (isNodeList && named && isObjectType(named) && named.getFields().id && next.selectionSet) {
          next = { ...next, selectionSet: { ...next.selectionSet, selections: [...next.selectionSet.selections, field('id', NODE_ID)] } };
        }
        return next === node ? undefined : next;
      },
    },
  }));
  const operation = rewritten.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation) return rewritten;
  const rootKey = rootField.alias?.value ?? rootField.name.value;
  const root = operation.selectionSet.selections.find(
    (s): s is FieldNode => s.kind === Kind.FIELD && (s.alias?.value ?? s.name.value) === rootKey,
  );
  if (!root) return rewritten;
  const pagedRoot: FieldNode = !paged ? root : {
    ...root,
    arguments: [
      ...(root.arguments ?? []),
      { kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'first' }, value: { kind: Kind.INT, value: String(CHUNK) } },
      { kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'after' }, value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: 'bulkCursor' } } },
    ],
    selectionSet: {
      kind: Kind.SELECTION_SET,
      selections: [...(root.selectionSet?.selections ?? []), field('pageInfo', PAGE_INFO, [field('hasNextPage'), field('endCursor')])],
    },
  };
  const chunked: OperationDefinitionNode = {
    ...operation,
    variableDefinitions: !paged ? [] : [{
      kind: Kind.VARIABLE_DEFINITION, variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: 'bulkCursor' } },
      type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'String' } },
    }],
    selectionSet: { kind: Kind.SELECTION_SET, selections: [pagedRoot] },
  };
  return { ...rewritten, definitions: rewritten.definitions.map((d) => (d === operation ? chunked : d)) };
}

interface Lines {
  parents: string[];
  children: string[];
}

/** Writes one node and, below it, the nodes of its nested connections (found also inside plain objects). */
function emitNode(
  schema: GraphQLSchema, fragments: Fragments, node: Record<string, unknown>, selection: SelectionSetNode,
  type: GraphQLNamedType, parentId: string | null, lines: Lines, grouped: boolean,
): number {
  const children: { items: Record<string, unknown>[]; selection: SelectionSetNode; type: GraphQLNamedType }[] = [];
  const strip = (value: Record<string, unknown>, sel: SelectionSetNode, t: GraphQLNamedType): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    const [concrete] = possibleTypes(schema, t);
    const fields = concrete ? collectFields(schema, fragments, sel, concrete) : new Map();
    for (const [key, raw] of Object.entries(value)) {
      if (key === NODE_ID) continue;
      const f = fields.get(key);
      const named = f ? fieldNamedType(f) : undefined;
      if (f && named && isConnectionType(named)) {
        const item = connectionNodeSelection(schema, fragments, f, named);
        if (item && raw && typeof raw === 'object') children.push({ items: connectionItems(raw as Record<string, unknown>), ...item });
      } else if (f && named && raw && typeof raw === 'object' && !Array.isArray(raw) && !isLeafType(named)) {
        out[key] = strip(raw as Record<string, unknown>, mergedSelections(f), named);
      } else {
        out[key] = raw;
      }
    }
    return out;
  };
  const own = strip(node, selection, type);
  const line = JSON.stringify(parentId === null ? own : { ...own, __parentId: parentId });
  (parentId === null || grouped ? lines.parents : lines.children).push(line);
  const id = typeof node[NODE_ID] === 'string' ? (node[NODE_ID] as string) : (node.id as string | undefined) ?? null;
  let count = 1;
  for (const child of children) {
    for (const item of child.items) count += emitNode(schema, fragments, item, child.selection, child.type, id, lines, grouped);
  }
  return count;
}

export async function exportBulkQuery(
  schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, ctx: GraphQLContext,
  opts: { grouped: boolean; childrenFirst: boolean }, control: ExportControl,
): Promise<ExportResult> {
  const fragments = fragmentsOf(document);
  const root = schema.getQueryType();
  if (!root) return { objects: 0, roots: 0 };
  let objects = 0;
  let roots = 0;
  for (const rootField of collectFields(schema, fragments, operation.selectionSet, root).values()) {
    const fieldNode = rootField.nodes[0];
    const named = fieldNamedType(rootField);
    if (!fieldNode || !named) continue;
    const chunked = isConnectionType(named);
    const doc = rewrite(schema, document, fieldNode, chunked);
    let cursor: string | null = null;
    for (;;) {
      const result = await execute({ schema, document: doc, contextValue: ctx, variableValues: chunked ? { bulkCursor: cursor } : {} });
      if (result.errors && result.errors.length > 0) throw new Error(result.errors[0]?.message ?? 'bulk export failed');
      const value = (result.data as Record<string, unknown> | null | undefined)?.[rootField.responseKey];
      const lines: Lines = { parents: [], children: [] };
      if (chunked && value && typeof value === 'object') {
        const item = connectionNodeSelection(schema, fragments, rootField, named);
        for (const node of connectionItems(value as Record<string, unknown>)) {
          if (!item) break;
          objects += emitNode(schema, fragments, node, item.selection, item.type, null, lines, opts.grouped);
          roots += 1;
        }
      } else if (value && typeof value === 'object') {
        objects += emitNode(schema, fragments, value as Record<string, unknown>, mergedSelections(rootField), named, null, lines, opts.grouped);
        roots += 1;
      }
      const ordered = opts.childrenFirst ? [...lines.children, ...lines.parents] : [...lines.parents, ...lines.children];
      for (const line of ordered) await control.write(line);
      if (control.afterChunk(objects, roots)) return { objects, roots };
      const pageInfo = chunked ? (value as Record<string, { hasNextPage?: boolean; endCursor?: string | null }> | null)?.[PAGE_INFO] : undefined;
      if (!pageInfo?.hasNextPage || !pageInfo.endCursor) break;
      cursor = pageInfo.endCursor;
      // Let the server answer other requests (polls, webhooks) between chunks.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return { objects, roots };
}
