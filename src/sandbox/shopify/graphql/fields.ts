// Field collection over a selection set (fragments and inline fragments flattened for a given concrete
// type), shared by the cost calculator and the bulk exporter, which both walk queries statically.
import type {
  FieldNode, FragmentDefinitionNode, GraphQLCompositeType, GraphQLField, GraphQLNamedType, GraphQLObjectType,
  GraphQLSchema, SelectionSetNode,
} from 'graphql';
import { getNamedType, isAbstractType, isObjectType, isListType, getNullableType, Kind } from 'graphql';

export interface CollectedField {
  responseKey: string;
  nodes: FieldNode[];
  def: GraphQLField<unknown, unknown> | undefined;
}

export type Fragments = Record<string, FragmentDefinitionNode>;

function applies(schema: GraphQLSchema, condition: string | undefined, type: GraphQLObjectType): boolean {
  if (condition === undefined || condition === type.name) return true;
  const conditionType = schema.getType(condition);
  return conditionType !== undefined && conditionType !== null && isAbstractType(conditionType) && schema.isSubType(conditionType, type);
}

/** Fields a selection set asks of an object of `type`, grouped by response key (merging repeated fields). */
export function collectFields(
  schema: GraphQLSchema, fragments: Fragments, selectionSet: SelectionSetNode, type: GraphQLObjectType,
  into = new Map<string, CollectedField>(),
): Map<string, CollectedField> {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const key = selection.alias?.value ?? selection.name.value;
      const existing = into.get(key);
      if (existing) existing.nodes.push(selection);
      else into.set(key, { responseKey: key, nodes: [selection], def: type.getFields()[selection.name.value] });
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (applies(schema, selection.typeCondition?.name.value, type)) collectFields(schema, fragments, selection.selectionSet, type, into);
    } else {
      const fragment = fragments[selection.name.value];
      if (fragment && applies(schema, fragment.typeCondition.name.value, type)) {
        collectFields(schema, fragments, fragment.selectionSet, type, into);
      }
    }
  }
  return into;
}

/** Concrete object types a field's value may have: the type itself, or every implementation. */
export function possibleTypes(schema: GraphQLSchema, type: GraphQLNamedType): readonly GraphQLObjectType[] {
  if (isObjectType(type)) return [type];
  if (isAbstractType(type)) return schema.getPossibleTypes(type);
  return [];
}

/** Sub-selections of all nodes of a merged field, for walking one level down. */
export function mergedSelections(field: CollectedField): SelectionSetNode {
  return { kind: Kind.SELECTION_SET, selections: field.nodes.flatMap((n) => n.selectionSet?.selections ?? []) };
}

export function isConnectionType(type: GraphQLNamedType): boolean {
  return type.name.endsWith('Connection');
}

export function fieldNamedType(field: CollectedField): GraphQLNamedType | undefined {
  return field.def ? getNamedType(field.def.type) : undefined;
}

export function isListField(field: CollectedField): boolean {
  return field.def !== undefined && isListType(getNullableType(field.def.type));
}

export type { GraphQLCompositeType };
