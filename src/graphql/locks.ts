/**
 * Record locks over GraphQL (docs/guides/locks.md): the shared `RecordLock` type, and per resource
 * `lockPost(id, ttlSeconds)`, `unlockPost(id)`, `postLock(id)` and `postLocks`. Each resolver is one
 * call to the resource's service (runtime/locks.ts), which enforces every rule; a schema without the
 * `RecordLock` model answers NOT_IMPLEMENTED.
 */
import type { ObjectRef } from "@pothos/core";
import { SHARED_GRAPHQL_NAMES } from "../metadata/names.ts";
import type { ResolvedResource } from "../metadata/resolved.ts";
import type { RecordLock } from "../runtime/locks.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { Builder, Types } from "./builder.ts";
import type { LeafTypes } from "./scalars.ts";

/** The `RecordLock` type, shared by every resource. */
export type LockType = ObjectRef<Types, RecordLock>;

/** Adds the `RecordLock` type. */
export function addLockType(builder: Builder, leaves: LeafTypes): LockType {
  return builder.objectRef<RecordLock>(SHARED_GRAPHQL_NAMES.recordLock).implement({
    description:
      "A record lock: while it is live, only its holder may change the record (react-admin Enterprise's lock, plus its expiry).",
    fields: (t) => ({
      id: t.exposeID("id", { description: "The lock's own id; the same while its holder renews it." }),
      resource: t.exposeString("resource", { description: "The resource's REST path, e.g. `posts`." }),
      recordId: t.field({ type: "ID", description: "The locked record's id.", resolve: (l) => l.recordId }),
      identity: t.exposeString("identity", { description: "Who holds it: the actor's id." }),
      createdAt: t.field({
        type: leaves.dateTime(),
        description: "When its holder took it.",
        resolve: (l) => l.createdAt,
      }),
      expiresAt: t.field({
        type: leaves.dateTime(),
        description: "When it stops holding, unless its holder locks the record again.",
        resolve: (l) => l.expiresAt,
      }),
    }),
  });
}

/** The lock queries and mutations of one resource. */
export function addLockOperations(builder: Builder, runtime: Runtime, resource: ResolvedResource, type: LockType) {
  const service = runtime.service(resource.name);
  const { names } = resource;
  builder.queryFields((t) => ({
    [names.recordLock]: t.field({
      type,
      nullable: true,
      description: `The live lock of the ${resource.name} with this id; null when nobody holds one.`,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, ctx) => service.getLock(ctx.context, args.id),
    }),
    [names.recordLocks]: t.field({
      type: [type],
      description: `The live locks of the ${resource.plural} you can read, oldest first.`,
      resolve: (_root, _args, ctx) => service.locks(ctx.context),
    }),
  }));
  builder.mutationFields((t) => ({
    [names.lock]: t.field({
      type,
      description: `Locks the ${resource.name} with this id for you (or renews your lock): until it expires, nobody else may change it. CONFLICT when someone else holds it.`,
      args: {
        id: t.arg.id({ required: true }),
        ttlSeconds: t.arg.int({ description: "How long the lock lasts; default: the server's (LOCK_TTL_SECONDS)." }),
      },
      resolve: (_root, args, ctx) =>
        service.lock(
          ctx.context,
          args.id,
          args.ttlSeconds === null || args.ttlSeconds === undefined ? {} : { ttlSeconds: args.ttlSeconds },
        ),
    }),
    [names.unlock]: t.field({
      type: "Boolean",
      description: `Releases your lock of the ${resource.name} with this id (the admin role breaks anyone's); true, also when there was none. CONFLICT when someone else holds it.`,
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_root, args, ctx) => {
        await service.unlock(ctx.context, args.id);
        return true;
      },
    }),
  }));
}
