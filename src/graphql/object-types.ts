/**
 * One object type per resource: the fields visible in `one` or `list`, and the exposed relations,
 * each resolved by the runtime (relations through the request's DataLoaders). To-many relations take
 * the target's list arguments (`where`, `orderBy`, `skip`, `take`).
 */
import type { ImplementableObjectRef } from "@pothos/core";
import type { ResolvedResource } from "../metadata/resolved.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { ResourceRecord } from "../runtime/service-types.ts";
import type { Builder, Types } from "./builder.ts";
import { toRelatedList } from "./arguments.ts";
import type { ResourceInputs } from "./inputs.ts";
import { isReadable } from "./read-inputs.ts";
import type { LeafTypes } from "./scalars.ts";

/** The object type of each resource, by resource name. */
export type ObjectTypes = ReadonlyMap<string, ImplementableObjectRef<Types, ResourceRecord>>;

/** Declares the object types of every resource, then their fields (relations point at each other). */
export function addObjectTypes(
  builder: Builder,
  runtime: Runtime,
  leaves: LeafTypes,
  inputs: ReadonlyMap<string, ResourceInputs>,
): ObjectTypes {
  const { schema } = runtime;
  const refs = new Map(schema.resources.map((r) => [r.name, builder.objectRef<ResourceRecord>(r.names.type)]));
  const refOf = (name: string) => {
    const ref = refs.get(name);
    if (!ref) throw new Error(`No object type for resource "${name}"`);
    return ref;
  };
  const inputsOf = (name: string) => {
    const found = inputs.get(name);
    if (!found) throw new Error(`No input types for resource "${name}"`);
    return found;
  };
  for (const resource of schema.resources) implement(refOf(resource.name), runtime, resource, leaves, refOf, inputsOf);
  return refs;
}

function implement(
  ref: ImplementableObjectRef<Types, ResourceRecord>,
  runtime: Runtime,
  resource: ResolvedResource,
  leaves: LeafTypes,
  refOf: (name: string) => ImplementableObjectRef<Types, ResourceRecord>,
  inputsOf: (name: string) => ResourceInputs,
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
        // A trashed record reads as absent, also through a required relation: a trashed comment, listed
        // with `deleted: ONLY`, may point at a post in the trash too. So does one outside the reader's
        // tenant or scope.
        const targetResource = runtime.schema.resource.get(relation.target);
        const mayBeTrashed = Boolean(targetResource?.softDelete || targetResource?.tenant || targetResource?.scope);
        if (relation.kind === "belongsTo") {
          fields[relation.name] = t.field({
            type: target,
            nullable: !relation.isRequired || mayBeTrashed,
            ...(relation.description ? { description: relation.description } : {}),
            // Batched per request; the runtime enforces relation views and nesting depth.
            resolve: (record, _args, ctx) => service.related(ctx.context, record, relation.name) as never,
          });
          continue;
        }
        const input = inputsOf(relation.target);
        if (!targetResource)
          throw new Error(`Relation "${relation.name}" points at "${relation.target}", which is not a resource`);
        fields[relation.name] = t.field({
          type: [target],
          ...(relation.description ? { description: relation.description } : {}),
          // The target's own list arguments and rules; read with the parent's statement when the query's
          // read loaded it (the runtime compiles them into it), else batched per request.
          args: {
            // A target whose where or order-by input no query takes (it serves no list, §26) has none here either.
            ...(input.where ? { where: t.arg({ type: input.where }) } : {}),
            ...(input.orderBy ? { orderBy: t.arg({ type: [input.orderBy] }) } : {}),
            skip: t.arg.int(),
            take: t.arg.int({ description: `At most ${targetResource.maxPageSize}; every one when left out.` }),
          },
          resolve: (record, args, ctx) =>
            service.related(
              ctx.context,
              record,
              relation.name,
              toRelatedList(runtime.schema, targetResource, args),
            ) as never,
        });
      }
      return fields;
    },
  });
}
