/**
 * What a query selects of a resource's records, as the runtime's read projection: the fields and the
 * relations below them, read once from the selection set (aliases merged, fragments followed, `@skip` /
 * `@include` honoured), so the root field fetches the whole tree in one SQL statement.
 */
import { type FieldNode, type GraphQLResolveInfo, getArgumentValues, isObjectType } from "graphql";
import type { ResolvedResource, ResolvedSchema } from "../metadata/resolved.ts";
import type { Projection, RelatedList } from "../runtime/service-types.ts";
import { toRelatedList } from "./arguments.ts";
import { subfields } from "./selection.ts";

/**
 * The projection of `resource` records selected by `nodes` (the field being resolved by default).
 * @example projectionOf(info, schema, post) // { fields: {id, title}, relations: { author: { fields: {name} } } }
 */
export function projectionOf(
  info: GraphQLResolveInfo,
  schema: ResolvedSchema,
  resource: ResolvedResource,
  nodes: readonly FieldNode[] = info.fieldNodes,
): Projection {
  const fields = new Set<string>();
  const relations = new Map<string, Projection>();
  for (const [name, below] of subfields(info, nodes)) {
    if (resource.field.has(name)) {
      fields.add(name);
      continue;
    }
    const relation = resource.relation.get(name);
    const target = relation && schema.resource.get(relation.target);
    if (!target) continue;
    const list = listOf(info, schema, resource, target, below);
    if (list === null) continue;
    relations.set(name, { ...projectionOf(info, schema, target, below), list });
  }
  return { fields, relations };
}

/**
 * The nested list arguments `nodes` (one relation's, under its aliases) give; null when the aliases give
 * different ones or the arguments do not translate: the relation is then read by its own resolver, which
 * reports any error at its path.
 */
function listOf(
  info: GraphQLResolveInfo,
  schema: ResolvedSchema,
  resource: ResolvedResource,
  target: ResolvedResource,
  nodes: readonly FieldNode[],
): RelatedList | undefined | null {
  const type = info.schema.getType(resource.names.type);
  const definition = isObjectType(type) ? type.getFields()[nodes[0]?.name.value ?? ""] : undefined;
  if (!definition || definition.args.length === 0) return undefined;
  try {
    const lists = nodes.map((node) =>
      toRelatedList(schema, target, getArgumentValues(definition, node, info.variableValues)),
    );
    const [first] = lists;
    const key = (list: RelatedList | undefined) =>
      JSON.stringify(list, (_k, v) => (typeof v === "bigint" ? `${v}n` : v));
    return lists.every((list) => key(list) === key(first)) ? first : null;
  } catch {
    return null;
  }
}

/** The projection of the nodes of a connection: `nodes { … }` and `edges { node { … } }` together. */
export function connectionProjectionOf(
  info: GraphQLResolveInfo,
  schema: ResolvedSchema,
  resource: ResolvedResource,
): Projection {
  const selected = subfields(info);
  const edges = selected.get("edges");
  const nodes = [...(selected.get("nodes") ?? []), ...(edges ? (subfields(info, edges).get("node") ?? []) : [])];
  return projectionOf(info, schema, resource, nodes);
}
