/**
 * What a subscriber sees of a change: the record as that subscriber may see it — the revision's
 * snapshot when the resource keeps revisions (the record as this very write left it), else the
 * current record — through the runtime service with the subscriber's own context, so hidden fields,
 * permissions, tenants and scopes hold for events exactly as for queries. Subscribers with the same actor
 * share one lookup per event.
 */
import type { RequestContext } from "../runtime/context.ts";
import { isAppError } from "../runtime/errors.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { ResourceRecord } from "../runtime/service.ts";
import type { ChangeEvent } from "../storage/outbox.ts";

/** A change as one subscriber receives it. */
export interface VisibleChange {
  readonly event: ChangeEvent;
  /** The record after the write; null when it is gone or in the trash (delete, purge). */
  readonly record: ResourceRecord | null;
  /** The fields the write changed, of those the subscriber may see. */
  readonly changed: readonly string[];
}

/** Actions after which the record is gone or in the trash: their changes carry no record. */
export const GONE_ACTIONS: ReadonlySet<string> = new Set(["delete", "purge"]);

export class ChangeViewer {
  readonly #runtime: Runtime;
  readonly #cache = new Map<string, Promise<VisibleChange | undefined>>();

  constructor(runtime: Runtime) {
    this.#runtime = runtime;
  }

  /** The change as `ctx`'s actor may see it, or undefined when that actor may not see it at all. */
  async view(ctx: RequestContext, event: ChangeEvent): Promise<VisibleChange | undefined> {
    // Everything a rule or scope may read of the actor is in the key: equal actors share a lookup.
    const { id, roles, tenantId, claims } = ctx.actor;
    const key = `${event.id}|${String(id)}|${roles.join(",")}|${String(tenantId)}|${claims ? JSON.stringify(claims) : ""}`;
    let found = this.#cache.get(key);
    if (!found) {
      found = this.#load(ctx, event).then((record) => {
        if (record === undefined) return undefined;
        const service = this.#runtime.service(event.resource);
        return { event, record, changed: event.changed.filter((name) => service.canRead(ctx, name)) };
      });
      this.#cache.set(key, found);
      // Enough for every subscriber of a burst to share; old entries go.
      if (this.#cache.size > 5000) this.#cache.delete(this.#cache.keys().next().value as string);
    }
    return found;
  }

  async #load(subscriber: RequestContext, event: ChangeEvent): Promise<ResourceRecord | null | undefined> {
    // Fresh loaders per event: a subscriber's context lives long, and its cached rows would go stale.
    const ctx = { ...subscriber, loaders: this.#runtime.context({ actor: subscriber.actor, requestId: subscriber.requestId }).loaders };
    const service = this.#runtime.service(event.resource);
    // Even "it went away" tells of a record: only subscribers whose tenant and scope held it hear of it.
    if (GONE_ACTIONS.has(event.action)) return (await service.sawGone(ctx, event.recordId, event.revisionNumber)) ? null : undefined;
    try {
      const soft = service.resource.softDelete ? ({ deleted: "include" } as const) : {};
      return service.resource.revisions && event.revisionNumber !== null ? await service.get(ctx, event.recordId, { asOf: event.revisionNumber, ...soft }) : await service.get(ctx, event.recordId, soft);
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
