/**
 * One object type per resource: the fields visible in `one` or `list`, and the exposed relations,
 * each resolved by the runtime (relations through the request's DataLoaders).
 */
import type { ImplementableObjectRef } from "@pothos/core";
import type { ResolvedField, ResolvedResource } from "../metadata/resolved.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { ResourceRecord } from "../runtime/service-types.ts";
import type { Builder, Types } from "./builder.ts";
import type { LeafTypes } from "./scalars.ts";

/** The object type of each resource, by resource name. */
export type ObjectTypes = ReadonlyMap<string, ImplementableObjectRef<Types, ResourceRecord>>;

/** Whether a field ever leaves the server. */
export function isReadable(field: ResolvedField): boolean {
  return !(field.hidden.one && field.hidden.list);
}

/** Declares the object types of every resource, then their fields (relations point at each other). */
export function addObjectTypes(builder: Builder, runtime: Runtime, leaves: LeafTypes): ObjectTypes {
  const { schema } = runtime;
  const refs = new Map(schema.resources.map((r) => [r.name, builder.objectRef<ResourceRecord>(r.names.type)]));
  const refOf = (name: string) => {
    const ref = refs.get(name);
    if (!ref) throw new Error(`No object type for resource "${name}"`);
    return ref;
  };
  for (const resource of schema.resources) implement(refOf(resource.name), runtime, resource, leaves, refOf);
  return refs;
}

function implement(
  ref: ImplementableObjectRef<Types, ResourceRecord>,
  runtime: Runtime,
  resource: ResolvedResource,
  leaves: LeafTypes,
  refOf: (name: string) => ImplementableObjectRef<Types, ResourceRecord>,
) {
  const service = runtime.service(resource.name);
  ref.implement({
    ...(resource.description ? { description: resource.description } : {}),
    fields: (t) => {
      const fields: Record<string, ReturnType<typeof t.field>> = {};
      for (const field of resource.fields) {
        if (!isReadable(field)) continue;
        const leaf = field.blob ? leaves.files.info() : leaves.of(field);
        fields[field.name] = t.field({
          type: field.isList ? [leaf] : leaf,
          // A field hidden in one view is absent from records presented in that view, and a conditional one
          // (field access, hiddenWhenScoped) from the records of actors who may not see it: so it may be null.
          nullable: !field.isRequired || field.hidden.one || field.hidden.list || field.conditional,
          ...(field.description ? { description: field.description } : {}),
          // The runtime presented the record for this view; GraphQL serialises the value by its type.
          resolve: (record) => record[field.name] as never,
        });
      }
      for (const relation of resource.relations) {
        const target = refOf(relation.target);
        const many = relation.kind !== "belongsTo";
        // A trashed record reads as absent, also through a required relation: a trashed comment, listed
        // with `deleted: ONLY`, may point at a post in the trash too. So does one outside the reader's
        // tenant or scope.
        const targetResource = runtime.schema.resource.get(relation.target);
        const mayBeTrashed = Boolean(targetResource?.softDelete || targetResource?.tenant || targetResource?.scope);
        fields[relation.name] = t.field({
          type: many ? [target] : target,
          nullable: relation.kind === "belongsTo" && (!relation.isRequired || mayBeTrashed),
          ...(relation.description ? { description: relation.description } : {}),
          // Batched per request; the runtime enforces relation views and nesting depth.
          resolve: (record, _args, ctx) => service.related(ctx.context, record, relation.name) as never,
        });
      }
      return fields;
    },
  });
}
