// Longer than 400 lines: the lifecycle types and operations of every feature (trash, revisions, batches) are one
// list, each a few lines, built from the same shared types.
/**
 * The record lifecycle over GraphQL: the trash (`deleted` on reads, `restorePost`, `purgePost`),
 * revisions (`postRevisions`, `postRevision`, `postRevisionDiff`, `postAsOf`, `revertPost`,
 * `publishPost`; past versions are `PostSnapshot`s, never `Post`s) and batch writes (`createPosts`, `updatePosts`, `deletePosts`, `restorePosts`,
 * `purgePosts`). A type or field exists only where a resource switches its feature on; each resolver
 * is one call to the resource's service, which enforces every rule.
 */
import type { EnumRef, InputObjectRef, ObjectRef } from "@pothos/core";
import type { ServedOperation } from "../metadata/definition.ts";
import { SHARED_GRAPHQL_NAMES, SNAPSHOT_ID_FIELD } from "../metadata/names.ts";
import type { ResolvedResource, ResolvedSchema } from "../metadata/resolved.ts";
import { AppError, isAppError } from "../runtime/errors.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { DeletedMode, GetOptions, ResourceRecord } from "../runtime/service-types.ts";
import type { BatchAction, BatchFailure, BatchResult } from "../runtime/batch.ts";
import type { RevisionDiff, RevisionRecord } from "../runtime/history.ts";
import type { Builder, Types } from "./builder.ts";
import { type InputObject, type ResourceInputs, toBatchUpdateItem, toWriteInput } from "./inputs.ts";
import { addSnapshotType } from "./snapshots.ts";
import type { ObjectTypes } from "./object-types.ts";
import { addDiffType } from "./revision-diff.ts";
import type { LeafTypes } from "./scalars.ts";

type InputRef = InputObjectRef<Types, InputObject>;
type BatchItem = BatchResult["succeeded"][number];

/** The lifecycle types of a schema: shared ones (when some resource needs them) and per resource. */
export interface LifecycleTypes {
  /** `DeletedRecords`, when some resource is soft-deleted. */
  readonly deleted: EnumRef<Types, DeletedMode, DeletedMode> | undefined;
  /** `AsOf`, when some resource keeps revisions. */
  readonly asOf: InputRef | undefined;
  readonly diff: ObjectRef<Types, RevisionDiff> | undefined;
  /** Per resource name: its revision and snapshot types (with revisions) and its batch result type. */
  readonly revision: ReadonlyMap<string, ObjectRef<Types, RevisionRecord>>;
  readonly snapshot: ReadonlyMap<string, ObjectRef<Types, ResourceRecord>>;
  readonly batchResult: ReadonlyMap<string, ObjectRef<Types, BatchResult>>;
}

/** Adds the lifecycle types every resource needs, and the shared ones some resource uses. */
export function addLifecycleTypes(
  builder: Builder,
  schema: ResolvedSchema,
  objects: ObjectTypes,
  leaves: LeafTypes,
): LifecycleTypes {
  // A type exists only where a served operation takes or gives it (§26): `deleted` is an argument of reads,
  // revisions are read with `get`, batch results come from batch writes.
  const serves = (r: ResolvedResource, ...ops: ServedOperation[]) => ops.some((op) => r.operations.has(op));
  const soft = schema.resources.some((r) => r.softDelete && serves(r, "list", "get"));
  const revised = schema.resources.some((r) => r.revisions && serves(r, "get"));
  const batched = schema.resources.filter((r) => serves(r, "create", "update", "delete"));
  const deleted = soft
    ? builder.enumType(SHARED_GRAPHQL_NAMES.deletedRecords, {
        description: "Which records a read sees on a resource with a trash (soft delete).",
        values: {
          EXCLUDE: { value: "exclude", description: "The live records only (the default)." },
          INCLUDE: { value: "include", description: "Live and trashed records." },
          ONLY: { value: "only", description: "The trash alone." },
        } as const,
      })
    : undefined;
  const asOf = revised
    ? builder.inputRef<InputObject>(SHARED_GRAPHQL_NAMES.asOf).implement({
        description: "A point in a record's history: set exactly one of `revision` and `time`.",
        fields: (t) => ({
          revision: t.int({ description: "The record as this revision (1 is its creation) left it." }),
          time: t.field({
            type: leaves.dateTime(),
            description: "The record as it was at this time (its last revision at or before it).",
          }),
        }),
      })
    : undefined;
  const status = revised
    ? builder.enumType(SHARED_GRAPHQL_NAMES.revisionStatus, {
        description: "`stable`, or `draft` (draft mode: changed in place until published).",
        values: ["stable", "draft"] as const,
      })
    : undefined;
  const diff = revised ? addDiffType(builder, leaves) : undefined;

  const failure =
    batched.length === 0
      ? undefined
      : builder.objectRef<BatchFailure>(SHARED_GRAPHQL_NAMES.batchFailure).implement({
          description: "An item of a partial batch that was not written, and why.",
          fields: (t) => ({
            index: t.exposeInt("index", { description: "The item's position in the request (from 0)." }),
            code: t.string({
              description: "The error code, as `extensions.code` of a GraphQL error.",
              resolve: (f) => f.error.code,
            }),
            message: t.string({ resolve: (f) => f.error.message }),
            fields: t.field({
              type: leaves.json(),
              nullable: true,
              description: "Per-field messages, when fields were invalid.",
              resolve: (f) => f.error.fields ?? null,
            }),
            details: t.field({
              type: leaves.json(),
              nullable: true,
              description: "Machine-readable details, e.g. `currentVersion` of a version conflict.",
              resolve: (f) => f.error.details ?? null,
            }),
          }),
        });

  const revision = new Map<string, ObjectRef<Types, RevisionRecord>>();
  const snapshot = new Map<string, ObjectRef<Types, ResourceRecord>>();
  const batchResult = new Map<string, ObjectRef<Types, BatchResult>>();
  for (const resource of schema.resources) {
    const object = objects.get(resource.name);
    if (!object) throw new Error(`No object type for resource "${resource.name}"`);
    const { names } = resource;
    if (resource.revisions && status && serves(resource, "get")) {
      const snapshotType = addSnapshotType(builder, resource, leaves);
      snapshot.set(resource.name, snapshotType);
      revision.set(
        resource.name,
        builder.objectRef<RevisionRecord>(names.revisionType).implement({
          description: `One revision of a ${resource.name}: the write that made it and the ${resource.name} as it left it.`,
          fields: (t) => ({
            id: t.exposeID("id", { description: "The revision's own id." }),
            number: t.exposeInt("number", { description: "1, 2, 3… per record; 1 is its creation." }),
            parentNumber: t.int({
              nullable: true,
              description: "The revision this one follows (null for the first).",
              resolve: (r) => r.parentNumber,
            }),
            action: t.exposeString("action", {
              description: "The write that made it: create, update, patch, delete, restore, revert or publish.",
            }),
            status: t.field({ type: status, resolve: (r) => r.status }),
            actorId: t.string({ nullable: true, description: "Who wrote it.", resolve: (r) => r.actorId }),
            createdAt: t.field({ type: leaves.dateTime(), resolve: (r) => r.createdAt }),
            schemaVersion: t.exposeInt("schemaVersion", {
              description: "The schema version it was written under; `data` is upgraded to the current one.",
            }),
            data: t.field({
              type: snapshotType,
              description: `The ${resource.name} as this revision left it (a snapshot: \`${SNAPSHOT_ID_FIELD}\` is its id).`,
              resolve: (r) => r.data,
            }),
          }),
        }),
      );
    }
    if (!failure || !batched.includes(resource)) continue;
    const item = builder.objectRef<BatchItem>(names.batchItemType).implement({
      description: `A ${resource.name} a batch wrote.`,
      fields: (t) => ({
        index: t.exposeInt("index", { description: "The item's position in the request (from 0)." }),
        record: t.field({ type: object, resolve: (i) => i.record }),
      }),
    });
    batchResult.set(
      resource.name,
      builder.objectRef<BatchResult>(names.batchResultType).implement({
        description: `The outcome of a batch of ${resource.plural}, item by item. Without \`partial\` the batch is all-or-nothing, so \`failed\` is empty (a failing item fails the whole mutation).`,
        fields: (t) => ({
          succeeded: t.field({ type: [item], resolve: (r) => r.succeeded }),
          failed: t.field({ type: [failure], resolve: (r) => r.failed }),
        }),
      }),
    );
  }
  return { deleted, asOf, diff, revision, snapshot, batchResult };
}

/** The `deleted` argument of the reads of a soft-deleted resource (nothing on other resources). */
export function deletedArg<A>(
  resource: ResolvedResource,
  types: LifecycleTypes,
  arg: (type: EnumRef<Types, DeletedMode, DeletedMode>, description: string) => A,
): { deleted: A } | Record<never, never> {
  if (!resource.softDelete || !types.deleted) return {};
  return {
    deleted: arg(
      types.deleted,
      `Which ${resource.plural} to see: the live ones (default), also the trash, or the trash only.`,
    ),
  };
}

/** The `deleted` argument's value, when the field has one. */
export function deletedOf(args: object): DeletedMode | undefined {
  return "deleted" in args && typeof args.deleted === "string" ? (args.deleted as DeletedMode) : undefined;
}

/** The options of `service.get` from the arguments of the single-record query (`deleted`, `asOf`). */
export function getOptionsOf(args: object): GetOptions {
  const deleted = deletedOf(args);
  const asOf = "asOf" in args && args.asOf ? toAsOf(args.asOf as InputObject) : undefined;
  return { ...(deleted ? { deleted } : {}), ...(asOf !== undefined ? { asOf } : {}) };
}

/** An `AsOf` input as the runtime's `asOf`: the revision number or the time, exactly one of them. */
function toAsOf(input: InputObject): number | Date {
  const { revision, time } = input;
  const hasRevision = revision !== null && revision !== undefined;
  const hasTime = time !== null && time !== undefined;
  if (hasRevision === hasTime) {
    throw new AppError(
      "BAD_REQUEST",
      `asOf must set exactly one of revision and time; it sets ${hasRevision ? "both" : "neither"}.`,
    );
  }
  return hasRevision ? (revision as number) : (time as Date);
}

/**
 * The lifecycle queries and mutations of one resource: revision queries (with revisions), restore
 * (soft delete), purge, revert (revisions), publish (draft mode) and the batch writes.
 */
export function addLifecycleOperations(
  builder: Builder,
  runtime: Runtime,
  resource: ResolvedResource,
  object: ObjectRef<Types, ResourceRecord>,
  input: ResourceInputs,
  types: LifecycleTypes,
): void {
  const service = runtime.service(resource.name);
  const { names } = resource;
  const revisionType = types.revision.get(resource.name);
  const snapshotType = types.snapshot.get(resource.name);
  const batchResult = types.batchResult.get(resource.name);
  const serves = (operation: ServedOperation) => resource.operations.has(operation);
  if (!batchResult && (serves("create") || serves("update") || serves("delete")))
    throw new Error(`No batch result type for resource "${resource.name}"`);
  const expected = (args: object) =>
    "expectedVersion" in args && typeof args.expectedVersion === "number"
      ? { expectedVersion: args.expectedVersion }
      : {};

  if (revisionType && snapshotType && types.diff && types.asOf) {
    const { diff, asOf } = types;
    builder.queryFields((t) => ({
      [names.asOf]: t.field({
        type: snapshotType,
        nullable: true,
        description: `The ${resource.name} with this id as it was at a revision or a time (its history), or null when it had no revision then.`,
        args: {
          id: t.arg.id({ required: true }),
          asOf: t.arg({ type: asOf, required: true }),
          ...deletedArg(resource, types, (type, description) => t.arg({ type, defaultValue: "exclude", description })),
        },
        resolve: async (_root, args, ctx) => {
          try {
            return await service.get(ctx.context, args.id, getOptionsOf(args));
          } catch (error) {
            // GraphQL's convention for a missing single record is null, not an error.
            if (isAppError(error) && error.code === "NOT_FOUND") return null;
            throw error;
          }
        },
      }),
      [names.revisions]: t.field({
        type: [revisionType],
        description: `Every revision of the ${resource.name} with this id${resource.softDelete ? " (also when it is in the trash)" : ""}, oldest first.`,
        args: { id: t.arg.id({ required: true }) },
        resolve: (_root, args, ctx) => service.revisions(ctx.context, args.id),
      }),
      [names.revision]: t.field({
        type: revisionType,
        description: `One revision of the ${resource.name} with this id, by number (1 is its creation).`,
        args: { id: t.arg.id({ required: true }), revision: t.arg.int({ required: true }) },
        resolve: (_root, args, ctx) => service.revision(ctx.context, args.id, args.revision),
      }),
      [names.revisionDiff]: t.field({
        type: diff,
        description: `What changed in the ${resource.name} with this id from revision \`against\` (default: the one before) to revision \`revision\`.`,
        args: { id: t.arg.id({ required: true }), revision: t.arg.int({ required: true }), against: t.arg.int() },
        resolve: (_root, args, ctx) => service.diff(ctx.context, args.id, args.revision, args.against ?? undefined),
      }),
    }));
  }

  builder.mutationFields((t) => {
    const version = resource.version;
    // restore and purge work without a version even where updates require one (the runtime's rule).
    const optionalVersion = () =>
      version
        ? {
            expectedVersion: t.arg.int({
              description: `The ${version.field} you read: the write fails with CONFLICT if the record has moved on.`,
            }),
          }
        : ({} as Record<never, never>);
    const partial = () =>
      t.arg.boolean({
        defaultValue: false,
        description: "Write each item on its own and report each outcome, instead of all-or-nothing.",
      });
    const batch = (
      action: BatchAction,
      items: readonly unknown[],
      args: { partial?: boolean | null | undefined },
      ctx: { context: Parameters<typeof service.batch>[0] },
    ) => service.batch(ctx.context, action, items, { partial: args.partial ?? false });
    const limit = `At most ${resource.maxBatchSize} items (PAYLOAD_TOO_LARGE beyond). All-or-nothing unless \`partial\`: the first failing item fails the mutation, with its \`index\` in the error's extensions, and nothing is written.`;
    const ids = (what: string) => t.arg.idList({ required: true, description: `The ${resource.plural} to ${what}.` });
    return {
      ...(resource.softDelete && serves("restore") && batchResult
        ? {
            [names.restore]: t.field({
              type: object,
              description: `Brings the ${resource.name} with this id back from the trash (with the records its delete cascaded to) and returns it.`,
              args: { id: t.arg.id({ required: true }), ...optionalVersion() },
              resolve: (_root, args, ctx) => service.restore(ctx.context, args.id, expected(args)),
            }),
            [names.restoreMany]: t.field({
              type: batchResult,
              description: `Restores many ${resource.plural} from the trash. ${limit}`,
              args: { ids: ids("restore"), partial: partial() },
              resolve: (_root, args, ctx) => batch("restore", args.ids, args, ctx),
            }),
          }
        : {}),
      ...(serves("purge") && batchResult
        ? {
            [names.purge]: t.field({
              type: object,
              description: resource.softDelete
                ? `Deletes the ${resource.name} with this id for good, live or in the trash (the relations' delete rules apply), and returns it as it was.`
                : `Deletes the ${resource.name} with this id (the relations' delete rules apply) and returns it as it was: the same as \`${names.delete}\`, since ${resource.plural} have no trash.`,
              args: { id: t.arg.id({ required: true }), ...optionalVersion() },
              resolve: (_root, args, ctx) => service.purge(ctx.context, args.id, expected(args)),
            }),
            [names.purgeMany]: t.field({
              type: batchResult,
              description: `Deletes many ${resource.plural} for good. ${limit}`,
              args: { ids: ids("purge"), partial: partial() },
              resolve: (_root, args, ctx) => batch("purge", args.ids, args, ctx),
            }),
          }
        : {}),
      ...(serves("delete") && batchResult
        ? {
            [names.deleteMany]: t.field({
              type: batchResult,
              description: `Deletes many ${resource.plural}${resource.softDelete ? " (moves them to the trash)" : ""}. ${limit}`,
              args: { ids: ids("delete"), partial: partial() },
              resolve: (_root, args, ctx) => batch("delete", args.ids, args, ctx),
            }),
          }
        : {}),
      ...(input.create && batchResult
        ? {
            [names.createMany]: t.field({
              type: batchResult,
              description: `Creates many ${resource.plural}. ${limit}`,
              args: { data: t.arg({ type: [input.create], required: true }), partial: partial() },
              resolve: (_root, args, ctx) => batch("create", args.data.map(toWriteInput), args, ctx),
            }),
          }
        : {}),
      ...(input.batchUpdate && batchResult
        ? {
            [names.updateMany]: t.field({
              type: batchResult,
              description: `Changes the fields given of many ${resource.plural} (each a patch). ${limit}`,
              args: { data: t.arg({ type: [input.batchUpdate], required: true }), partial: partial() },
              resolve: (_root, args, ctx) =>
                batch(
                  "patch",
                  args.data.map((item) => toBatchUpdateItem(resource, item)),
                  args,
                  ctx,
                ),
            }),
          }
        : {}),
      ...(resource.revisions && serves("revert")
        ? {
            [names.revert]: t.field({
              type: object,
              description: `Makes the ${resource.name} with this id equal to revision \`toRevision\` again, as a new revision, and returns it.`,
              args: {
                id: t.arg.id({ required: true }),
                toRevision: t.arg.int({ required: true }),
                ...(version
                  ? {
                      expectedVersion: t.arg.int({
                        required: version.required,
                        description: `The ${version.field} you read: the write fails with CONFLICT if the record has moved on.`,
                      }),
                    }
                  : ({} as Record<never, never>)),
              },
              resolve: (_root, args, ctx) => service.revert(ctx.context, args.id, args.toRevision, expected(args)),
            }),
          }
        : {}),
      ...(resource.revisions?.draft && serves("publish")
        ? {
            [names.publish]: t.field({
              type: object,
              description: `Makes the latest draft revision of the ${resource.name} with this id a stable one, and returns the ${resource.name}.`,
              args: { id: t.arg.id({ required: true }) },
              resolve: (_root, args, ctx) => service.publish(ctx.context, args.id),
            }),
          }
        : {}),
    };
  });
}
