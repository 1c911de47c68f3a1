/**
 * What a query selects below a field, so a resolver asks the runtime only for what is used (a
 * connection's total, the aggregates of a group).
 */
import {
  type FieldNode,
  GraphQLIncludeDirective,
  type GraphQLResolveInfo,
  GraphQLSkipDirective,
  getDirectiveValues,
  Kind,
  type SelectionNode,
  type SelectionSetNode,
} from "graphql";

/**
 * The fields selected directly below `nodes` (by default, the field being resolved), by field name:
 * aliases of one field are merged, fragments followed, `@skip` / `@include` honoured. Type conditions
 * are not checked, so a fragment on another type counts too: at worst a little more is computed.
 * @example subfields(info).has("totalCount")
 * @example subfields(info, subfields(info).get("sum")).keys() // the fields of `sum { ... }`
 */
export function subfields(
  info: GraphQLResolveInfo,
  nodes: readonly FieldNode[] = info.fieldNodes,
): Map<string, FieldNode[]> {
  const out = new Map<string, FieldNode[]>();
  const spread = new Set<string>();
  const walk = (set: SelectionSetNode | undefined) => {
    for (const selection of set?.selections ?? []) {
      if (!included(info, selection)) continue;
      switch (selection.kind) {
        case Kind.FIELD: {
          const name = selection.name.value;
          out.set(name, [...(out.get(name) ?? []), selection]);
          break;
        }
        case Kind.INLINE_FRAGMENT:
          walk(selection.selectionSet);
          break;
        case Kind.FRAGMENT_SPREAD: {
          const name = selection.name.value;
          if (spread.has(name)) break;
          spread.add(name);
          walk(info.fragments[name]?.selectionSet);
          break;
        }
      }
    }
  };
  for (const node of nodes) walk(node.selectionSet);
  return out;
}

function included(info: GraphQLResolveInfo, node: SelectionNode): boolean {
  if (getDirectiveValues(GraphQLSkipDirective, node, info.variableValues)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, info.variableValues)?.if !== false;
}
