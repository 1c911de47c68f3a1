/**
 * The read inputs of a resource: its where input (with the filter inputs of its fields and to-many
 * relations) and its order-by input, and which fields and relations they take. inputs.ts decides which
 * resources need them and translates them into the runtime's query language.
 */
import type { ImplementableInputObjectRef, InputObjectRef } from "@pothos/core";
import { fieldFilterInputName, relationFilterInputName } from "../metadata/names.ts";
import type { ResolvedField, ResolvedRelation, ResolvedResource, ResolvedSchema } from "../metadata/resolved.ts";
import type { Builder, Types } from "./builder.ts";
import type { LeafTypes } from "./scalars.ts";
import { OPERATOR_DESCRIPTIONS } from "./operator-descriptions.ts";

/** Whether a field ever leaves the server (only those are in the object types, and filtered or sorted on). */
export function isReadable(field: ResolvedField): boolean {
  return !(field.hidden.one && field.hidden.list);
}

/** An input object as GraphQL hands it to a resolver. */
export type InputObject = { readonly [key: string]: unknown };

/** A reference to an input object type. */
export type InputRef = InputObjectRef<Types, InputObject>;

/** Fields a client may filter on (hidden fields never, whatever their options say). */
export function filterableFields(resource: ResolvedResource): ResolvedField[] {
  return resource.fields.filter((f) => f.filter.size > 0 && isReadable(f));
}

/** Relations a client may filter through. */
export function filterableRelations(resource: ResolvedResource): ResolvedRelation[] {
  return resource.relations.filter((r) => r.filterable);
}

/** To-one relations a client may sort by. */
export function sortableRelations(resource: ResolvedResource): ResolvedRelation[] {
  return resource.relations.filter((r) => r.sortable && r.kind === "belongsTo");
}

/** The resource a relation points at. */
export function targetOf(schema: ResolvedSchema, relation: ResolvedRelation): ResolvedResource {
  const target = schema.resource.get(relation.target);
  if (!target) throw new Error(`Relation "${relation.name}" points at "${relation.target}", which is not a resource`);
  return target;
}

/** The where and order-by inputs of each resource by name, declared but not yet implemented. */
export interface DeclaredInputs {
  where(resource: string): ImplementableInputObjectRef<Types, InputObject>;
  orderBy(resource: string): ImplementableInputObjectRef<Types, InputObject>;
}

/** The where input of a resource, with the filter inputs of its fields and to-many relations. */
export function addWhere(
  builder: Builder,
  schema: ResolvedSchema,
  resource: ResolvedResource,
  leaves: LeafTypes,
  declared: DeclaredInputs,
): InputRef {
  const { names } = resource;
  const operatorInputs = new Map<string, InputRef>();
  for (const field of filterableFields(resource)) {
    const leaf = leaves.of(field);
    const ops = [...field.filter];
    operatorInputs.set(
      field.name,
      builder.inputRef<InputObject>(fieldFilterInputName(names, field.name)).implement({
        description: `Conditions on ${resource.name}.${field.name}; all of them must hold.`,
        fields: (t) =>
          Object.fromEntries(
            ops.map((op) => {
              const description = OPERATOR_DESCRIPTIONS[op];
              switch (op) {
                case "in":
                case "notIn":
                  return [op, t.field({ type: [leaf], description })];
                case "contains":
                case "startsWith":
                case "endsWith":
                case "like":
                case "regex":
                  return [op, t.field({ type: "String", description })];
                case "isNull":
                  return [op, t.field({ type: "Boolean", description })];
                default:
                  return [op, t.field({ type: leaf, description })];
              }
            }),
          ),
      }),
    );
  }

  // A to-one relation takes the target's where input; a to-many one says how many related records must match it.
  const relationInputs = new Map<string, { ref: InputRef; description: string }>();
  for (const relation of filterableRelations(resource)) {
    const target = targetOf(schema, relation);
    const targetWhere = declared.where(relation.target);
    if (relation.kind === "belongsTo") {
      relationInputs.set(relation.name, {
        ref: targetWhere,
        description: `The ${labelOf(relation.name, target.name)} must match.`,
      });
      continue;
    }
    const of = relation.name;
    const ref = builder.inputRef<InputObject>(relationFilterInputName(names, relation.name)).implement({
      description: `Conditions on the ${labelOf(of, target.plural, true)} of a ${resource.name}; all of those given must hold.`,
      fields: (t) => ({
        some: t.field({ type: targetWhere, description: `At least one of its ${of} matches.` }),
        every: t.field({ type: targetWhere, description: `Every one of its ${of} matches (true when it has none).` }),
        none: t.field({ type: targetWhere, description: `None of its ${of} matches.` }),
      }),
    });
    relationInputs.set(relation.name, {
      ref,
      description: `How many of the ${labelOf(of, target.plural, true)} must match.`,
    });
  }

  const searchable = resource.fields.some((f) => f.searchable && isReadable(f));
  const whereRef = declared.where(resource.name);
  const where: InputRef = whereRef.implement({
    description: `Which ${resource.plural} to match: every condition given must hold.`,
    fields: (t) => ({
      ...Object.fromEntries([...operatorInputs].map(([name, ref]) => [name, t.field({ type: ref })])),
      ...Object.fromEntries(
        [...relationInputs].map(([name, { ref, description }]) => [name, t.field({ type: ref, description })]),
      ),
      AND: t.field({ type: [whereRef], description: "Every one of these must match." }),
      OR: t.field({ type: [whereRef], description: "At least one of these must match." }),
      NOT: t.field({ type: whereRef, description: "This must not match." }),
      ...(searchable
        ? {
            search: t.field({
              type: "String",
              description: `Full-text search over ${searchableNames(resource)} (PostgreSQL, web search syntax: words, "phrases", -exclude, or).`,
            }),
          }
        : {}),
    }),
  });

  return where;
}

/** The order-by input of a resource: its sortable fields, and through its sortable to-one relations. */
export function addOrderBy(resource: ResolvedResource, leaves: LeafTypes, declared: DeclaredInputs): InputRef {
  const orderBy = declared.orderBy(resource.name).implement({
    description: `One sort key of ${resource.plural}: set exactly one field (for a relation, exactly one field of it). Ties are broken by id.`,
    fields: (t) => ({
      ...Object.fromEntries(
        resource.fields
          .filter((f) => f.sortable && isReadable(f))
          .map((f) => [f.name, t.field({ type: leaves.sortDirection })]),
      ),
      ...Object.fromEntries(
        sortableRelations(resource).map((r) => [
          r.name,
          t.field({
            type: declared.orderBy(r.target),
            description: `Sort by a field of the ${labelOf(r.name, r.target)}.`,
          }),
        ]),
      ),
    }),
  });

  return orderBy;
}

/** "author (a user)", "writings (posts)", or just "post" / "comments" when the relation is named like its target. */
function labelOf(relation: string, target: string, plural = false): string {
  if (relation === target) return relation;
  return `${relation} (${plural ? "" : /^[aeiou]/i.test(target) ? "an " : "a "}${target})`;
}

function searchableNames(resource: ResolvedResource): string {
  return resource.fields
    .filter((f) => f.searchable && isReadable(f))
    .map((f) => f.name)
    .join(", ");
}
