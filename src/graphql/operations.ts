/**
 * Queries and mutations per resource. Each resolver is a call to the resource's service; names come
 * from `resource.names`.
 */
import type { ServedOperation } from "../metadata/definition.ts";
import type { ResolvedResource } from "../metadata/resolved.ts";
import { isAppError } from "../runtime/errors.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { withUploads } from "../runtime/uploads.ts";
import { type AggregateTypes, toAggregateSpec } from "./aggregates.ts";
import type { Builder } from "./builder.ts";
import type { ConnectionTypes } from "./connections.ts";
import { toFilter } from "./arguments.ts";
import { addDeleteWhereMutation, addDeleteWhereResultType } from "./delete-where.ts";
import { type ResourceInputs, toWriteInput } from "./inputs.ts";
import { addLifecycleOperations, deletedArg, deletedOf, getOptionsOf, type LifecycleTypes } from "./lifecycle.ts";
import { addLockOperations, type LockType } from "./locks.ts";
import type { ObjectTypes } from "./object-types.ts";
import { connectionProjectionOf, projectionOf } from "./projection.ts";
import { connectionQuery, countFilter, listQuery, QB_ARG_DESCRIPTION } from "./read-args.ts";
import { subfields } from "./selection.ts";

/** The types operations return and take, by resource name. */
export interface OperationTypes {
  readonly objects: ObjectTypes;
  readonly inputs: ReadonlyMap<string, ResourceInputs>;
  readonly connections: ConnectionTypes;
  /** Only resources that declare `groupBy` or `aggregate` fields have them. */
  readonly aggregates: ReadonlyMap<string, AggregateTypes>;
  readonly lifecycle: LifecycleTypes;
  /** The `RecordLock` type (locks.ts), when some resource serves `update` (locks follow it). */
  readonly lock: LockType | undefined;
}

/**
 * Adds the query and mutation fields of every resource: those of the operations it serves (§26), so an
 * operation left out is no field at all (asking for it is a validation error).
 */
export function addOperations(builder: Builder, runtime: Runtime, types: OperationTypes): void {
  builder.queryType({});
  builder.mutationType({});
  const deleteWhereResult = addDeleteWhereResultType(builder);
  for (const resource of runtime.schema.resources) {
    const object = types.objects.get(resource.name);
    const input = types.inputs.get(resource.name);
    if (!object || !input) throw new Error(`Types of resource "${resource.name}" are missing`);
    const serves = (operation: ServedOperation) => resource.operations.has(operation);
    if (serves("list")) {
      const connection = types.connections.get(resource.name);
      const { where, orderBy } = input;
      if (!connection || !where || !orderBy) throw new Error(`List types of resource "${resource.name}" are missing`);
      const listInputs = { where, orderBy };
      addListQueries(builder, runtime, resource, object, listInputs, types.lifecycle);
      addConnection(builder, runtime, resource, connection, listInputs, types.lifecycle);
      const aggregate = types.aggregates.get(resource.name);
      if (aggregate) addAggregate(builder, runtime, resource, aggregate, where);
    }
    if (serves("get")) addGetQuery(builder, runtime, resource, object, types.lifecycle);
    addMutations(builder, runtime, resource, object, input);
    addLifecycleOperations(builder, runtime, resource, object, input, types.lifecycle);
    // Served, it has the where input (it is served only with `list`).
    if (serves("deleteWhere") && input.where)
      addDeleteWhereMutation(builder, runtime, resource, input.where, deleteWhereResult);
    if (serves("update")) {
      if (!types.lock) throw new Error("The RecordLock type is missing");
      addLockOperations(builder, runtime, resource, types.lock);
    }
  }
}

/** The where and order-by inputs of a resource that serves `list`. */
interface ListInputs {
  readonly where: NonNullable<ResourceInputs["where"]>;
  readonly orderBy: NonNullable<ResourceInputs["orderBy"]>;
}

type ObjectType = NonNullable<ReturnType<ObjectTypes["get"]>>;

/** The list and count queries (`posts`, `postsCount`). */
function addListQueries(
  builder: Builder,
  runtime: Runtime,
  resource: ResolvedResource,
  object: ObjectType,
  input: ListInputs,
  lifecycle: LifecycleTypes,
) {
  const service = runtime.service(resource.name);
  const { schema } = runtime;
  const { names } = resource;
  builder.queryFields((t) => {
    const deleted = () =>
      deletedArg(resource, lifecycle, (type, description) => t.arg({ type, defaultValue: "exclude", description }));
    return {
      [names.list]: t.field({
        type: [object],
        description: `${capitalised(resource.plural)} matching \`where\`, sorted by \`orderBy\` (then by id), \`skip\` and \`take\` (default ${resource.defaultPageSize}, at most ${resource.maxPageSize}).`,
        args: {
          where: t.arg({ type: input.where }),
          orderBy: t.arg({ type: [input.orderBy] }),
          skip: t.arg.int(),
          take: t.arg.int(),
          qb: t.arg.string({ description: QB_ARG_DESCRIPTION }),
          ...deleted(),
        },
        resolve: async (_root, args, ctx, info) => {
          const { records } = await service.list(
            ctx.context,
            { ...listQuery(schema, resource, args, names.list), deleted: deletedOf(args) },
            projectionOf(info, schema, resource),
          );
          return records;
        },
      }),
      [names.count]: t.field({
        type: "Int",
        description: `How many ${resource.plural} match \`where\`.`,
        args: {
          where: t.arg({ type: input.where }),
          qb: t.arg.string({ description: QB_ARG_DESCRIPTION }),
          ...deleted(),
        },
        resolve: (_root, args, ctx) =>
          service.count(ctx.context, countFilter(schema, resource, args, names.count), deletedOf(args)),
      }),
    };
  });
}

/** The single-record query (`post`), also as it was (`asOf`) with revisions. */
function addGetQuery(
  builder: Builder,
  runtime: Runtime,
  resource: ResolvedResource,
  object: ObjectType,
  lifecycle: LifecycleTypes,
) {
  const service = runtime.service(resource.name);
  const { schema } = runtime;
  const { names } = resource;
  builder.queryFields((t) => {
    const deleted = () =>
      deletedArg(resource, lifecycle, (type, description) => t.arg({ type, defaultValue: "exclude", description }));
    return {
      [names.one]: t.field({
        type: object,
        nullable: true,
        description: `The ${resource.name} with this id, or null when there is none.`,
        args: { id: t.arg.id({ required: true }), ...deleted() },
        resolve: async (_root, args, ctx, info) => {
          try {
            return await service.get(ctx.context, args.id, getOptionsOf(args), projectionOf(info, schema, resource));
          } catch (error) {
            // GraphQL's convention for a missing single record is null, not an error.
            if (isAppError(error) && error.code === "NOT_FOUND") return null;
            throw error;
          }
        },
      }),
    };
  });
}

/** Keyset pages (`postsConnection`), through `service.page`. */
function addConnection(
  builder: Builder,
  runtime: Runtime,
  resource: ResolvedResource,
  connection: NonNullable<ReturnType<ConnectionTypes["get"]>>,
  input: ListInputs,
  lifecycle: LifecycleTypes,
) {
  const service = runtime.service(resource.name);
  const { schema } = runtime;
  builder.queryFields((t) => ({
    [resource.names.connection]: t.field({
      type: connection,
      description:
        `A page of ${resource.plural} matching \`where\`, sorted by \`orderBy\` (then by id): \`first\` after the cursor \`after\`, or \`last\` before \`before\` ` +
        `(default ${resource.defaultPageSize}, at most ${resource.maxPageSize}). Pages cost the same however deep. Sort keys must be ${resource.plural}' own fields; cursors only fit the order they came from.`,
      args: {
        first: t.arg.int(),
        after: t.arg.string(),
        last: t.arg.int(),
        before: t.arg.string(),
        where: t.arg({ type: input.where }),
        orderBy: t.arg({ type: [input.orderBy] }),
        qb: t.arg.string({ description: QB_ARG_DESCRIPTION }),
        ...deletedArg(resource, lifecycle, (type, description) =>
          t.arg({ type, defaultValue: "exclude", description }),
        ),
      },
      resolve: async (_root, args, ctx, info) => {
        const { filter, sort } = connectionQuery(schema, resource, args, resource.names.connection);
        const deleted = deletedOf(args);
        const page = await service.page(
          ctx.context,
          {
            filter,
            sort,
            first: args.first ?? undefined,
            after: args.after ?? undefined,
            last: args.last ?? undefined,
            before: args.before ?? undefined,
            // Counting every match costs a statement of its own: only when the query asks for it.
            withTotal: subfields(info).has("totalCount"),
            deleted,
          },
          connectionProjectionOf(info, schema, resource),
        );
        return { page, count: () => service.count(ctx.context, filter, deleted) };
      },
    }),
  }));
}

/** Aggregates and groups (`postsAggregate`), through `service.aggregate`. */
function addAggregate(
  builder: Builder,
  runtime: Runtime,
  resource: ResolvedResource,
  types: AggregateTypes,
  where: ListInputs["where"],
) {
  const service = runtime.service(resource.name);
  const { schema } = runtime;
  const { grouping } = types;
  builder.queryFields((t) => ({
    [resource.names.aggregate]: t.field({
      type: [types.group],
      description: grouping
        ? `Aggregates of the ${resource.plural} matching \`where\`: one group over all of them, or one per value of the \`groupBy\` fields, filtered by \`having\`, sorted by \`orderBy\` (then by the group-by fields), paged by \`skip\` and \`take\` (at most ${resource.maxPageSize}).`
        : `Aggregates of the ${resource.plural} matching \`where\`, as one group.`,
      args: {
        where: t.arg({ type: where }),
        ...(grouping
          ? {
              groupBy: t.arg({ type: [grouping.groupByField] }),
              having: t.arg({ type: [grouping.having] }),
              orderBy: t.arg({ type: [grouping.orderBy] }),
              take: t.arg.int(),
              skip: t.arg.int(),
            }
          : {}),
      },
      resolve: (_root, args, ctx, info) =>
        service.aggregate(ctx.context, toFilter(schema, resource, args.where), toAggregateSpec(resource, args, info)),
    }),
  }));
}

/**
 * create, update and delete, those the resource serves (§26). GraphQL's update is a patch (`service.patch`): only the fields given
 * change, since GraphQL clients select and send what they need. REST's PUT is the replacing
 * `service.update`; its PATCH is this one.
 */
function addMutations(
  builder: Builder,
  runtime: Runtime,
  resource: ResolvedResource,
  object: ObjectType,
  input: ResourceInputs,
) {
  const service = runtime.service(resource.name);
  const { names } = resource;
  const serves = (operation: ServedOperation) => resource.operations.has(operation);
  const create = input.create;
  const update = input.update;
  // Optimistic concurrency (resource `concurrency`): the version the client read; stale → CONFLICT.
  const expected = (args: object) =>
    "expectedVersion" in args && typeof args.expectedVersion === "number"
      ? { expectedVersion: args.expectedVersion }
      : {};
  builder.mutationFields((t) => {
    const versionArg = () =>
      resource.version
        ? {
            expectedVersion: t.arg.int({
              required: resource.version.required,
              description: `The ${resource.version.field} you read: the write fails with CONFLICT if the record has moved on.`,
            }),
          }
        : ({} as Record<never, never>);
    return {
      // A resource with nothing a client may write on create still gets created (onCreate, defaults).
      ...(!serves("create")
        ? {}
        : {
            [names.create]: create
              ? t.field({
                  type: object,
                  description: `Creates a ${resource.name} and returns it.`,
                  args: { data: t.arg({ type: create, required: true }) },
                  resolve: async (_root, args, ctx) =>
                    service.create(ctx.context, await withUploads(resource, toWriteInput(args.data), ctx.blobStore)),
                })
              : t.field({
                  type: object,
                  description: `Creates a ${resource.name} and returns it.`,
                  resolve: (_root, _args, ctx) => service.create(ctx.context, {}),
                }),
          }),
      ...(update
        ? {
            [names.update]: t.field({
              type: object,
              description: `Changes the fields given in \`data\` of the ${resource.name} with this id (a patch: fields left out keep their value) and returns it.`,
              args: {
                id: t.arg.id({ required: true }),
                data: t.arg({ type: update, required: true }),
                ...versionArg(),
              },
              resolve: async (_root, args, ctx) =>
                service.patch(
                  ctx.context,
                  args.id,
                  await withUploads(resource, toWriteInput(args.data), ctx.blobStore),
                  expected(args),
                ),
            }),
          }
        : {}),
      ...(!serves("delete")
        ? {}
        : {
            [names.delete]: t.field({
              type: object,
              description: resource.softDelete
                ? `Moves the ${resource.name} with this id to the trash (restore it with \`${names.restore}\`, delete it for good with \`${names.purge}\`) and returns it.`
                : `Deletes the ${resource.name} with this id and returns it as it was.`,
              args: { id: t.arg.id({ required: true }), ...versionArg() },
              resolve: (_root, args, ctx) => service.delete(ctx.context, args.id, expected(args)),
            }),
          }),
    };
  });
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
