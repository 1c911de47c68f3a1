/**
 * Aggregates and groups of a resource (`postsAggregate`): the group type with one object per aggregate
 * function, the group-by enum, `having` conditions and the order of groups, all from the fields
 * declared `groupBy` / `aggregate`. The runtime checks and computes; this module translates.
 */
import type { EnumRef, InputObjectRef, ObjectRef } from "@pothos/core";
import type { GraphQLResolveInfo } from "graphql";
import { AGGREGATES, type AggregateFunction } from "../metadata/definition.ts";
import { aggregateTypeNames, SHARED_GRAPHQL_NAMES } from "../metadata/names.ts";
import type { ResolvedField, ResolvedResource, ResolvedSchema } from "../metadata/resolved.ts";
import type { AggregateGroup, AggregateSpec, HavingCondition } from "../runtime/aggregate.ts";
import type { Builder, Types } from "./builder.ts";
import { exactlyOne } from "./arguments.ts";
import { type InputObject, isReadable } from "./read-inputs.ts";
import type { LeafTypes } from "./scalars.ts";
import { subfields } from "./selection.ts";

type InputRef = InputObjectRef<Types, InputObject>;
type Values = Record<string, unknown>;

/** The aggregate types of a resource. The group-by ones are missing when it has no field to group by. */
export interface AggregateTypes {
  readonly group: ObjectRef<Types, AggregateGroup>;
  readonly grouping:
    | {
        readonly groupByField: EnumRef<Types, string, string>;
        readonly having: InputRef;
        readonly orderBy: InputRef;
      }
    | undefined;
}

/** Fields clients may group by. */
export function groupableFields(resource: ResolvedResource): ResolvedField[] {
  return resource.fields.filter((f) => f.groupable && isReadable(f));
}

/** Fields with `fn` declared, or with any aggregate function. */
export function aggregatedFields(resource: ResolvedResource, fn?: AggregateFunction): ResolvedField[] {
  return resource.fields.filter((f) => isReadable(f) && (fn ? f.aggregates.has(fn) : f.aggregates.size > 0));
}

const FUNCTION_DESCRIPTIONS: Readonly<Record<AggregateFunction, string>> = {
  sum: "Sums over the group's records (null when every value is null).",
  avg: "Averages over the group's records (null when every value is null).",
  min: "Smallest values in the group (null when every value is null).",
  max: "Largest values in the group (null when every value is null).",
};

/**
 * Adds the aggregate types of every resource that declares a field `groupBy` or `aggregate` (others
 * get none: their count is `<plural>Count`), and the shared enums of `having` when some resource
 * can group.
 */
export function addAggregateTypes(
  builder: Builder,
  schema: ResolvedSchema,
  leaves: LeafTypes,
): ReadonlyMap<string, AggregateTypes> {
  let shared: { fn: EnumRef<Types, string, string>; op: EnumRef<Types, string, string> } | undefined;
  const sharedEnums = () => {
    shared ??= {
      fn: builder.enumType(SHARED_GRAPHQL_NAMES.aggregateFunction, {
        description: "An aggregate function: count of records, or sum, avg, min or max of a field.",
        values: ["count", ...AGGREGATES],
      }),
      op: builder.enumType(SHARED_GRAPHQL_NAMES.comparisonOperator, {
        description: "How an aggregate compares with a value: equal, not equal, greater (or equal), less (or equal).",
        values: ["eq", "ne", "gt", "gte", "lt", "lte"],
      }),
    };
    return shared;
  };
  const out = new Map<string, AggregateTypes>();
  // Aggregates follow `list` (§26).
  for (const resource of schema.resources.filter((r) => r.operations.has("list"))) {
    const types = addResourceAggregateTypes(builder, resource, leaves, sharedEnums);
    if (types) out.set(resource.name, types);
  }
  return out;
}

function addResourceAggregateTypes(
  builder: Builder,
  resource: ResolvedResource,
  leaves: LeafTypes,
  sharedEnums: () => { fn: EnumRef<Types, string, string>; op: EnumRef<Types, string, string> },
): AggregateTypes | undefined {
  const groupable = groupableFields(resource);
  const aggregated = aggregatedFields(resource);
  if (groupable.length === 0 && aggregated.length === 0) return undefined;
  const names = aggregateTypeNames(resource.names);
  const functions = AGGREGATES.filter((fn) => aggregatedFields(resource, fn).length > 0);

  const key =
    groupable.length === 0
      ? undefined
      : builder.objectRef<Values>(names.key).implement({
          description: `The values the ${resource.plural} of a group share. A field not grouped by is null.`,
          fields: (t) =>
            Object.fromEntries(
              groupable.map((f) => [
                f.name,
                t.field({ type: leaves.of(f), nullable: true, resolve: (values) => (values[f.name] ?? null) as never }),
              ]),
            ),
        });
  const perFunction = new Map(
    functions.map((fn) => [
      fn,
      builder.objectRef<Values>(names.functions[fn].type).implement({
        description: FUNCTION_DESCRIPTIONS[fn],
        fields: (t) =>
          Object.fromEntries(
            aggregatedFields(resource, fn).map((f) => [
              f.name,
              // Sums and averages of integers are not integers (nor Int-sized): Float. Min and max keep the field's type.
              t.field({
                type: fn === "sum" || fn === "avg" ? "Float" : leaves.of(f),
                nullable: true,
                resolve: (values) => (values[f.name] ?? null) as never,
              }),
            ]),
          ),
      }),
    ]),
  );
  const group = builder.objectRef<AggregateGroup>(names.group).implement({
    description: `A group of ${resource.plural} (all those matching, without \`groupBy\`) and its aggregates.`,
    fields: (t) => ({
      ...(key
        ? {
            key: t.field({
              type: key,
              nullable: true,
              description: "The values shared by the group's records; null without `groupBy`.",
              resolve: (g) => (Object.keys(g.key).length > 0 ? g.key : null),
            }),
          }
        : {}),
      count: t.exposeInt("count", { description: `How many ${resource.plural} the group has.` }),
      ...Object.fromEntries([...perFunction].map(([fn, ref]) => [fn, t.field({ type: ref, resolve: (g) => g[fn] })])),
    }),
  });
  if (!key) return { group, grouping: undefined };

  const { fn, op } = sharedEnums();
  const groupByField = builder.enumType(names.groupByField, {
    description: `A field ${resource.plural} can be grouped by.`,
    values: groupable.map((f) => f.name),
  });
  const aggregateField =
    aggregated.length === 0
      ? undefined
      : builder.enumType(names.aggregateField, {
          description: `A field of ${resource.plural} with aggregates.`,
          values: aggregated.map((f) => f.name),
        });
  const having = builder.inputRef<InputObject>(names.having).implement({
    description: aggregateField
      ? "A condition on the groups: `fn` of `field` (count takes no field) compared with `value` by `op`. Conditions given together must all hold."
      : `A condition on the groups: their count (\`fn: count\`; ${resource.plural} have no field with aggregates) compared with \`value\` by \`op\`. Conditions given together must all hold.`,
    fields: (t) => ({
      fn: t.field({ type: fn, required: true }),
      ...(aggregateField
        ? {
            field: t.field({
              type: aggregateField,
              description: "The field of sum, avg, min or max (not used by count).",
            }),
          }
        : {}),
      op: t.field({ type: op, required: true }),
      value: t.field({
        type: leaves.json(),
        required: true,
        description:
          "A number for count, sum and avg; a value of the field's type for min and max (e.g. an ISO date-time).",
      }),
    }),
  });
  const sortBy = (name: string, description: string, fields: readonly ResolvedField[]) =>
    builder.inputRef<InputObject>(name).implement({
      description,
      fields: (t) => Object.fromEntries(fields.map((f) => [f.name, t.field({ type: leaves.sortDirection })])),
    });
  const keyOrderBy = sortBy(
    names.keyOrderBy,
    "Sort groups by a field they are grouped by: set exactly one.",
    groupable,
  );
  const functionOrderBy = new Map(
    functions.map((f) => [
      f,
      sortBy(
        names.functions[f].orderBy,
        `Sort groups by the ${f} of a field: set exactly one.`,
        aggregatedFields(resource, f),
      ),
    ]),
  );
  const orderBy = builder.inputRef<InputObject>(names.orderBy).implement({
    description:
      "One sort key of the groups: set exactly one (for key and the functions, exactly one field inside). Groups are then sorted by the group-by fields.",
    fields: (t) => ({
      count: t.field({ type: leaves.sortDirection, description: "By the number of records." }),
      key: t.field({ type: keyOrderBy, description: "By a field grouped by." }),
      ...Object.fromEntries(
        [...functionOrderBy].map(([f, ref]) => [f, t.field({ type: ref, description: `By the ${f} of a field.` })]),
      ),
    }),
  });
  return { group, grouping: { groupByField, having, orderBy } };
}

/** Arguments of an aggregate query, as GraphQL hands them over. */
export interface AggregateArgs {
  readonly groupBy?: readonly string[] | null | undefined;
  readonly having?: readonly InputObject[] | null | undefined;
  readonly orderBy?: readonly InputObject[] | null | undefined;
  readonly take?: number | null | undefined;
  readonly skip?: number | null | undefined;
}

/**
 * The runtime's {@link AggregateSpec}: sum / avg / min / max of the fields the query selects under
 * each function (and those the order names), so nothing unused is computed.
 */
export function toAggregateSpec(
  resource: ResolvedResource,
  args: AggregateArgs,
  info: GraphQLResolveInfo,
): AggregateSpec {
  const names = aggregateTypeNames(resource.names);
  const selected = subfields(info);
  const fields = new Map(
    AGGREGATES.map((fn) => [
      fn,
      new Set([...subfields(info, selected.get(fn) ?? []).keys()].filter((name) => name !== "__typename")),
    ]),
  );
  const sort = args.orderBy?.map((element, index) => {
    const at = `orderBy[${index}]`;
    const [by, value] = exactlyOne(element, names.orderBy, at);
    if (by === "count") return { by, direction: value as "asc" | "desc" };
    const inner = value as InputObject;
    const [field, direction] = exactlyOne(
      inner,
      by === "key" ? names.keyOrderBy : names.functions[by as AggregateFunction].orderBy,
      `${at}.${by}`,
    );
    if (by === "key") return { by: field, direction: direction as "asc" | "desc" };
    fields.get(by as AggregateFunction)?.add(field);
    return { by: `${by}.${field}`, direction: direction as "asc" | "desc" };
  });
  const list = (fn: AggregateFunction) => [...(fields.get(fn) ?? [])];
  return {
    groupBy: args.groupBy ?? undefined,
    sum: list("sum"),
    avg: list("avg"),
    min: list("min"),
    max: list("max"),
    having: args.having?.map(
      (h) => ({ fn: h.fn, field: h.field ?? undefined, op: h.op, value: h.value }) as HavingCondition,
    ),
    sort,
    limit: args.take ?? undefined,
    offset: args.skip ?? undefined,
  };
}
