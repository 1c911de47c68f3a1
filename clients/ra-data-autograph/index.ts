/**
 * react-admin data provider for Autograph's REST API: ra-data-simple-rest, plus the methods that
 * react-admin Enterprise Edition's soft delete (ra-soft-delete / ra-core-ee) and history (ra-history)
 * packages call, mapped onto Autograph's trash and revision endpoints, ra-realtime's subscribe /
 * unsubscribe over Autograph's event streams (EventSource on GET /:resource/events), and ra-realtime's
 * record locks (lock, unlock, getLock, getLocks) over /:resource/:id/lock and /:resource/locks.
 *
 * The contract each method follows, and where it comes from, is in
 * docs/guides/react-admin-lifecycle.md.
 */
import { type DataProvider, fetchUtils, HttpError, type Identifier, type RaRecord } from "ra-core";
import simpleRestProvider from "ra-data-simple-rest";

/**
 * A record in the trash, shaped as ra-soft-delete's "deleted record".
 *
 * @example
 * { id: "posts:12", resource: "posts", deleted_at: "2025-06-06T15:32:22.000Z", deleted_by: "system", data: { id: 12, title: "…" } }
 */
export interface DeletedRecord<R extends RaRecord = RaRecord> {
  /**
   * `<resource>:<record id>`. ra-soft-delete's getOneDeleted, restoreOne, restoreMany, hardDelete and
   * hardDeleteMany receive this id and no resource name, so the id carries both.
   */
  id: string;
  /** The REST resource name, e.g. `posts`. */
  resource: string;
  /** When the record was trashed (ISO 8601), from the record's `deletedAt`. */
  deleted_at: string;
  /** Who trashed it (the server's actor id, or its default actor), from the record's `deletedBy`. */
  deleted_by: string | null;
  /** The record as the API presents it (its `deletedAt` set). */
  data: R;
}

/**
 * One revision of a record, shaped as ra-history's revision, with Autograph's own fields alongside.
 *
 * @example
 * { id: "6f1c…", resource: "posts", recordId: 12, data: { id: 12, title: "…" }, authorId: "system",
 *   date: "2025-06-06T15:32:22.000Z", message: "Updated title, body", description: "Revision 3 (update)",
 *   number: 3, parentNumber: 2, action: "update", status: "stable" }
 */
export interface Revision<R extends RaRecord = RaRecord> {
  /** The revision's own id (a UUID). */
  id: string;
  resource: string;
  recordId: Identifier;
  /** The record's fields after the write that made the revision. */
  data: R;
  /** Who wrote it (the server's actor id, or its default actor). */
  authorId: string | null;
  /** When it was written (ISO 8601). */
  date: string;
  /** Made up from the write, e.g. "Created", "Updated title, body", "Deleted": the server stores no message. */
  message: string;
  /** `Revision <number> (<action>)`, plus `, draft` for a draft. */
  description: string;
  /** 1, 2, 3… per record. */
  number: number;
  /** The revision this one follows; null for the first. */
  parentNumber: number | null;
  /** The write that made it: create, update, patch, delete, restore, revert, purge or publish. */
  action: string;
  /** `stable`, or `draft` in draft mode. */
  status: string;
}

/** Sort and pagination as react-admin passes them. */
interface ListParams {
  filter?: Record<string, unknown>;
  sort?: { field: string; order: "ASC" | "DESC" | string };
  pagination?: { page: number; perPage: number };
  meta?: unknown;
  signal?: AbortSignal;
}

/** The methods ra-soft-delete and ra-history call, on top of react-admin's own. */
export interface LifecycleMethods<R extends RaRecord = RaRecord> {
  /** DELETE /:resource/:id on a soft-deleted resource (refused, without a request, on any other). */
  softDelete(
    resource: string,
    params: { id: Identifier; authorId?: Identifier; previousData?: R; meta?: unknown },
  ): Promise<{ data: DeletedRecord<R> }>;
  /** DELETE /:resource/batch with the ids: all or nothing. */
  softDeleteMany(
    resource: string,
    params: { ids: Identifier[]; authorId?: Identifier; meta?: unknown },
  ): Promise<{ data: DeletedRecord<R>[] }>;
  /** GET /:resource/:id?deleted=only. */
  getOneDeleted(params: { id: string; meta?: unknown; signal?: AbortSignal }): Promise<{ data: DeletedRecord<R> }>;
  /** GET /:resource?deleted=only, for `filter.resource` (or every resource of `softDeleteResources`). */
  getListDeleted(params: ListParams): Promise<{ data: DeletedRecord<R>[]; total: number }>;
  /** POST /:resource/:id/restore; answers the deleted record it restored. */
  restoreOne(params: { id: string; meta?: unknown }): Promise<{ data: DeletedRecord<R> }>;
  /** POST /:resource/batch/restore per resource; answers the deleted records it restored. */
  restoreMany(params: { ids: string[]; meta?: unknown }): Promise<{ data: DeletedRecord<R>[] }>;
  /** POST /:resource/:id/purge (a hard delete). */
  hardDelete(params: { id: string; previousData?: DeletedRecord; meta?: unknown }): Promise<{ data: string }>;
  /** POST /:resource/batch/purge per resource. */
  hardDeleteMany(params: { ids: string[]; meta?: unknown }): Promise<{ data: string[] }>;
  /** GET /:resource/:id/revisions, oldest first. */
  getRevisions(
    resource: string,
    params: { recordId: Identifier; meta?: unknown; signal?: AbortSignal },
  ): Promise<{ data: Revision<R>[] }>;
  /**
   * Makes `data` the record's latest revision: every write already records one, so when the latest
   * revision holds `data` already (ra-history calls this right after its own save) it is answered as
   * is; otherwise `data` is written with PUT /:resource/:id, which records a new revision.
   */
  addRevision(
    resource: string,
    params: { recordId: Identifier; data: Partial<R>; authorId?: Identifier; message?: string; description?: string },
  ): Promise<{ data: Revision<R> }>;
  /** Deletes nothing: revisions are an immutable audit trail and outlive their record. Answers `{ data: [] }`. */
  deleteRevisions(resource: string, params: { recordId: Identifier }): Promise<{ data: string[] }>;
  /** POST /:resource/:id/revert/:number: a new revision equal to revision `number`. Not part of ra-history. */
  revert(resource: string, params: { id: Identifier; number: number }): Promise<{ data: R }>;
}

/**
 * A realtime event as ra-realtime's CRUD hooks read it: `type` is `created`, `updated` or `deleted`,
 * `payload.ids` the records concerned. `meta` carries Autograph's event (not read by ra-realtime).
 *
 * @example
 * { topic: "resource/posts", type: "updated", payload: { ids: [12] }, date: new Date("2026-06-06T15:32:22.000Z"),
 *   meta: { eventId: "42", action: "patch", record: { id: 12, title: "…" }, revisionNumber: 3, actorId: "system", changed: ["title"] } }
 */
export interface RealtimeEvent {
  topic: string;
  type: "created" | "updated" | "deleted";
  payload: { ids: Identifier[] };
  date: Date;
  meta: {
    eventId: string;
    action: string;
    record: RaRecord | null;
    revisionNumber: number | null;
    actorId: string | null;
    changed: string[];
  };
}

/** What the realtime methods need of an EventSource: the WHATWG one, in browsers or from the `eventsource` package. */
export interface EventSourceLike {
  addEventListener(type: string, listener: (event: MessageEvent) => void): void;
  close(): void;
  readonly readyState: number;
}

/** An EventSource class (`globalThis.EventSource` in browsers; `import { EventSource } from "eventsource"` in Node). */
export type EventSourceClass = new (url: string, init?: { withCredentials?: boolean }) => EventSourceLike;

/** ra-realtime's data provider methods (publishing is the server's job: `publish` rejects). */
export interface RealtimeMethods {
  /**
   * Calls `callback` with each change of `topic`: `resource/<resource>` (every record) or
   * `resource/<resource>/<id>` (one record). Resolves once the server has the subscription.
   */
  subscribe(topic: string, callback: (event: RealtimeEvent) => void): Promise<{ data: null }>;
  /** Stops calling `callback` for `topic`; the stream closes with its last callback. */
  unsubscribe(topic: string, callback: (event: RealtimeEvent) => void): Promise<{ data: null }>;
  /** Rejects: events come from committed writes only, never from clients. */
  publish(topic: string, event: unknown): Promise<never>;
}

/**
 * A record lock, shaped as ra-realtime's lock, with its expiry alongside.
 *
 * @example
 * { id: "0b6f…", resource: "posts", recordId: 12, identity: "3", createdAt: "2026-06-06T15:32:22.000Z", expiresAt: "2026-06-06T15:37:22.000Z" }
 */
export interface Lock {
  /** The lock's own id (a UUID); the same while its holder renews it. */
  id: string;
  /** The resource name, e.g. `posts`. */
  resource: string;
  /** The locked record's id, typed as in the record. */
  recordId: Identifier;
  /** Who holds it: the server's actor id (the signed-in user, never the identity sent). */
  identity: string;
  /** When its holder took it (ISO 8601). */
  createdAt: string;
  /** When it stops holding unless its holder locks again (ISO 8601). */
  expiresAt: string;
}

/** ra-realtime's lock methods. */
export interface LockMethods {
  /**
   * POST /:resource/:id/lock: locks the record for the signed-in user, or renews their lock. `identity`
   * is not sent: the server takes the owner from the credentials. `meta.ttlSeconds` asks for a lifetime
   * (default: the server's, 5 minutes). Rejects with a 409 HttpError (`body.details: { ownerId, expiresAt }`)
   * when someone else holds it.
   */
  lock(
    resource: string,
    params: { id: Identifier; identity?: Identifier; meta?: { ttlSeconds?: number } & Record<string, unknown> },
  ): Promise<{ data: Lock }>;
  /** DELETE /:resource/:id/lock (204); no lock is no error. Answers what was unlocked. */
  unlock(
    resource: string,
    params: { id: Identifier; identity?: Identifier; meta?: unknown },
  ): Promise<{ data: { resource: string; recordId: Identifier } }>;
  /** GET /:resource/:id/lock; `data` is undefined when nobody holds a lock (the server's 404). */
  getLock(
    resource: string,
    params: { id: Identifier; meta?: unknown; signal?: AbortSignal },
  ): Promise<{ data: Lock | undefined }>;
  /** GET /:resource/locks: the live locks of the records the user can read, oldest first. */
  getLocks(resource: string, params?: { meta?: unknown; signal?: AbortSignal }): Promise<{ data: Lock[] }>;
}

/** ra-data-simple-rest's methods, the lifecycle, realtime and lock ones; `R` types the records the lifecycle methods return. */
export type AutographDataProvider<R extends RaRecord = RaRecord> = DataProvider &
  LifecycleMethods<R> &
  RealtimeMethods &
  LockMethods;

/** Options of {@link autographDataProvider}. */
export interface AutographDataProviderOptions {
  /**
   * The soft-deleted resources `getListDeleted` reads when its filter names no `resource` (the
   * deleted records list of all resources). Without it, such a call fails, saying so.
   * @default []
   * @example ["posts", "comments"]
   */
  softDeleteResources?: readonly string[];
  /**
   * The EventSource class the realtime methods open streams with. @default globalThis.EventSource
   * @example import { EventSource } from "eventsource"; // Node
   */
  EventSource?: EventSourceClass;
  /** Send cookies with the event streams (a cross-origin server needs CORS credentials then). @default false */
  withCredentials?: boolean;
}

/** Fields the server maintains itself: a difference in them alone is no change of the record's content. */
const SERVER_FIELDS = new Set([
  "id",
  "version",
  "createdAt",
  "createdBy",
  "updatedAt",
  "updatedBy",
  "deletedAt",
  "deletedBy",
]);

const ACTION_WORDS: Record<string, string> = {
  create: "Created",
  update: "Updated",
  patch: "Updated",
  delete: "Deleted",
  restore: "Restored",
  revert: "Reverted",
  purge: "Purged",
  publish: "Published",
};

/**
 * ra-data-simple-rest over `apiUrl` (e.g. `http://localhost:4000/api`), plus the soft delete and
 * history methods of react-admin Enterprise Edition.
 *
 * @example
 * import { autographDataProvider } from "./clients/ra-data-autograph/index.ts";
 * const dataProvider = autographDataProvider("http://localhost:4000/api");
 * await dataProvider.softDelete("posts", { id: 12 });
 * const { data, total } = await dataProvider.getListDeleted({ filter: { resource: "posts" }, pagination: { page: 1, perPage: 10 }, sort: { field: "deleted_at", order: "DESC" } });
 * await dataProvider.restoreOne({ id: data[0].id });
 */
export function autographDataProvider(
  apiUrl: string,
  httpClient: typeof fetchUtils.fetchJson = fetchUtils.fetchJson,
  options: AutographDataProviderOptions = {},
): AutographDataProvider {
  const base = simpleRestProvider(apiUrl, httpClient);
  const url = (resource: string, ...path: (string | number)[]) =>
    [`${apiUrl}/${resource}`, ...path.map((p) => encodeURIComponent(String(p)))].join("/");
  const send = async (target: string, method: string, body?: unknown) =>
    (await httpClient(target, body === undefined ? { method } : { method, body: JSON.stringify(body) })).json;

  // Whether a resource keeps a trash, asked once per resource: a DELETE on a resource without one is a
  // hard delete, which softDelete must never do by accident. Only a definite answer is remembered.
  const trashOf = new Map<string, Promise<boolean>>();
  const hasTrash = (resource: string): Promise<boolean> => {
    let known = trashOf.get(resource);
    if (!known) {
      known = httpClient(`${url(resource)}?${new URLSearchParams({ deleted: "only", range: "[0,0]" })}`).then(
        () => true,
        (error: unknown) => {
          trashOf.delete(resource);
          if (error instanceof HttpError && error.status === 400) return false;
          throw error;
        },
      );
      trashOf.set(resource, known);
    }
    return known;
  };
  const requireTrash = async (resource: string, method: string) => {
    if (!(await hasTrash(resource))) {
      throw new HttpError(
        `${method}: ${resource} have no trash (the resource declares no softDelete), so a delete would destroy the record; use delete or hardDelete.`,
        400,
      );
    }
  };

  const listTrash = async (resource: string, params: ListParams): Promise<{ data: DeletedRecord[]; total: number }> => {
    const { page, perPage } = params.pagination ?? { page: 1, perPage: 10 };
    const { field, order } = params.sort ?? { field: "deleted_at", order: "DESC" };
    const { resource: _resource, ...filter } = params.filter ?? {};
    const [start, end] = [(page - 1) * perPage, page * perPage - 1];
    const query = new URLSearchParams({
      deleted: "only",
      sort: JSON.stringify([recordField(field), order]),
      range: JSON.stringify([start, end]),
      filter: JSON.stringify(recordFilter(filter)),
    });
    const { headers, json } = await httpClient(`${url(resource)}?${query}`, {
      headers: new Headers({ Range: `${resource}=${start}-${end}` }),
      ...(params.signal ? { signal: params.signal } : {}),
    });
    const range = headers.get("content-range");
    if (!range)
      throw new Error(
        `The Content-Range header is missing in the response to GET ${resource}?deleted=only; behind CORS, the server must list it in Access-Control-Expose-Headers.`,
      );
    return {
      data: (json as RaRecord[]).map((record) => toDeleted(resource, record)),
      total: Number.parseInt(range.split("/").pop() ?? "", 10),
    };
  };

  // Each resource's deleted records, in the order of `ids`, or a 404 naming those not in the trash.
  const trashed = async (ids: readonly string[]): Promise<DeletedRecord[]> => {
    const found = new Map<string, DeletedRecord>();
    for (const [resource, recordIds] of byResource(ids)) {
      const { data } = await listTrash(resource, {
        filter: { id: recordIds },
        pagination: { page: 1, perPage: recordIds.length },
        sort: { field: "id", order: "ASC" },
      });
      for (const record of data) found.set(record.id, record);
    }
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) throw new HttpError(`Not in the trash: ${missing.join(", ")}.`, 404);
    return ids.map((id) => found.get(id) as DeletedRecord);
  };

  const revisionsOf = async (resource: string, recordId: Identifier, signal?: AbortSignal): Promise<Revision[]> => {
    const { json } = await httpClient(url(resource, recordId, "revisions"), signal ? { signal } : {});
    const raw = json as RawRevision[];
    const byNumber = new Map(raw.map((r) => [r.number, r]));
    return raw.map((r) =>
      toRevision(resource, recordId, r, r.parentNumber === null ? undefined : byNumber.get(r.parentNumber)),
    );
  };

  const methods: LifecycleMethods = {
    async softDelete(resource, params) {
      await requireTrash(resource, "softDelete");
      return { data: toDeleted(resource, await send(url(resource, params.id), "DELETE")) };
    },

    async softDeleteMany(resource, params) {
      await requireTrash(resource, "softDeleteMany");
      const result = (await send(url(resource, "batch"), "DELETE", params.ids)) as BatchResult;
      const records = succeeded(result);
      // The server's security profile may answer ids alone (rest-dialect.md §22.3): read the records from the trash.
      if (records.every((record) => record !== undefined))
        return { data: records.map((record) => toDeleted(resource, record)) };
      return { data: await trashed(params.ids.map((id) => `${resource}:${id}`)) };
    },

    async getOneDeleted(params) {
      const { resource, recordId } = parseDeletedId(params.id);
      const { json } = await httpClient(
        `${url(resource, recordId)}?deleted=only`,
        params.signal ? { signal: params.signal } : {},
      );
      return { data: toDeleted(resource, json) };
    },

    async getListDeleted(params) {
      const resource = params.filter?.resource;
      if (typeof resource === "string") return listTrash(resource, params);
      if (resource !== undefined)
        throw new HttpError(
          `getListDeleted: filter.resource must be a resource name, got ${JSON.stringify(resource)}.`,
          400,
        );
      const resources = options.softDeleteResources ?? [];
      if (resources.length === 0) {
        throw new HttpError(
          "getListDeleted: filter.resource is missing. Name the resource (<DeletedRecordsList resource>), or pass softDeleteResources to autographDataProvider to list the trash of several.",
          400,
        );
      }
      return listAcross(resources, params, listTrash);
    },

    async restoreOne(params) {
      const [deleted] = await trashed([params.id]);
      const { resource, recordId } = parseDeletedId(params.id);
      await send(url(resource, recordId, "restore"), "POST");
      return { data: deleted as DeletedRecord };
    },

    async restoreMany(params) {
      const deleted = await trashed(params.ids);
      for (const [resource, recordIds] of byResource(params.ids))
        await send(url(resource, "batch", "restore"), "POST", recordIds);
      return { data: deleted };
    },

    async hardDelete(params) {
      const { resource, recordId } = parseDeletedId(params.id);
      await send(url(resource, recordId, "purge"), "POST");
      return { data: params.id };
    },

    async hardDeleteMany(params) {
      for (const [resource, recordIds] of byResource(params.ids))
        await send(url(resource, "batch", "purge"), "POST", recordIds);
      return { data: params.ids };
    },

    async getRevisions(resource, params) {
      return { data: await revisionsOf(resource, params.recordId, params.signal) };
    },

    async addRevision(resource, params) {
      const latest = (await revisionsOf(resource, params.recordId)).at(-1);
      if (latest && holds(latest.data, params.data)) return { data: latest };
      await send(url(resource, params.recordId), "PUT", params.data);
      const written = (await revisionsOf(resource, params.recordId)).at(-1);
      if (!written)
        throw new HttpError(
          `addRevision: ${resource} ${params.recordId} was written but has no revision; does the resource declare revisions?`,
          500,
        );
      return { data: written };
    },

    async deleteRevisions() {
      return { data: [] };
    },

    async revert(resource, params) {
      return { data: await send(url(resource, params.id, "revert", params.number), "POST") };
    },
  };
  return { ...base, ...methods, ...realtimeMethods(apiUrl, options), ...lockMethods(url, httpClient) };
}

/** lock / unlock / getLock / getLocks over the lock routes (rest-dialect.md §24). */
function lockMethods(
  url: (resource: string, ...path: (string | number)[]) => string,
  httpClient: typeof fetchUtils.fetchJson,
): LockMethods {
  // The resource as react-admin names it, whatever the server calls it.
  const asLock = (resource: string, lock: Lock): Lock => ({ ...lock, resource });
  return {
    async lock(resource, params) {
      const ttlSeconds = params.meta?.ttlSeconds;
      const { json } = await httpClient(url(resource, params.id, "lock"), {
        method: "POST",
        ...(ttlSeconds === undefined ? {} : { body: JSON.stringify({ ttlSeconds }) }),
      });
      return { data: asLock(resource, json as Lock) };
    },

    async unlock(resource, params) {
      await httpClient(url(resource, params.id, "lock"), { method: "DELETE" });
      return { data: { resource, recordId: params.id } };
    },

    async getLock(resource, params) {
      try {
        const { json } = await httpClient(
          url(resource, params.id, "lock"),
          params.signal ? { signal: params.signal } : {},
        );
        return { data: asLock(resource, json as Lock) };
      } catch (error) {
        if (error instanceof HttpError && error.status === 404) return { data: undefined };
        throw error;
      }
    },

    async getLocks(resource, params = {}) {
      const { json } = await httpClient(url(resource, "locks"), params.signal ? { signal: params.signal } : {});
      return { data: (json as Lock[]).map((lock) => asLock(resource, lock)) };
    },
  };
}

const CHANGE_ACTIONS = ["create", "update", "patch", "delete", "restore", "revert", "purge", "publish"] as const;

/** ra-realtime's event type of an Autograph write: a restore brings a record back, as an update of it. */
function eventType(action: string): RealtimeEvent["type"] {
  if (action === "create") return "created";
  return action === "delete" || action === "purge" ? "deleted" : "updated";
}

/**
 * subscribe / unsubscribe / publish over the event streams: one EventSource per topic, shared by its
 * callbacks. The server sends a `ready` event first, with an event id, so the EventSource knows where it
 * is from the start: when the connection drops it reconnects by itself with Last-Event-ID and the
 * server replays what was missed, once and in order.
 */
function realtimeMethods(apiUrl: string, options: AutographDataProviderOptions): RealtimeMethods {
  const streams = new Map<
    string,
    { source: EventSourceLike; callbacks: Set<(event: RealtimeEvent) => void>; ready: Promise<void> }
  >();

  const streamUrl = (topic: string): string => {
    const match = /^resource\/([^/]+)(?:\/(.+))?$/.exec(topic);
    if (!match)
      throw new HttpError(
        `subscribe: unsupported topic ${JSON.stringify(topic)}; use resource/<resource> or resource/<resource>/<id>.`,
        400,
      );
    const [, resource, id] = match;
    return `${apiUrl}/${encodeURIComponent(resource as string)}/events${id === undefined ? "" : `?${new URLSearchParams({ id })}`}`;
  };

  return {
    async subscribe(topic, callback) {
      const existing = streams.get(topic);
      if (existing) {
        existing.callbacks.add(callback);
        await existing.ready;
        return { data: null };
      }
      const url = streamUrl(topic);
      const Source = options.EventSource ?? (globalThis as { EventSource?: EventSourceClass }).EventSource;
      if (!Source)
        throw new Error(
          "subscribe: no EventSource here; pass one as autographDataProvider's EventSource option (in Node: the eventsource package).",
        );
      const source = new Source(url, { withCredentials: options.withCredentials ?? false });
      const callbacks = new Set([callback]);
      const ready = new Promise<void>((resolve, reject) => {
        source.addEventListener("ready", () => resolve());
        source.addEventListener("error", () => {
          // CLOSED: the server refused the stream (a 4xx); anything else is a reconnect in progress.
          if (source.readyState === 2) {
            streams.delete(topic);
            reject(new HttpError(`subscribe: the event stream of ${JSON.stringify(topic)} was refused (${url}).`, 400));
          }
        });
      });
      for (const action of CHANGE_ACTIONS) {
        source.addEventListener(action, (message) => {
          const frame = JSON.parse(message.data as string) as {
            eventId: string;
            action: string;
            id: Identifier;
            record: RaRecord | null;
            revisionNumber: number | null;
            actorId: string | null;
            at: string;
            changed: string[];
          };
          const event: RealtimeEvent = {
            topic,
            type: eventType(frame.action),
            payload: { ids: [frame.id] },
            date: new Date(frame.at),
            meta: {
              eventId: frame.eventId,
              action: frame.action,
              record: frame.record,
              revisionNumber: frame.revisionNumber,
              actorId: frame.actorId,
              changed: frame.changed,
            },
          };
          for (const cb of [...callbacks]) cb(event);
        });
      }
      streams.set(topic, { source, callbacks, ready });
      try {
        await ready;
      } catch (error) {
        source.close();
        throw error;
      }
      return { data: null };
    },

    async unsubscribe(topic, callback) {
      const stream = streams.get(topic);
      if (!stream) return { data: null };
      stream.callbacks.delete(callback);
      if (stream.callbacks.size === 0) {
        stream.source.close();
        streams.delete(topic);
      }
      return { data: null };
    },

    async publish(topic) {
      throw new HttpError(
        `publish: not supported (topic ${JSON.stringify(topic)}). Autograph publishes an event for every committed write itself; write through the API instead.`,
        400,
      );
    },
  };
}

/** A revision as GET /:resource/:id/revisions answers it. */
interface RawRevision {
  id: string;
  number: number;
  parentNumber: number | null;
  action: string;
  status: string;
  actorId: string | null;
  createdAt: string;
  schemaVersion: number;
  data: RaRecord;
}

interface BatchResult {
  /** `record` under the legacy security profile; `id` alone under the others (rest-dialect.md §22.3). */
  succeeded: { index: number; record?: RaRecord; id?: Identifier }[];
  failed: { index: number; error: { message: string } }[];
}

function toRevision(resource: string, recordId: Identifier, r: RawRevision, parent: RawRevision | undefined): Revision {
  const word = ACTION_WORDS[r.action] ?? r.action;
  const changed =
    r.action === "update" || r.action === "patch" || r.action === "revert"
      ? changedFields(parent?.data ?? {}, r.data)
      : [];
  const message =
    changed.length > 0
      ? `${word} ${changed.join(", ")}`
      : r.action === "update" || r.action === "patch"
        ? `${word} (no field changed)`
        : word;
  return {
    id: r.id,
    resource,
    recordId,
    data: r.data,
    authorId: r.actorId,
    date: r.createdAt,
    message,
    description: `Revision ${r.number} (${r.action}${r.status === "draft" ? ", draft" : ""})`,
    number: r.number,
    parentNumber: r.parentNumber,
    action: r.action,
    status: r.status,
  };
}

/** Content fields whose value differs between two snapshots. */
function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
    (field) => !SERVER_FIELDS.has(field) && !same(before[field], after[field]),
  );
}

/** Whether `snapshot` holds every content field of `data` that it has (fields it lacks are not stored, so not compared). */
function holds(snapshot: Record<string, unknown>, data: Record<string, unknown>): boolean {
  return Object.keys(data).every(
    (field) => SERVER_FIELDS.has(field) || !(field in snapshot) || same(snapshot[field], data[field]),
  );
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function toDeleted(resource: string, record: RaRecord): DeletedRecord {
  const deletedAt = record.deletedAt;
  if (typeof deletedAt !== "string") {
    throw new HttpError(
      `Expected ${resource} ${String(record.id)} to be in the trash (deletedAt set), got deletedAt ${JSON.stringify(deletedAt)}.`,
      500,
    );
  }
  const deletedBy = record.deletedBy;
  return {
    id: `${resource}:${record.id}`,
    resource,
    deleted_at: deletedAt,
    deleted_by: deletedBy == null ? null : String(deletedBy),
    data: record,
  };
}

function parseDeletedId(id: unknown): { resource: string; recordId: string } {
  const text = String(id);
  const colon = text.indexOf(":");
  if (colon <= 0 || colon === text.length - 1)
    throw new HttpError(`Expected a deleted record id like "posts:12" (resource:id), got ${JSON.stringify(id)}.`, 400);
  return { resource: text.slice(0, colon), recordId: text.slice(colon + 1) };
}

/** Record ids grouped by resource, in first-seen order. */
function byResource(ids: readonly string[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const id of ids) {
    const { resource, recordId } = parseDeletedId(id);
    groups.set(resource, [...(groups.get(resource) ?? []), recordId]);
  }
  return groups;
}

function succeeded(result: BatchResult): (RaRecord | undefined)[] {
  return [...result.succeeded].sort((a, b) => a.index - b.index).map((s) => s.record);
}

/** A deleted record's field (`deleted_at`, `data.title`) as the record's own (`deletedAt`, `title`). */
function recordField(field: string): string {
  if (field === "deleted_at") return "deletedAt";
  if (field === "deleted_by") return "deletedBy";
  if (field === "resource") return "id";
  return field.startsWith("data.") ? field.slice("data.".length) : field;
}

/** A filter on deleted records, keyed like the records' own fields; operator suffixes (`deleted_at_gte`) are kept. */
function recordFilter(filter: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(filter).map(([key, value]) => {
      const renamed = key.replace(/^deleted_at(?=$|_)/, "deletedAt").replace(/^deleted_by(?=$|_)/, "deletedBy");
      return [renamed.startsWith("data.") ? renamed.slice("data.".length) : renamed, value];
    }),
  );
}

/**
 * The trash of several resources as one list: the first `page × perPage` of each, merged by the sort
 * field, then the page cut out (ra-soft-delete's in-place builder does the same; name one resource
 * where you can).
 */
async function listAcross(
  resources: readonly string[],
  params: ListParams,
  list: (resource: string, params: ListParams) => Promise<{ data: DeletedRecord[]; total: number }>,
): Promise<{ data: DeletedRecord[]; total: number }> {
  const { page, perPage } = params.pagination ?? { page: 1, perPage: 10 };
  const { field, order } = params.sort ?? { field: "deleted_at", order: "DESC" };
  const parts = await Promise.all(
    resources.map((resource) => list(resource, { ...params, pagination: { page: 1, perPage: page * perPage } })),
  );
  const value = (r: DeletedRecord): unknown =>
    field === "deleted_at"
      ? r.deleted_at
      : field === "deleted_by"
        ? r.deleted_by
        : field === "resource"
          ? r.resource
          : field === "id"
            ? r.id
            : r.data[recordField(field)];
  const direction = order === "DESC" ? -1 : 1;
  const all = parts.flatMap((p) => p.data).sort((a, b) => direction * compare(value(a), value(b)));
  return { data: all.slice((page - 1) * perPage, page * perPage), total: parts.reduce((sum, p) => sum + p.total, 0) };
}

function compare(a: unknown, b: unknown): number {
  if (a == null || b == null) return a == null ? (b == null ? 0 : -1) : 1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}
