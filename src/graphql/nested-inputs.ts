/**
 * The GraphQL input types of nested writes (docs/reference/rest-dialect.md §28), and the one writable
 * field of a create or update input they share with inputs.ts.
 */
import type { InputFieldBuilder, InputFieldRef, InputObjectRef } from "@pothos/core";
import type { ResolvedField, ResolvedRelation, ResolvedResource, ResolvedSchema } from "../metadata/resolved.ts";
import type { Builder, Types } from "./builder.ts";
import type { LeafTypes } from "./scalars.ts";

/** An input object as GraphQL hands it to a resolver (inputs.ts's `InputObject`). */
type InputObject = { readonly [key: string]: unknown };
type InputRef = InputObjectRef<Types, InputObject>;

/** The nested-write input fields of a resource's create and update inputs. */
export interface NestedInputs {
  /** One field per relation given (each with `nestedWrites`), typed with its nested-write input. */
  fields(
    t: InputFieldBuilder<Types, "InputObject">,
    resource: ResolvedResource,
    relations: readonly ResolvedRelation[],
  ): Record<string, InputFieldRef<Types, unknown>>;
}

/**
 * The input types of nested writes (docs/reference/rest-dialect.md §28), made on first use: per relation
 * with `nestedWrites`, its operations (`PostTagsNestedInput`); `NestedIdInput` for connect, disconnect
 * and set; per target, one `update` item (`TagNestedUpdateInput`); for a has-many, the target's create
 * fields but the foreign key the relation sets (`PostCommentsCreateInput`). Fields refer to other
 * resources' inputs lazily, so cycles are fine.
 */
export function nestedInputs(
  builder: Builder,
  schema: ResolvedSchema,
  leaves: LeafTypes,
  inputsOf: (resource: string) => { readonly create: InputRef | undefined; readonly update: InputRef | undefined },
): NestedInputs {
  let idInput: InputRef | undefined;
  const ids = (): InputRef => {
    idInput ??= builder.inputRef<InputObject>("NestedIdInput").implement({
      description: "A related record, by id (connect, disconnect, set).",
      fields: (t) => ({ id: t.field({ type: "ID", required: true }) }),
    });
    return idInput;
  };
  const updates = new Map<string, InputRef | undefined>();
  const updateOf = (target: ResolvedResource): InputRef | undefined => {
    if (!updates.has(target.name)) {
      const data = inputsOf(target.name).update;
      updates.set(
        target.name,
        data &&
          builder.inputRef<InputObject>(`${target.names.type}NestedUpdateInput`).implement({
            description: `A ${target.name} linked to the record, and the fields to change (a patch).`,
            fields: (t) => ({
              id: t.field({ type: "ID", required: true }),
              ...(target.version
                ? { version: t.field({ type: "Int", description: `The ${target.version.field} you read.` }) }
                : {}),
              data: t.field({ type: data, required: true }),
            }),
          }),
      );
    }
    return updates.get(target.name);
  };
  const made = new Map<string, InputRef | undefined>();
  const of = (resource: ResolvedResource, relation: ResolvedRelation): InputRef | undefined => {
    const key = `${resource.name}.${relation.name}`;
    if (made.has(key)) return made.get(key);
    const target = schema.resource.get(relation.target);
    if (!target) throw new Error(`Relation "${relation.name}" points at "${relation.target}", which is not a resource`);
    const prefix = `${resource.names.type}${relation.name.charAt(0).toUpperCase()}${relation.name.slice(1)}`;
    const label = relation.name;
    let create: InputRef | undefined;
    if (relation.kind === "hasMany") {
      const fields = target.fields.filter(
        (f) => !f.readOnly && !f.hidden.create && f.name !== relation.foreignField && !f.blob,
      );
      create =
        fields.length === 0
          ? undefined
          : builder.inputRef<InputObject>(`${prefix}CreateInput`).implement({
              description: `A new ${target.name} of the ${label}: its fields but ${relation.foreignField}, which the relation sets.`,
              fields: (t) => Object.fromEntries(fields.map((f) => [f.name, writeField(t, leaves, f, "create")])),
            });
    }
    const ref = builder.inputRef<InputObject>(`${prefix}NestedInput`).implement({
      description:
        relation.kind === "belongsTo"
          ? `Sets the ${label}: exactly one of connect, create${relation.isRequired ? "" : ", disconnect"}.`
          : `Changes the ${label}: create, connect, disconnect, set (replaces the links) and update, in this order.`,
      fields: (t) => {
        const createType = relation.kind === "hasMany" ? create : inputsOf(target.name).create;
        if (relation.kind === "belongsTo")
          return {
            connect: t.field({ type: ids(), description: `An existing ${target.name}.` }),
            ...(createType ? { create: t.field({ type: createType, description: `A new ${target.name}.` }) } : {}),
            ...(relation.isRequired
              ? {}
              : { disconnect: t.field({ type: "Boolean", description: "true: unset it." }) }),
          };
        const update = updateOf(target);
        return {
          ...(createType
            ? { create: t.field({ type: [createType], description: `New ${target.plural}, linked.` }) }
            : {}),
          connect: t.field({ type: [ids()], description: `Existing ${target.plural} to link.` }),
          disconnect: t.field({ type: [ids()], description: `Linked ${target.plural} to unlink.` }),
          set: t.field({ type: [ids()], description: `The ${target.plural} to be linked, all of them.` }),
          ...(update ? { update: t.field({ type: [update], description: `Linked ${target.plural} to change.` }) } : {}),
        };
      },
    });
    made.set(key, ref);
    return ref;
  };
  return {
    fields: (t, resource, relations) =>
      Object.fromEntries(
        relations.flatMap((r) => {
          const type = of(resource, r);
          const description = `Writes the ${r.name} with this record, in its transaction (nested writes).`;
          return type ? [[r.name, t.field({ type, description })]] : [];
        }),
      ),
  };
}

/** One writable field of a create or update input; a foreign key one of `nested` may set is optional on create. */
export function writeField(
  t: InputFieldBuilder<Types, "InputObject">,
  leaves: LeafTypes,
  f: ResolvedField,
  view: "create" | "update",
  nested: readonly ResolvedRelation[] = [],
) {
  const optional = nested.some((r) => r.kind === "belongsTo" && r.localField === f.name);
  const leaf = f.blob ? leaves.files.upload() : leaves.of(f);
  const required = view === "create" && f.requiredOnCreate && !optional;
  const options = { required, ...(f.description ? { description: f.description } : {}) };
  return f.isList ? t.field({ type: [leaf], ...options }) : t.field({ type: leaf, ...options });
}
