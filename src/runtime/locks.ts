/**
 * Record locks (docs/guides/locks.md): an actor editing a record locks it, and until the lock expires
 * or they unlock it, nobody else may change it. The rule, for every transport:
 * - locking and unlocking need the right to update the record, which must exist for the actor (its
 *   tenant, scope, trash: otherwise 404); the owner is the signed-in actor (anonymous: 401), never a
 *   name the client sends;
 * - a lock lasts its ttl (the runtime's `lockTtlSeconds` unless the request names one); locking again
 *   renews it; an expired lock is as good as none;
 * - another actor's live lock refuses a lock, an unlock (but by the admin role, which breaks it) and
 *   every write of the record (lock-check.ts, a stage of write-prepare.ts): 409 naming the owner and
 *   the expiry. Reads are not affected;
 * - deleting or purging a record releases its lock (lock-check.ts).
 * The table is the optional `RecordLock` model (storage/record-locks.ts); without it every lock
 * operation is a 501 and writes check nothing.
 */
import type { LockKey, LockTable, StoredLock } from "../storage/record-locks.ts";
import { addModelFix } from "../storage/required-models.ts";
import type { RequestContext } from "./context.ts";
import { AppError, show } from "./errors.ts";
import { keyOf, lockedError, ownerOf } from "./lock-check.ts";
import type { Row } from "./loaders.ts";
import type { ServiceCore } from "./service-core.ts";
import { authorize } from "./write-prepare.ts";

/** How long a lock lasts unless the request says otherwise, in seconds. */
export const DEFAULT_LOCK_TTL_SECONDS = 300;
/** The longest lock a request may ask for, in seconds (a day). */
export const MAX_LOCK_TTL_SECONDS = 86_400;

/**
 * A record lock as clients see it: react-admin Enterprise's lock (`id`, `resource`, `recordId`,
 * `identity`, `createdAt`) and when it expires.
 * @example
 * { id: "0b6f…", resource: "posts", recordId: 12, identity: "3", createdAt: new Date("2026-06-06T15:32:22Z"), expiresAt: new Date("2026-06-06T15:37:22Z") }
 */
export interface RecordLock {
  /** The lock's own id (a UUID); the same while its owner renews it. */
  readonly id: string;
  /** The resource's path, which is react-admin's resource name, e.g. `posts`. */
  readonly resource: string;
  /** The record's id, typed as in the record. */
  readonly recordId: string | number;
  /** Who holds it: the actor's id. */
  readonly identity: string;
  /** When its owner took it (renewals keep it). */
  readonly createdAt: Date;
  /** When it stops holding, unless its owner renews it. */
  readonly expiresAt: Date;
}

/** Options of a lock. */
export interface LockOptions {
  /**
   * How long the lock lasts, in whole seconds, from 1 to {@link MAX_LOCK_TTL_SECONDS}.
   * @default the runtime's `lockTtlSeconds` (300)
   */
  readonly ttlSeconds?: unknown;
}

/** Locks the record `rawId` for the actor of `ctx`, or renews their lock; 409 when another actor holds it. */
export async function lock(
  core: ServiceCore,
  ctx: RequestContext,
  rawId: unknown,
  options: LockOptions = {},
): Promise<RecordLock> {
  const table = tableOf(core, ctx);
  const owner = signedIn(core, ctx, "lock");
  const ttl = ttlOf(core, options.ttlSeconds);
  const { key, existing } = await writable(core, ctx, rawId);
  const tenant = core.resource.tenant ? existing[core.resource.tenant] : undefined;
  ctx.reads?.wrote();
  const result = await core.translate(() =>
    table.acquire(key, { ownerId: owner, tenantId: tenant == null ? null : String(tenant) }, ttl),
  );
  if (!result.acquired) throw lockedError(core, result.lock, "lock it");
  return present(core, result.lock);
}

/**
 * Releases the actor's lock of the record `rawId`. Nothing to release (no lock, an expired one) is
 * no error. Another actor's live lock is a 409, unless the actor holds the admin role: then the lock
 * is broken.
 */
export async function unlock(core: ServiceCore, ctx: RequestContext, rawId: unknown): Promise<void> {
  const table = tableOf(core, ctx);
  const owner = signedIn(core, ctx, "unlock");
  const { key } = await writable(core, ctx, rawId);
  const held = await core.translate(() => table.find(key));
  if (!held) return;
  const mine = held.ownerId === owner || !held.live;
  if (!mine && !core.view(ctx).privileged) throw lockedError(core, held, "unlock it (only its owner or an admin may)");
  ctx.reads?.wrote();
  await core.translate(() => table.release(key, mine ? owner : undefined));
}

/** The live lock of the record `rawId`, or null when it has none; 404 when the actor cannot read the record. */
export async function getLock(core: ServiceCore, ctx: RequestContext, rawId: unknown): Promise<RecordLock | null> {
  const table = tableOf(core, ctx);
  const id = core.parseId(rawId);
  await core.exists(ctx, id, "exclude");
  const held = await core.translate(() => table.find(keyOf(core, id)));
  return held?.live ? present(core, held) : null;
}

/** The live locks of the records of this resource the actor can read, oldest first. */
export async function listLocks(core: ServiceCore, ctx: RequestContext): Promise<RecordLock[]> {
  const table = tableOf(core, ctx);
  const { resource } = core;
  await core.deps.access.check(ctx, resource, "read", {});
  const held = await core.translate(() => table.live(resource.name));
  const ids = new Map<string, string | number>();
  for (const row of held) {
    const id = parsedId(core, row.recordId);
    if (id !== undefined) ids.set(row.recordId, id);
  }
  if (ids.size === 0) return [];
  // The records the actor can see among the locked ones: their tenant, scope and the trash apply.
  const idField = resource.id.name;
  const { rows } = await core.run(ctx, {
    level: { model: resource.model, fields: [idField], relations: [] },
    where: core.scoped(ctx, { [idField]: { in: [...new Set(ids.values())] } }),
    orderBy: [],
    offset: 0,
    limit: null,
    total: false,
  });
  const visible = new Set(rows.map((r) => String(r[idField])));
  return held.filter((row) => visible.has(row.recordId)).map((row) => present(core, row));
}

/** The lock table of `ctx`'s store; 501 when the schema has none. */
function tableOf(core: ServiceCore, ctx: RequestContext): LockTable {
  const table = core.store(ctx).locks;
  if (!table)
    throw new AppError(
      "NOT_IMPLEMENTED",
      `Record locks are off: the Prisma schema has no RecordLock model. ${addModelFix("RecordLock")}`,
    );
  return table;
}

/** Who owns what the actor locks: their id, as the table stores it; 401 when no one is signed in. */
function signedIn(core: ServiceCore, ctx: RequestContext, verb: string): string {
  const owner = ownerOf(ctx);
  if (owner === undefined)
    throw new AppError("UNAUTHENTICATED", `Sign in to ${verb} ${core.resource.plural}: a lock belongs to someone.`);
  return owner;
}

/** The ttl a request asks for, or the runtime's; 400 outside 1 to {@link MAX_LOCK_TTL_SECONDS}. */
function ttlOf(core: ServiceCore, raw: unknown): number {
  if (raw === undefined || raw === null) return core.deps.lockTtlSeconds;
  if (typeof raw !== "number" || !Number.isInteger(raw) || raw < 1 || raw > MAX_LOCK_TTL_SECONDS)
    throw new AppError(
      "BAD_REQUEST",
      `ttlSeconds must be a whole number of seconds from 1 to ${MAX_LOCK_TTL_SECONDS}, got ${show(raw)}.`,
    );
  return raw;
}

/**
 * A record the actor may update, and its lock's key: their right to update, then the record inside
 * their tenant and scope and out of the trash (else 404), then the rules that look at the record.
 */
async function writable(
  core: ServiceCore,
  ctx: RequestContext,
  rawId: unknown,
): Promise<{ key: LockKey; existing: Row }> {
  const { resource } = core;
  const id = core.parseId(rawId);
  await authorize(core, ctx, "update");
  const { rows } = await core.run(ctx, {
    // The tenant column too, even when hidden: the lock records it.
    level: {
      model: resource.model,
      fields: [...new Set([...core.rowFields, ...(resource.tenant ? [resource.tenant] : [])])],
      relations: [],
    },
    where: core.scoped(ctx, { [resource.id.name]: id }),
    orderBy: [],
    offset: 0,
    limit: 1,
    total: false,
  });
  const existing = rows[0] as Row | undefined;
  if (!existing) throw core.notFound(id);
  await core.deps.access.check(ctx, resource, "update", { id, input: {}, existing });
  return { key: keyOf(core, id), existing };
}

/** A stored record id as the record types it; undefined when it no longer parses (the id column changed). */
function parsedId(core: ServiceCore, recordId: string): string | number | undefined {
  try {
    return core.parseId(recordId);
  } catch {
    return undefined;
  }
}

function present(core: ServiceCore, row: StoredLock): RecordLock {
  return {
    id: row.id,
    resource: core.resource.names.path,
    recordId: parsedId(core, row.recordId) ?? row.recordId,
    identity: row.ownerId,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
  };
}
