// Calculated query cost (platforms/shopify.md section 4), computed statically before execution
// (requested) and again over the returned data (actual).
//
// Formula (Shopify's published rule, "Rate limiting GraphQL APIs by calculating query complexity"):
//   scalar / enum field                 0
//   object field                        1 + cost of its selection            (null in the result: 0)
//   list of objects (not a connection)  1 + cost of one element's selection  (flat, like an object)
//   connection field                    2 + size × (1 + cost of one node's selection)
//        size = `first` or `last` when requested; the number of nodes really returned when actual
//   interface / union                   the most expensive possible type
//   mutation root field                 10, plus the connections selected in its payload
//   introspection (__schema, __type)    0
// `nodes` and `edges { node }` describe the same items and are merged; `pageInfo`, `cursor` and the
// edge wrapper are covered by the connection's constant 2. Real Shopify sometimes charges less than this
// rule (observed), never more in our sources, so a client that paces by it stays safe.
import type { DocumentNode, GraphQLNamedType, GraphQLObjectType, GraphQLSchema, OperationDefinitionNode, SelectionSetNode } from 'graphql';
import { getArgumentValues, isLeafType, Kind } from 'graphql';
import type { CollectedField, Fragments } from './fields.js';
import { collectFields, fieldNamedType, isConnectionType, mergedSelections, possibleTypes } from './fields.js';

export const MUTATION_COST = 10;
export const MAX_QUERY_COST = 1000;
const CONNECTION_COST = 2;

interface Walk {
  schema: GraphQLSchema;
  fragments: Fragments;
  variables: Record<string, unknown>;
  /** Filled when the client sent Shopify-GraphQL-Cost-Debug=1: one entry per priced field. */
  trace?: FieldCost[];
}

/** One entry of extensions.cost.fields (the cost-debug breakdown). */
export interface FieldCost {
  path: string[];
  definedCost: number;
  requestedTotalCost: number;
  requestedChildrenCost: number | null;
}

export function fragmentsOf(document: DocumentNode): Fragments {
  const fragments: Fragments = {};
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
  return fragments;
}

/** The selection of one item of a connection: `nodes { ... }` merged with `edges { node { ... } }`. */
export function connectionNodeSelection(
  schema: GraphQLSchema, fragments: Fragments, connection: CollectedField, connectionType: GraphQLNamedType,
): { selection: SelectionSetNode; type: GraphQLNamedType } | null {
  return nodeSelection({ schema, fragments, variables: {} }, connection, connectionType);
}

function nodeSelection(w: Walk, connection: CollectedField, connectionType: GraphQLNamedType): { selection: SelectionSetNode; type: GraphQLNamedType } | null {
  const [objectType] = possibleTypes(w.schema, connectionType);
  if (!objectType) return null;
  const fields = collectFields(w.schema, w.fragments, mergedSelections(connection), objectType);
  const selections: SelectionSetNode['selections'][number][] = [];
  let nodeType: GraphQLNamedType | undefined;
  const nodes = fields.get('nodes') ?? [...fields.values()].find((f) => f.def?.name === 'nodes');
  if (nodes) {
    nodeType = fieldNamedType(nodes);
    selections.push(...mergedSelections(nodes).selections);
  }
  for (const edges of [...fields.values()].filter((f) => f.def?.name === 'edges')) {
    const edgeType = fieldNamedType(edges);
    const [edgeObject] = edgeType ? possibleTypes(w.schema, edgeType) : [];
    if (!edgeObject) continue;
    for (const node of collectFields(w.schema, w.fragments, mergedSelections(edges), edgeObject).values()) {
      if (node.def?.name !== 'node') continue;
      nodeType = fieldNamedType(node);
      selections.push(...mergedSelections(node).selections);
    }
  }
  if (!nodeType || selections.length === 0) return null;
  return { selection: { kind: Kind.SELECTION_SET, selections }, type: nodeType };
}


function pageSize(w: Walk, field: CollectedField): number {
  const node = field.nodes[0];
  if (!field.def || !node) return 0;
  try {
    const args = getArgumentValues(field.def, node, w.variables);
    const size = args.first ?? args.last;
    return typeof size === 'number' && size > 0 ? size : 0;
  } catch {
    return 0; // invalid arguments fail in execution; they add nothing here
  }
}

function selectionCost(w: Walk, selection: SelectionSetNode, type: GraphQLNamedType, objectCost: number, path: string[]): number {
  let max = 0;
  for (const concrete of possibleTypes(w.schema, type)) {
    let sum = 0;
    for (const field of collectFields(w.schema, w.fragments, selection, concrete).values()) sum += fieldCost(w, field, objectCost, path);
    max = Math.max(max, sum);
  }
  return max;
}

function fieldCost(w: Walk, field: CollectedField, objectCost: number, parentPath: string[]): number {
  const named = fieldNamedType(field);
  const path = [...parentPath, field.responseKey];
  if (!named || isLeafType(named) || field.def?.name.startsWith('__')) {
    w.trace?.push({ path, definedCost: 0, requestedTotalCost: 0, requestedChildrenCost: null });
    return 0;
  }
  let defined: number;
  let children: number;
  if (isConnectionType(named)) {
    const item = nodeSelection(w, field, named);
    const perNode = item ? 1 + selectionCost(w, item.selection, item.type, 1, [...path, 'nodes']) : 0;
    defined = CONNECTION_COST;
    children = pageSize(w, field) * perNode;
  } else {
    defined = objectCost;
    children = selectionCost(w, mergedSelections(field), named, objectCost, path);
  }
  w.trace?.push({ path, definedCost: defined, requestedTotalCost: defined + children, requestedChildrenCost: children });
  return defined + children;
}

function rootFields(w: Walk, operation: OperationDefinitionNode): { fields: CollectedField[]; mutation: boolean } {
  const mutation = operation.operation === 'mutation';
  const root = mutation ? w.schema.getMutationType() : w.schema.getQueryType();
  if (!root) return { fields: [], mutation };
  return { fields: [...collectFields(w.schema, w.fragments, operation.selectionSet, root).values()], mutation };
}

/** Requested cost: what the operation may cost at most, charged before it runs. */
export function requestedCost(
  schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>,
  trace?: FieldCost[],
): number {
  const w: Walk = { schema, fragments: fragmentsOf(document), variables, trace };
  const { fields, mutation } = rootFields(w, operation);
  let total = 0;
  for (const field of fields) {
    if (field.def?.name.startsWith('__')) continue;
    if (!mutation) {
      total += fieldCost(w, field, 1, []);
      continue;
    }
    const children = payloadCost(w, field);
    w.trace?.push({ path: [field.responseKey], definedCost: MUTATION_COST, requestedTotalCost: MUTATION_COST + children, requestedChildrenCost: children });
    total += MUTATION_COST + children;
  }
  return total;
}

/** A mutation's payload objects are included in its price of 10; only connections add to it. */
function payloadCost(w: Walk, field: CollectedField): number {
  const named = fieldNamedType(field);
  return named && !isLeafType(named) ? selectionCost(w, mergedSelections(field), named, 0, [field.responseKey]) : 0;
}

// --- actual cost: the same rules applied to what the resolvers returned --------------------------------

function actualSelection(w: Walk, selection: SelectionSetNode, type: GraphQLNamedType, data: unknown, objectCost: number): number {
  if (typeof data !== 'object' || data === null) return 0;
  let max = 0;
  for (const concrete of possibleTypes(w.schema, type)) {
    let sum = 0;
    for (const field of collectFields(w.schema, w.fragments, selection, concrete as GraphQLObjectType).values()) {
      sum += actualField(w, field, (data as Record<string, unknown>)[field.responseKey], objectCost);
    }
    max = Math.max(max, sum);
  }
  return max;
}

/** Items of a connection result, `nodes[i]` merged with `edges[i].node`. */
export function connectionItems(value: Record<string, unknown>): Record<string, unknown>[] {
  const nodes = Array.isArray(value.nodes) ? (value.nodes as unknown[]) : [];
  const edges = Array.isArray(value.edges) ? (value.edges as unknown[]) : [];
  const count = Math.max(nodes.length, edges.length);
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i += 1) {
    const edge = edges[i] as { node?: unknown } | undefined;
    items.push({ ...(edge?.node as object | undefined), ...(nodes[i] as object | undefined) });
  }
  return items;
}

function actualField(w: Walk, field: CollectedField, value: unknown, objectCost: number): number {
  const named = fieldNamedType(field);
  if (!named || isLeafType(named) || value === null || value === undefined || field.def?.name.startsWith('__')) return 0;
  if (isConnectionType(named)) {
    const item = nodeSelection(w, field, named);
    let total = CONNECTION_COST;
    if (!item || typeof value !== 'object') return total;
    for (const node of connectionItems(value as Record<string, unknown>)) total += 1 + actualSelection(w, item.selection, item.type, node, 1);
    return total;
  }
  const element = Array.isArray(value) ? value[0] : value;
  return objectCost + actualSelection(w, mergedSelections(field), named, element ?? null, objectCost);
}

/** Actual cost: the requested rules applied to the result, so unreturned nodes and null objects are refunded. */
export function actualCost(
  schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>,
  data: Record<string, unknown> | null | undefined,
): number {
  const w: Walk = { schema, fragments: fragmentsOf(document), variables };
  const { fields, mutation } = rootFields(w, operation);
  let total = 0;
  for (const field of fields) {
    if (field.def?.name.startsWith('__')) continue;
    const value = data?.[field.responseKey];
    if (mutation) {
      // A mutation that ran is charged in full; its payload's connections only as far as they returned.
      const named = fieldNamedType(field);
      total += MUTATION_COST + (named && !isLeafType(named) ? actualSelection(w, mergedSelections(field), named, value, 0) : 0);
    } else {
      total += actualField(w, field, value, 1);
    }
  }
  return total;
}
