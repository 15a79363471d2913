import { BREAK, getDirectiveValues, GraphQLIncludeDirective, GraphQLSkipDirective, Kind, visit, type DocumentNode, type GraphQLResolveInfo, type SelectionNode, type SelectionSetNode } from 'graphql';

/**
 * Whether the current field's selection asks for the sub-field `name` (under any alias, through
 * fragments and inline fragments, honouring `@skip`/`@include`). Used to fetch costly fields in the
 * same round trip as the rest; a field resolver must still be able to compute it when this says no.
 */
export function selectsField(info: GraphQLResolveInfo, name: string): boolean {
  return selectsPath(info, [name]);
}

/**
 * Whether the current field's selection reaches the sub-field path `path` (e.g. `edges`, `node`,
 * `reminders`), with the same rules as `selectsField` at every level.
 */
export function selectsPath(info: GraphQLResolveInfo, path: readonly string[]): boolean {
  const included = (node: SelectionNode) =>
    !node.directives?.length ||
    (getDirectiveValues(GraphQLSkipDirective, node, info.variableValues)?.if !== true &&
      getDirectiveValues(GraphQLIncludeDirective, node, info.variableValues)?.if !== false);
  const visit = (set: SelectionSetNode | undefined, depth: number, seen: Set<string>): boolean => {
    for (const node of set?.selections ?? []) {
      if (!included(node)) continue;
      if (node.kind === Kind.FIELD) {
        if (node.name.value !== path[depth]) continue;
        if (depth === path.length - 1 || visit(node.selectionSet, depth + 1, new Set())) return true;
      } else if (node.kind === Kind.INLINE_FRAGMENT) {
        if (visit(node.selectionSet, depth, seen)) return true;
      } else if (!seen.has(node.name.value)) {
        seen.add(node.name.value);
        if (visit(info.fragments[node.name.value]?.selectionSet, depth, seen)) return true;
      }
    }
    return false;
  };
  return path.length > 0 && info.fieldNodes.some((field) => visit(field.selectionSet, 0, new Set()));
}

/**
 * Whether a document asks for the schema (`__schema` or `__type`, under any alias, directly or
 * through a fragment or an inline fragment). Those fields are only valid on the query root, so any
 * occurrence in the document counts.
 */
export function selectsIntrospection(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value !== '__schema' && node.name.value !== '__type') return undefined;
      found = true;
      return BREAK;
    },
  });
  return found;
}
