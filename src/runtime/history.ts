/**
 * A record's history as clients read it, over the revision log (revisions.ts): its revisions, one of
 * them, the diff between two, the record as it was (`asOf`), the values a revert writes back, and
 * whether an actor may hear that a record went away. Snapshots are presented like single records.
 */
import type { RequestContext } from "./context.ts";
import { AppError, isAppError, show } from "./errors.ts";
import type { Row } from "./loaders.ts";
import { present } from "./present.ts";
import { coerceValue } from "./coerce.ts";
import type { Revision, RevisionLog } from "./revisions.ts";
import { sameValue } from "./same-value.ts";
import type { ServiceCore } from "./service-core.ts";
import type { DeletedMode, ResourceRecord } from "./service-types.ts";
import { decidable, matchesWhere } from "./where-match.ts";
import { output, runRead } from "./operation.ts";

/** A revision as clients see it: its snapshot presented like a single record (hidden fields left out). */
export interface RevisionRecord extends Omit<Revision, "data"> {
  readonly data: ResourceRecord;
}

/** What changed between two revisions, field by field (after upgrading both snapshots). */
export interface RevisionDiff {
  readonly from: number;
  readonly to: number;
  readonly changes: readonly { readonly field: string; readonly from: unknown; readonly to: unknown }[];
}

/** Every revision of a record (also in the trash), oldest first. */
export async function revisions(core: ServiceCore, ctx: RequestContext, rawId: unknown): Promise<RevisionRecord[]> {
  const id = core.parseId(rawId);
  const log = core.log();
  await core.exists(ctx, id);
  const found = await core.translate(() => log.list(core.store(ctx), id));
  return found.map((r) => presentRevision(core, ctx, r));
}

/** One revision of a record by number. */
export async function revision(
  core: ServiceCore,
  ctx: RequestContext,
  rawId: unknown,
  rawNumber: unknown,
): Promise<RevisionRecord> {
  const id = core.parseId(rawId);
  const number = parseRevisionNumber(rawNumber);
  const log = core.log();
  await core.exists(ctx, id);
  return presentRevision(core, ctx, await core.translate(() => log.find(core.store(ctx), id, number)));
}

/**
 * What changed from revision `from` to revision `to` (default: from its parent to `from`), over the
 * fields clients may see, both snapshots upgraded to the current schemaVersion.
 */
export async function diff(
  core: ServiceCore,
  ctx: RequestContext,
  rawId: unknown,
  rawNumber: unknown,
  rawAgainst: unknown,
): Promise<RevisionDiff> {
  const id = core.parseId(rawId);
  const number = parseRevisionNumber(rawNumber);
  const log = core.log();
  await core.exists(ctx, id);
  const store = core.store(ctx);
  const target = await core.translate(() => log.find(store, id, number));
  const againstNumber = rawAgainst === undefined ? target.parentNumber : parseRevisionNumber(rawAgainst);
  const base = againstNumber === null ? undefined : await core.translate(() => log.find(store, id, againstNumber));
  const before = base ? present(core, ctx, base.data, "one") : {};
  const after = present(core, ctx, target.data, "one");
  const changes = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((field) => !sameValue(before[field], after[field]))
    .map((field) => ({ field, from: before[field] ?? null, to: after[field] ?? null }));
  return { from: againstNumber ?? 0, to: number, changes };
}

/** The snapshot of a record at a revision number or a time (`get` with `asOf`); 404 unless it exists for `mode`. */
export async function snapshotAt(
  core: ServiceCore,
  ctx: RequestContext,
  log: RevisionLog,
  id: string | number,
  asOf: number | Date,
  mode: DeletedMode,
): Promise<Row> {
  await core.exists(ctx, id, mode);
  const store = core.store(ctx);
  return (await core.translate(() => (typeof asOf === "number" ? log.find(store, id, asOf) : log.at(store, id, asOf))))
    .data;
}

/**
 * Whether the actor of `ctx` may learn that a record went away (a delete or purge change event):
 * they may read this resource, and the record was inside their tenant and scope. A record still in
 * the trash is checked in the database; a purged one against its last revision's snapshot (without
 * revisions there is nothing to check, so a restricted actor is not told).
 */
export async function sawGone(
  core: ServiceCore,
  ctx: RequestContext,
  rawId: unknown,
  revisionNumber: number | null,
): Promise<boolean> {
  const id = core.parseId(rawId);
  const guard = core.view(ctx).guard(core.resource);
  const log = core.revisions;
  try {
    // An actor no tenant or scope limits heard of the record whatever it was: no query needed.
    if (guard) await core.exists(ctx, id);
    else await core.deps.access.check(ctx, core.resource, "read", {});
    return true;
  } catch (error) {
    if (!isAppError(error)) throw error;
    if (error.code !== "NOT_FOUND" || !guard || !log || revisionNumber === null) return false;
  }
  const found = await core.translate(() => log.find(core.store(ctx), id, revisionNumber)).catch(() => undefined);
  return found !== undefined && matchesWhere(found.data, guard);
}

/**
 * A change's record as the actor of `ctx` may see it, decided on `snapshot` (the record as that write
 * left it) rather than on the record now: undefined when the write left it outside their tenant or
 * scope, or they may not read the resource; null when their scope has conditions only the database
 * decides (on relations): ask it then.
 */
export async function seesSnapshot(
  core: ServiceCore,
  ctx: RequestContext,
  rawId: unknown,
  logged: Row,
): Promise<ResourceRecord | null | undefined> {
  const id = core.parseId(rawId);
  // The outbox keeps every column, for replay: hooks and the view see what a read of the record would.
  const snapshot = core.shown(logged);
  const guard = core.view(ctx).guard(core.resource);
  if (guard && !decidable(snapshot, guard)) return null;
  try {
    // Read hooks run as for a get: a rule on reads holds for the records events carry too.
    const { result, op } = await runRead(core, "read", ctx, {}, id, async () => {
      if (guard && !matchesWhere(snapshot, guard)) throw core.notFound(id);
      return snapshot;
    });
    return (await output(core, ctx, op, [result], "one"))[0] as ResourceRecord;
  } catch (error) {
    if (isAppError(error) && ["NOT_FOUND", "FORBIDDEN", "UNAUTHENTICATED"].includes(error.code)) return undefined;
    throw error;
  }
}

/** The values a revert writes: the snapshot's values of every field clients may write on update. */
export function revertValues(core: ServiceCore, snapshot: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of core.resource.fields) {
    if (f.readOnly || f.hidden.update || f.isId || !(f.name in snapshot)) continue;
    const c = coerceValue(f, snapshot[f.name]);
    if (c.ok) out[f.name] = c.value;
  }
  return out;
}

/** A revision number from a client: a whole number from 1 (or its digits as text). */
export function parseRevisionNumber(raw: unknown): number {
  const n = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 1)
    throw new AppError("BAD_REQUEST", `A revision number is a whole number from 1, got ${show(raw)}.`);
  return n;
}

/** `asOf`: a revision number, or a time (Date or ISO 8601 text). */
export function parseAsOf(raw: number | string | Date): number | Date {
  if (typeof raw === "number" || (typeof raw === "string" && /^\d+$/.test(raw))) return parseRevisionNumber(raw);
  const time = raw instanceof Date ? raw : new Date(raw);
  if (Number.isNaN(time.getTime()) || (typeof raw === "string" && !/^\d{4}-\d{2}-\d{2}/.test(raw)))
    throw new AppError("BAD_REQUEST", `asOf must be a revision number or an ISO 8601 time, got ${show(raw)}.`);
  return time;
}

/** A revision with its snapshot presented like a single record. */
function presentRevision(core: ServiceCore, ctx: RequestContext, found: Revision): RevisionRecord {
  return { ...found, data: present(core, ctx, found.data, "one") };
}
