/**
 * Input types per resource (where, order-by, create, update), and write inputs as the runtime takes
 * them (arguments.ts translates where and order-by). Where and order-by inputs reach through declared
 * relations into the related resource's inputs.
 */
import type { ResolvedField, ResolvedRelation, ResolvedResource, ResolvedSchema } from "../metadata/resolved.ts";
import type { Builder } from "./builder.ts";
import {
  addOrderBy,
  addWhere,
  type DeclaredInputs,
  filterableRelations,
  type InputObject,
  type InputRef,
  sortableRelations,
  targetOf,
} from "./read-inputs.ts";
import { type NestedInputs, nestedInputs, writeField } from "./nested-inputs.ts";
import type { LeafTypes } from "./scalars.ts";

export type { InputObject } from "./read-inputs.ts";

/**
 * The input types of one resource, each only where something takes it (§26): where and order-by when the
 * resource serves `list` or another's where or order-by reaches through a relation into it; create when it
 * serves `create` and has a field to write there; update and the batch update item likewise with `update`.
 */
export interface ResourceInputs {
  readonly where: InputRef | undefined;
  readonly orderBy: InputRef | undefined;
  readonly create: InputRef | undefined;
  readonly update: InputRef | undefined;
  /** One item of the batch update (`updatePosts`): the id, the expected version when versioned, and the update fields. */
  readonly batchUpdate: InputRef | undefined;
}

/** Fields a client may write in a view. */
export function writableFields(resource: ResolvedResource, view: "create" | "update"): ResolvedField[] {
  return resource.fields.filter((f) => !f.readOnly && !f.hidden[view]);
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
  const listed = schema.resources.filter((r) => r.operations.has("list"));
  const filtered = reachable(schema, listed, filterableRelations);
  const sorted = reachable(schema, listed, sortableRelations);
  const wheres = new Map(filtered.map((r) => [r.name, builder.inputRef<InputObject>(r.names.whereInput)]));
  const orderBys = new Map(sorted.map((r) => [r.name, builder.inputRef<InputObject>(r.names.orderByInput)]));
  const inputs = new Map<string, ResourceInputs>();
  const refs: WriteInputs = {
    where: (name) => refOf(wheres, name),
    orderBy: (name) => refOf(orderBys, name),
    nested: nestedInputs(builder, schema, leaves, (name) => refOf(inputs, name)).fields,
  };
  const needs = { where: new Set(wheres.keys()), orderBy: new Set(orderBys.keys()) };
  for (const r of schema.resources) inputs.set(r.name, addResourceInputs(builder, schema, r, leaves, refs, needs));
  return inputs;
}

/** `from` and every resource their `relationsOf` reach, transitively: the resources whose input some read takes. */
function reachable(
  schema: ResolvedSchema,
  from: readonly ResolvedResource[],
  relationsOf: (resource: ResolvedResource) => readonly ResolvedRelation[],
): ResolvedResource[] {
  const seen = new Map(from.map((r) => [r.name, r]));
  const queue = [...from];
  for (let next = queue.shift(); next; next = queue.shift())
    for (const relation of relationsOf(next)) {
      if (seen.has(relation.target)) continue;
      const target = targetOf(schema, relation);
      seen.set(target.name, target);
      queue.push(target);
    }
  return [...seen.values()];
}

function refOf<T>(refs: ReadonlyMap<string, T>, name: string): T {
  const ref = refs.get(name);
  if (!ref) throw new Error(`No input types for resource "${name}"`);
  return ref;
}

/** The declared read inputs, and the nested-write fields of a create or update input (nested-inputs.ts). */
interface WriteInputs extends DeclaredInputs {
  nested: NestedInputs["fields"];
}

function addResourceInputs(
  builder: Builder,
  schema: ResolvedSchema,
  resource: ResolvedResource,
  leaves: LeafTypes,
  declared: WriteInputs,
  needs: { where: ReadonlySet<string>; orderBy: ReadonlySet<string> },
): ResourceInputs {
  const { names } = resource;
  const where = needs.where.has(resource.name) ? addWhere(builder, schema, resource, leaves, declared) : undefined;
  const orderBy = needs.orderBy.has(resource.name) ? addOrderBy(resource, leaves, declared) : undefined;

  const writeInput = (
    name: string,
    view: "create" | "update",
    description: string,
    batchItem = false,
  ): InputRef | undefined => {
    const fields = writableFields(resource, view);
    if (fields.length === 0) return undefined;
    const { version } = resource;
    const nested = batchItem ? [] : resource.relations.filter((r) => r.nestedWrites); // not in batch items
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
          fields.filter((f) => !(batchItem && f.blob)).map((f) => [f.name, writeField(t, leaves, f, view, nested)]),
        ),
        ...declared.nested(t, resource, nested),
      }),
    });
  };

  const updates = resource.operations.has("update");
  return {
    where,
    orderBy,
    create: resource.operations.has("create")
      ? writeInput(names.createInput, "create", `The fields of a new ${resource.name}.`)
      : undefined,
    update: updates
      ? writeInput(
          names.updateInput,
          "update",
          `The fields of a ${resource.name} to change; fields left out keep their value (a patch).`,
        )
      : undefined,
    batchUpdate: updates
      ? writeInput(
          names.batchUpdateInput,
          "update",
          `One ${resource.name} of a batch update: its id and the fields to change (a patch).`,
          true,
        )
      : undefined,
  };
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
