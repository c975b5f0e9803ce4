// Static checks of a bulk query (platforms/shopify.md section 3): at least one connection, at most five,
// connections nested at most two levels deep, no top-level `node`/`nodes`, queries only. Problems come
// back as userErrors on `query`, never as top-level errors.
import type { DocumentNode, GraphQLNamedType, GraphQLSchema, OperationDefinitionNode, SelectionSetNode } from 'graphql';
import { getOperationAST, parse, validate } from 'graphql';
import { fragmentsOf } from '../graphql/cost.js';
import type { Fragments } from '../graphql/fields.js';
import { collectFields, fieldNamedType, isConnectionType, isListField, mergedSelections, possibleTypes } from '../graphql/fields.js';

export const MAX_BULK_CONNECTIONS = 5;
export const MAX_BULK_NESTING = 2;

export interface BulkQueryError {
  field: string[];
  message: string;
  code: 'INVALID';
}

export interface ValidBulkQuery {
  document: DocumentNode;
  operation: OperationDefinitionNode;
}

function invalid(message: string): { errors: BulkQueryError[] } {
  return { errors: [{ field: ['query'], message, code: 'INVALID' }] };
}

interface Census {
  connections: number;
  deepest: number;
  connectionInList: boolean;
}

function census(
  schema: GraphQLSchema, fragments: Fragments, selection: SelectionSetNode, type: GraphQLNamedType, depth: number,
  insideList: boolean, acc: Census,
): void {
  for (const concrete of possibleTypes(schema, type)) {
    for (const field of collectFields(schema, fragments, selection, concrete).values()) {
      const named = fieldNamedType(field);
      if (!named || !field.def || field.def.name.startsWith('__')) continue;
      const isConnection = isConnectionType(named);
      if (isConnection) {
        acc.connections += 1;
        acc.deepest = Math.max(acc.deepest, depth + 1);
        if (insideList) acc.connectionInList = true;
      }
      census(schema, fragments, mergedSelections(field), named, isConnection ? depth + 1 : depth,
        insideList || (!isConnection && isListField(field) && !['nodes', 'edges'].includes(field.def.name)), acc);
    }
  }
}

export function validateBulkQuery(schema: GraphQLSchema, query: string): ValidBulkQuery | { errors: BulkQueryError[] } {
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (error) {
    return invalid(`Invalid bulk query: ${(error as Error).message}`);
  }
  const problems = validate(schema, document);
  if (problems.length > 0) return invalid(`Invalid bulk query: ${problems[0]?.message ?? 'invalid'}`);
  const operation = getOperationAST(document);
  if (!operation) return invalid('Invalid bulk query: the document must contain exactly one operation.');
  if (operation.operation !== 'query') return invalid('Bulk queries must be query operations; use bulkOperationRunMutation for mutations.');
  if (operation.variableDefinitions && operation.variableDefinitions.length > 0) {
    return invalid('Bulk queries cannot use variables.');
  }
  const root = schema.getQueryType();
  if (!root) return invalid('Invalid bulk query.');
  const fragments = fragmentsOf(document);
  for (const field of collectFields(schema, fragments, operation.selectionSet, root).values()) {
    const name = field.def?.name;
    if (name === 'node' || name === 'nodes') return invalid(`Bulk queries cannot contain a top level \`${name}\` field.`);
  }
  const acc: Census = { connections: 0, deepest: 0, connectionInList: false };
  census(schema, fragments, operation.selectionSet, root, 0, false, acc);
  if (acc.connections === 0) return invalid('Bulk queries must contain at least one connection.');
  if (acc.connections > MAX_BULK_CONNECTIONS) {
    return invalid(`Bulk queries cannot contain more than ${MAX_BULK_CONNECTIONS} connections.`);
  }
  if (acc.deepest > MAX_BULK_NESTING) {
    return invalid(`Bulk queries cannot contain connections with a nesting depth greater than ${MAX_BULK_NESTING}.`);
  }
  if (acc.connectionInList) return invalid('Queries that contain a connection field within a list field are not currently supported.');
  return { document, operation };
}
