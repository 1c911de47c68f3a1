/**
 * What a query selects of a resource's records, as the runtime's read projection: the fields and the
 * relations below them, read once from the selection set (aliases merged, fragments followed, `@skip` /
 * `@include` honoured), so the root field fetches the whole tree in one SQL statement.
 */
import type { FieldNode, GraphQLResolveInfo } from "graphql";
import type { ResolvedResource, ResolvedSchema } from "../metadata/resolved.ts";
import type { Projection } from "../runtime/service-types.ts";
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
    if (target) relations.set(name, projectionOf(info, schema, target, below));
  }
  return { fields, relations };
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
