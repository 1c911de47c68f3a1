/**
 * What a subscriber sees of a change: the record as that subscriber may see it — the revision's
 * snapshot when the resource keeps revisions (the record as this very write left it), else the
 * current record — through the runtime service with the subscriber's own context, so hidden fields
 * (and, with issue E, scopes) hold for events exactly as for queries. Subscribers with the same actor
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
}

/** Actions after which the record is gone or in the trash: their changes carry no record. */
export const GONE_ACTIONS: ReadonlySet<string> = new Set(["delete", "purge"]);

export class ChangeViewer {
  readonly #runtime: Runtime;
  readonly #cache = new Map<string, Promise<ResourceRecord | null | undefined>>();

  constructor(runtime: Runtime) {
    this.#runtime = runtime;
  }

  /** The change as `ctx`'s actor may see it, or undefined when that actor may not see it at all. */
  async view(ctx: RequestContext, event: ChangeEvent): Promise<VisibleChange | undefined> {
    const key = `${event.id}|${String(ctx.actor.id)}|${ctx.actor.roles.join(",")}`;
    let found = this.#cache.get(key);
    if (!found) {
      found = this.#load(ctx, event);
      this.#cache.set(key, found);
      // Enough for every subscriber of a burst to share; old entries go.
      if (this.#cache.size > 5000) this.#cache.delete(this.#cache.keys().next().value as string);
    }
    const record = await found;
    return record === undefined ? undefined : { event, record };
  }

  async #load(subscriber: RequestContext, event: ChangeEvent): Promise<ResourceRecord | null | undefined> {
    if (GONE_ACTIONS.has(event.action)) return null;
    // Fresh loaders per event: a subscriber's context lives long, and its cached rows would go stale.
    const ctx = { ...subscriber, loaders: this.#runtime.context({ actor: subscriber.actor, requestId: subscriber.requestId }).loaders };
    const service = this.#runtime.service(event.resource);
    try {
      const soft = service.resource.softDelete ? ({ deleted: "include" } as const) : {};
      return service.resource.revisions && event.revisionNumber !== null ? await service.get(ctx, event.recordId, { asOf: event.revisionNumber, ...soft }) : await service.get(ctx, event.recordId, soft);
    } catch (error) {
      if (isAppError(error) && error.code === "NOT_FOUND") return null;
      if (isAppError(error) && (error.code === "FORBIDDEN" || error.code === "UNAUTHENTICATED")) return undefined;
      throw error;
    }
  }
}
