/**
 * What a subscriber sees of a change: the record as that very write left it (the snapshot the outbox
 * keeps with each event), as that subscriber may see it — its tenant, scope and field access decided
 * on the snapshot, not on the record as it is when the change is delivered, so a ticket handed from one
 * customer to another is told to the first up to the hand-over and to the second from it on. Scopes
 * with conditions only the database decides (on relations), and events without a snapshot, are read
 * through the service instead (the revision's snapshot when the resource keeps revisions, else the
 * current record). Either way the runtime service decides, with the subscriber's own context.
 *
 * Computed once per event and view, not per subscriber: a view is what a rule or a scope may read of
 * the actor (id, roles, tenant, claims) plus the subscriber's `where`. Subscribers of one view share
 * one lookup, one `where` check and one {@link VisibleChange} object, so transports can also serialise
 * it once for all of them (keyed by that object). Snapshots are read once per event, the events of a
 * burst in one statement: fanning out costs no query per subscriber.
 */
import type { ResolvedResource } from "../metadata/resolved.ts";
import type { Actor, RequestContext } from "../runtime/context.ts";
import { isAppError } from "../runtime/errors.ts";
import type { Filter } from "../runtime/query.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { ResourceRecord } from "../runtime/service-types.ts";
import type { Outbox } from "../storage/outbox.ts";
import type { ChangeEvent } from "../storage/outbox.ts";

/** A change as one subscriber receives it. */
export interface VisibleChange {
  readonly event: ChangeEvent;
  /** The record after the write; null when it is gone or in the trash (delete, purge). */
  readonly record: ResourceRecord | null;
  /** The fields the write changed, of those the subscriber may see. */
  readonly changed: readonly string[];
}

/** A subscriber's condition on the record, checked against the record as it stands when the change is delivered. */
export interface ChangeWhere {
  readonly resource: ResolvedResource;
  readonly filter: Filter;
}

/** Actions after which the record is gone or in the trash: their changes carry no record. */
export const GONE_ACTIONS: ReadonlySet<string> = new Set(["delete", "purge"]);

/** Most (event, view) pairs remembered: enough for every subscriber of a burst to share. */
const CACHE_SIZE = 5000;

const actorKeys = new WeakMap<Actor, string>();
const whereKeys = new WeakMap<Filter, string>();

/**
 * Everything a rule or a scope may read of the actor, as a string: actors with equal keys see the
 * same changes. Computed once per actor object (a subscription keeps its actor).
 */
export function actorViewKey(actor: Actor): string {
  let key = actorKeys.get(actor);
  if (key === undefined) {
    const { id, roles, tenantId, claims } = actor;
    key = JSON.stringify([id ?? null, roles, tenantId ?? null, claims ?? null], jsonSafe);
    actorKeys.set(actor, key);
  }
  return key;
}

function whereKey(where: ChangeWhere | undefined): string {
  if (!where) return "";
  let key = whereKeys.get(where.filter);
  if (key === undefined) {
    key = `${where.resource.name}:${JSON.stringify(where.filter, jsonSafe)}`;
    whereKeys.set(where.filter, key);
  }
  return key;
}

function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? `${value}n` : value;
}

/** Reads the snapshots of events by id (the outbox's {@link Outbox.snapshots}). */
export type SnapshotReader = Pick<Outbox, "snapshots">;

type Snapshot = Record<string, unknown> | null;

export class ChangeViewer {
  readonly #runtime: Runtime;
  readonly #outbox: SnapshotReader | undefined;
  readonly #cache = new Map<string, Promise<VisibleChange | undefined>>();
  readonly #snapshots = new Map<string, Promise<Snapshot>>();
  /** Event ids waiting for the next batch read, and that read. */
  #pending: string[] = [];
  #batch: Promise<Map<string, Snapshot>> | undefined;

  /** Without an outbox, every change is checked against the record as the service reads it. */
  constructor(runtime: Runtime, outbox?: SnapshotReader) {
    this.#runtime = runtime;
    this.#outbox = outbox;
  }

  /**
   * The change as `ctx`'s actor may see it, or undefined when that actor may not see it at all, or
   * when the record does not match `where` (deletes and purges always pass: no record is left to test).
   */
  view(ctx: RequestContext, event: ChangeEvent, where?: ChangeWhere): Promise<VisibleChange | undefined> {
    const checked = where !== undefined && !GONE_ACTIONS.has(event.action);
    const key = `${event.id}|${actorViewKey(ctx.actor)}|${checked ? whereKey(where) : ""}`;
    let found = this.#cache.get(key);
    if (!found) {
      // With a `where`, the check is this view's own; the record is the actor's, shared with its other subscriptions.
      found = checked
        ? this.#matches(ctx, event, where).then((yes) => (yes ? this.view(ctx, event) : undefined))
        : this.#compute(ctx, event);
      this.#cache.set(key, found);
      if (this.#cache.size > CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value as string);
    }
    return found;
  }

  /** Whether the record, as it stands, matches `where` for this actor. */
  async #matches(subscriber: RequestContext, event: ChangeEvent, { resource, filter }: ChangeWhere): Promise<boolean> {
    const service = this.#runtime.service(resource.name);
    const count = await service.count(
      this.#fresh(subscriber),
      { and: [{ field: resource.id.name, op: "eq", value: event.recordId }, filter] },
      resource.softDelete ? "include" : undefined,
    );
    return count > 0;
  }

  async #compute(subscriber: RequestContext, event: ChangeEvent): Promise<VisibleChange | undefined> {
    const ctx = this.#fresh(subscriber);
    const record = await this.#load(ctx, event);
    if (record === undefined) return undefined;
    const service = this.#runtime.service(event.resource);
    return { event, record, changed: event.changed.filter((name) => service.canRead(ctx, name)) };
  }

  /**
   * Fresh loaders per event: a subscriber's context lives long, and its cached rows would go stale. Reads
   * on the primary: the event comes from a commit a read replica may not have replayed yet.
   */
  #fresh(subscriber: RequestContext): RequestContext {
    const fresh = this.#runtime.context({ actor: subscriber.actor, requestId: subscriber.requestId, primary: true });
    return { ...subscriber, loaders: fresh.loaders, reads: fresh.reads };
  }

  /** The record `event`'s write left, read once per event; the events asked for in one tick in one statement. */
  #snapshot(event: ChangeEvent): Promise<Snapshot> {
    const outbox = this.#outbox;
    if (!outbox) return Promise.resolve(null);
    let found = this.#snapshots.get(event.id);
    if (!found) {
      this.#pending.push(event.id);
      this.#batch ??= Promise.resolve().then(() => {
        const ids = this.#pending;
        this.#pending = [];
        this.#batch = undefined;
        return outbox.snapshots(ids);
      });
      found = this.#batch.then((snapshots) => snapshots.get(event.id) ?? null);
      this.#snapshots.set(event.id, found);
      if (this.#snapshots.size > CACHE_SIZE) this.#snapshots.delete(this.#snapshots.keys().next().value as string);
    }
    return found;
  }

  async #load(ctx: RequestContext, event: ChangeEvent): Promise<ResourceRecord | null | undefined> {
    const service = this.#runtime.service(event.resource);
    // Even "it went away" tells of a record: only subscribers whose tenant and scope held it hear of it.
    if (GONE_ACTIONS.has(event.action))
      return (await service.sawGone(ctx, event.recordId, event.revisionNumber)) ? null : undefined;
    const snapshot = await this.#snapshot(event);
    if (snapshot) {
      const seen = await service.seesSnapshot(ctx, event.recordId, snapshot);
      if (seen !== null) return seen;
    }
    try {
      const soft = service.resource.softDelete ? ({ deleted: "include" } as const) : {};
      return service.resource.revisions && event.revisionNumber !== null
        ? await service.get(ctx, event.recordId, { asOf: event.revisionNumber, ...soft })
        : await service.get(ctx, event.recordId, soft);
    } catch (error) {
      if (isAppError(error) && error.code === "NOT_FOUND") {
        // Gone since (its own later event says so) — or, for a subscriber limited by tenant or scope,
        // never theirs to see: then nothing is sent.
        return (await service.sawGone(ctx, event.recordId, null)) ? null : undefined;
      }
      if (isAppError(error) && (error.code === "FORBIDDEN" || error.code === "UNAUTHENTICATED")) return undefined;
      throw error;
    }
  }
}
