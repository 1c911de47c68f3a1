/**
 * Input types per resource (where, order-by, create, update), and write inputs as the runtime takes
 * them (arguments.ts translates where and order-by). Where and order-by inputs reach through declared
 * relations into the related resource's inputs.
 */
import type { ImplementableInputObjectRef, InputObjectRef } from "@pothos/core";
import type { Operator } from "../metadata/definition.ts";
import { fieldFilterInputName, relationFilterInputName } from "../metadata/names.ts";
import type { ResolvedField, ResolvedRelation, ResolvedResource, ResolvedSchema } from "../metadata/resolved.ts";
import type { Builder, Types } from "./builder.ts";
import type { LeafTypes } from "./scalars.ts";

/** Whether a field ever leaves the server (only those are in the object types, and filtered or sorted on). */
export function isReadable(field: ResolvedField): boolean {
  return !(field.hidden.one && field.hidden.list);
}

/** An input object as GraphQL hands it to a resolver. */
export type InputObject = { readonly [key: string]: unknown };

type InputRef = InputObjectRef<Types, InputObject>;

/** The input types of one resource. Create or update is missing when the resource has no field to write there. */
export interface ResourceInputs {
  readonly where: InputRef;
  readonly orderBy: InputRef;
  readonly create: InputRef | undefined;
  readonly update: InputRef | undefined;
  /** One item of the batch update (`updatePosts`): the id, the expected version when versioned, and the update fields. */
  readonly batchUpdate: InputRef | undefined;
}

const OPERATOR_DESCRIPTIONS: Readonly<Record<Operator, string>> = {
  eq: "Equal to (null: the field is null).",
  ne: "Not equal to; records where the field is null match too.",
  gt: "Greater than.",
  gte: "Greater than or equal to.",
  lt: "Less than.",
  lte: "Less than or equal to.",
  in: "Equal to one of the values.",
  notIn: "Equal to none of the values.",
  contains: "Contains the text (case-insensitive).",
  startsWith: "Starts with the text (case-insensitive).",
  endsWith: "Ends with the text (case-insensitive).",
  isNull: "true: the field is null; false: it is not.",
};

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

/** Fields a client may write in a view. */
export function writableFields(resource: ResolvedResource, view: "create" | "update"): ResolvedField[] {
  return resource.fields.filter((f) => !f.readOnly && !f.hidden[view]);
}

/** The resource a relation points at. */
export function targetOf(schema: ResolvedSchema, relation: ResolvedRelation): ResolvedResource {
  const target = schema.resource.get(relation.target);
  if (!target) throw new Error(`Relation "${relation.name}" points at "${relation.target}", which is not a resource`);
  return target;
}

/**
 * Adds the input types of every resource. Where and order-by inputs are declared first, since a
 * resource's inputs refer to those of the resources its relations point at (cycles included).
 */
export function addInputs(
  builder: Builder,
  schema: ResolvedSchema,
  leaves: LeafTypes,
): ReadonlyMap<string, ResourceInputs> {
  const wheres = new Map(schema.resources.map((r) => [r.name, builder.inputRef<InputObject>(r.names.whereInput)]));
  const orderBys = new Map(schema.resources.map((r) => [r.name, builder.inputRef<InputObject>(r.names.orderByInput)]));
  const refs: DeclaredInputs = {
    where: (name) => refOf(wheres, name),
    orderBy: (name) => refOf(orderBys, name),
  };
  return new Map(schema.resources.map((r) => [r.name, addResourceInputs(builder, schema, r, leaves, refs)]));
}

function refOf<T>(refs: ReadonlyMap<string, T>, name: string): T {
  const ref = refs.get(name);
  if (!ref) throw new Error(`No input types for resource "${name}"`);
  return ref;
}

/** The where and order-by inputs of each resource by name, declared but not yet implemented. */
interface DeclaredInputs {
  where(resource: string): ImplementableInputObjectRef<Types, InputObject>;
  orderBy(resource: string): ImplementableInputObjectRef<Types, InputObject>;
}

function addResourceInputs(
  builder: Builder,
  schema: ResolvedSchema,
  resource: ResolvedResource,
  leaves: LeafTypes,
  declared: DeclaredInputs,
): ResourceInputs {
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

  const writeInput = (
    name: string,
    view: "create" | "update",
    description: string,
    batchItem = false,
  ): InputRef | undefined => {
    const fields = writableFields(resource, view);
    if (fields.length === 0) return undefined;
    const { version } = resource;
    return builder.inputRef<InputObject>(name).implement({
      description,
      fields: (t) => ({
        // A batch item names its record (and the version read) next to the fields it changes.
        ...(batchItem
          ? {
              [BATCH_ITEM_ID]: t.field({ type: "ID", required: true, description: `The ${resource.name} to change.` }),
              ...(version
                ? {
                    [BATCH_ITEM_VERSION]: t.field({
                      type: "Int",
                      required: version.required,
                      description: `The ${version.field} you read: this item fails with CONFLICT if the record has moved on.`,
                    }),
                  }
                : {}),
            }
          : {}),
        ...Object.fromEntries(
          // A batch changes fields, not files (upload them one record at a time).
          fields
            .filter((f) => !(batchItem && f.blob))
            .map((f) => {
              const leaf = f.blob ? leaves.files.upload() : leaves.of(f);
              const required = view === "create" && f.requiredOnCreate;
              const options = { required, ...(f.description ? { description: f.description } : {}) };
              return [f.name, f.isList ? t.field({ type: [leaf], ...options }) : t.field({ type: leaf, ...options })];
            }),
        ),
      }),
    });
  };

  return {
    where,
    orderBy,
    create: writeInput(names.createInput, "create", `The fields of a new ${resource.name}.`),
    update: writeInput(
      names.updateInput,
      "update",
      `The fields of a ${resource.name} to change; fields left out keep their value (a patch).`,
    ),
    batchUpdate: writeInput(
      names.batchUpdateInput,
      "update",
      `One ${resource.name} of a batch update: its id and the fields to change (a patch).`,
      true,
    ),
  };
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

/** The keys of a batch update item that are not fields: the record's id and the version read. */
export const BATCH_ITEM_ID = "id";
export const BATCH_ITEM_VERSION = "expectedVersion";

/**
 * A batch update item as the runtime's batch item: the id under the id field's name, the expected
 * version under the version field's name (null counts as not sent), and the fields to change.
 */
export function toBatchUpdateItem(resource: ResolvedResource, item: InputObject): Record<string, unknown> {
  const { [BATCH_ITEM_ID]: id, [BATCH_ITEM_VERSION]: version, ...fields } = item;
  return {
    ...toWriteInput(fields),
    [resource.id.name]: id,
    ...(resource.version && version !== null && version !== undefined ? { [resource.version.field]: version } : {}),
  };
}

/** A create or update input as the plain object the runtime checks (keys left out stay out). */
export function toWriteInput(data: InputObject | null | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data ?? {}).filter(([, value]) => value !== undefined));
}
