/**
 * Stage locked of the write pipeline (write-prepare.ts): a record another actor holds a live lock on
 * (locks.ts, docs/guides/locks.md) cannot be changed, deleted, restored or purged by anyone else, on
 * every transport, batch items and cascades included. Deleting or purging a record releases its lock.
 * Without a lock table (the schema has no `RecordLock` model) neither costs a statement.
 */
import type { LockKey, StoredLock } from "../storage/record-locks.ts";
import type { RequestContext } from "./context.ts";
import { AppError } from "./errors.ts";
import type { ServiceCore } from "./service-core.ts";

/**
 * Refuses a write of a record another actor has a live lock on (409 naming the owner and the expiry).
 * Answers the record's lock row, live or expired (the actor's own, or one that no longer holds), so a
 * delete can release it; nothing, at no cost, when the schema has no lock table or the write no record.
 */
export async function checkLock(
  core: ServiceCore,
  ctx: RequestContext,
  id: string | number | undefined,
): Promise<StoredLock | undefined> {
  const table = core.store(ctx).locks;
  if (!table || id === undefined) return undefined;
  const held = await core.translate(() => table.find(keyOf(core, id)));
  if (held?.live && held.ownerId !== ownerOf(ctx)) throw lockedError(core, held, "change it");
  return held;
}

/** Releases the lock a removed record (deleted, purged) had, in the store of `ctx`; nothing when it had none. */
export async function releaseLock(
  core: ServiceCore,
  ctx: RequestContext,
  id: string | number,
  held: StoredLock | undefined,
): Promise<void> {
  const table = core.store(ctx).locks;
  if (!table || !held) return;
  await core.translate(() => table.release(keyOf(core, id)));
}

/** The actor as a lock's owner: their id as text; undefined when anonymous. */
export function ownerOf(ctx: RequestContext): string | undefined {
  return ctx.actor.id === undefined ? undefined : String(ctx.actor.id);
}

/** The key of a record's lock. */
export function keyOf(core: ServiceCore, id: string | number): LockKey {
  return { resource: core.resource.name, recordId: String(id) };
}

/** The 409 of a record another actor's live lock holds: who holds it, until when. */
export function lockedError(core: ServiceCore, held: StoredLock, what: string): AppError {
  const until = held.expiresAt.toISOString();
  return new AppError(
    "CONFLICT",
    `This ${core.resource.name} is locked by ${held.ownerId} until ${until}: you cannot ${what}. Try again once they unlock it or the lock expires.`,
    { details: { ownerId: held.ownerId, expiresAt: until } },
  );
}
