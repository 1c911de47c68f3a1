/**
 * REST event streams (rest-dialect.md §21): `GET /<resource>/events` and `GET /events?resources=…`
 * answer `text/event-stream`, one SSE event per committed change, as the requester may see it. The
 * parameters are checked before the stream starts (a bad one is a 400 JSON error, which also stops an
 * EventSource from reconnecting); after that the stream runs until the client goes away. Every frame
 * carries the outbox event id, so a reconnecting EventSource sends `Last-Event-ID` and gets what it
 * missed, then the live events: no gap, no duplicate (the hub guarantees it; this is its transport).
 * Streams of one actor view share each change (change-view.ts), and so its frame: serialised and
 * encoded once, whatever the number of streams.
 */
import type { VisibleChange } from "../events/change-view.ts";
import type { Events } from "../events/events.ts";
import type { ResolvedResource, ResolvedSchema } from "../metadata/resolved.ts";
import type { RequestContext } from "../runtime/context.ts";
import { announcesChanges, unannouncedReason } from "../runtime/announced.ts";
import { AppError, isAppError, show } from "../runtime/errors.ts";
import { WRITE_ACTIONS } from "../runtime/hooks.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { isEventId } from "../storage/outbox.ts";
import { errorBody } from "./errors.ts";

/** A change as one SSE event's `data` carries it (§21.3). */
export interface EventFrame {
  /** The outbox id, also the SSE `id`: resume after it with `Last-Event-ID` or `after`. */
  readonly eventId: string;
  /** The REST resource name (its path), e.g. `posts`. */
  readonly resource: string;
  readonly action: string;
  /** The record's id, typed as in the record (a number for integer ids). */
  readonly id: string | number;
  /** The record as the requester may see it after the write; null after delete and purge. */
  readonly record: Record<string, unknown> | null;
  readonly revisionId: string | null;
  readonly revisionNumber: number | null;
  readonly actorId: string | null;
  /** Commit time, ISO 8601. */
  readonly at: string;
  /** Names of the fields the write changed. */
  readonly changed: readonly string[];
}

/** A parsed event stream request. */
export interface EventStreamQuery {
  /** The resources streamed (one on `/<resource>/events`). */
  readonly resources: readonly ResolvedResource[];
  readonly actions: readonly string[] | undefined;
  /** Only this record's changes (`id=`, on `/<resource>/events`), as the outbox writes record ids. */
  readonly recordId: string | undefined;
  /** Resume after this event id (`Last-Event-ID`, else `after`). */
  readonly after: string | undefined;
}

/** Options of {@link eventStream}. */
export interface EventStreamOptions {
  /** Interval of the `: ping` comment lines that keep proxies from closing an idle stream. @default 15 000 ms */
  heartbeatMs?: number;
  /** The reconnection delay suggested to EventSource clients (`retry:`). @default 3 000 ms */
  retryMs?: number;
}

/** Query parameters of a resource's stream (`one`) and of `/events` (`all`). */
export const EVENT_STREAM_PARAMS: Readonly<Record<"one" | "all", readonly string[]>> = {
  one: ["actions", "id", "after"],
  all: ["resources", "actions", "after"],
};

/**
 * Reads the query of an event stream: `resource` is the resource of `/<resource>/events`, or undefined
 * for `/events` (which takes `resources=posts,tags`; every resource when absent).
 */
export function parseEventStreamQuery(
  schema: ResolvedSchema,
  runtime: Runtime,
  resource: ResolvedResource | undefined,
  params: URLSearchParams,
  headers: Headers,
): EventStreamQuery {
  const allowed = EVENT_STREAM_PARAMS[resource ? "one" : "all"];
  for (const name of new Set(params.keys())) {
    if (!allowed.includes(name))
      throw new AppError(
        "BAD_REQUEST",
        `Unknown query parameter ${show(name)} on an event stream. Allowed: ${allowed.join(", ")}.`,
      );
    if (params.getAll(name).length > 1)
      throw new AppError(
        "BAD_REQUEST",
        `Query parameter ${show(name)} is given more than once; give it once (a comma list where it takes several values).`,
      );
  }
  const list = (name: string): string[] | undefined => {
    const raw = params.get(name);
    if (raw === null) return undefined;
    const items = raw.split(",").map((s) => s.trim());
    if (items.some((s) => s === ""))
      throw new AppError(
        "BAD_REQUEST",
        `Query parameter ${show(name)} must be a comma list without empty items, got ${show(raw)}.`,
      );
    return items;
  };

  let resources: readonly ResolvedResource[];
  if (resource) resources = [resource];
  else {
    const paths = list("resources");
    // Change events follow `list` (§26): a resource that serves no list has no stream.
    const streamed = schema.resources.filter((r) => r.operations.has("list") && announcesChanges(r));
    const byPath = new Map(streamed.map((r) => [r.names.path, r]));
    const unknown = paths?.filter((p) => !byPath.has(p)) ?? [];
    if (unknown.length > 0) {
      const elsewhere = schema.resources.find((r) => unknown.includes(r.names.path) && !announcesChanges(r));
      throw new AppError(
        "BAD_REQUEST",
        elsewhere
          ? `${unannouncedReason(elsewhere)}. Resources: ${[...byPath.keys()].join(", ")}.`
          : `Unknown resource ${unknown.map(show).join(", ")} in "resources". Resources: ${[...byPath.keys()].join(", ")}.`,
      );
    }
    resources = paths ? [...new Set(paths)].map((p) => byPath.get(p) as ResolvedResource) : streamed;
  }

  const actions = list("actions");
  const wrong = actions?.filter((a) => !(WRITE_ACTIONS as readonly string[]).includes(a)) ?? [];
  if (wrong.length > 0)
    throw new AppError(
      "BAD_REQUEST",
      `Unknown action ${wrong.map(show).join(", ")} in "actions". Actions: ${WRITE_ACTIONS.join(", ")}.`,
    );

  const rawId = params.get("id");
  // The service parses ids as it does for every route (400 on a malformed one); the outbox holds them as text.
  const recordId = rawId === null || !resource ? undefined : String(runtime.service(resource.name).parseId(rawId));

  // Last-Event-ID is what a reconnecting EventSource sends: it wins over the `after` of the URL it reuses.
  const header = headers.get("last-event-id");
  const fromParam = params.get("after");
  const after = header !== null && header.trim() !== "" ? header.trim() : (fromParam ?? undefined);
  if (after !== undefined && !isEventId(after)) {
    throw new AppError(
      "BAD_REQUEST",
      `${header !== null && header.trim() !== "" ? "Header Last-Event-ID" : 'Query parameter "after"'} must be an event id (a whole number, the id of an event received), got ${show(after)}.`,
    );
  }
  return { resources, actions: actions ? [...new Set(actions)] : undefined, recordId, after };
}

/**
 * Answers an event stream: checks that the resume point is still in the outbox (400 otherwise), then
 * streams. A fresh stream starts after the newest event this instance has handed out, announced in a
 * first `ready` event whose id is that point, so even a client that receives no change before a
 * reconnect resumes without a gap.
 */
export async function eventStream(
  events: Events,
  runtime: Runtime,
  ctx: RequestContext,
  request: Request,
  query: EventStreamQuery,
  options: EventStreamOptions = {},
): Promise<Response> {
  // A stream of one resource is refused up front to those who may not read it (401/403).
  if (query.resources.length === 1)
    await runtime.service((query.resources[0] as ResolvedResource).name).authorizeRead(ctx);
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const retryMs = options.retryMs ?? 3_000;
  const names = query.resources.map((r) => r.name);
  const filter = { resources: names, actions: query.actions };
  let after = query.after;
  if (after === undefined) after = await events.hub.latestId();
  else {
    // An aborted stream runs only the hub's own check of the resume point (malformed, or older than
    // the outbox keeps) and ends: the error becomes a 400 here, before the 200 of the stream is sent.
    await events.hub.checkResumable(after);
  }
  const start = after;

  const stop = new AbortController();
  const onAbort = () => stop.abort();
  request.signal.addEventListener("abort", onAbort, { once: true });
  let heartbeat: NodeJS.Timeout | undefined;

  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (bytes: Uint8Array) => {
        if (stop.signal.aborted) return;
        try {
          controller.enqueue(bytes);
        } catch {
          stop.abort(); // the reader is gone
        }
      };
      send(encoder.encode(`retry: ${retryMs}\n${frame(start, "ready", { after: start })}`));
      heartbeat = setInterval(() => send(PING), heartbeatMs);
      heartbeat.unref();
      void (async () => {
        try {
          for await (const event of events.hub.stream({ ...filter, after: start, signal: stop.signal })) {
            if (query.recordId !== undefined && event.recordId !== query.recordId) continue;
            const visible = await events.viewer.view(ctx, event);
            if (visible === undefined || stop.signal.aborted) continue;
            send(changeFrame(runtime, visible));
          }
        } catch (error) {
          // A stream that fell too far behind (or lost the database) ends with a reason; the client
          // reconnects with its Last-Event-ID and resumes.
          const reason = isAppError(error)
            ? errorBody(error)
            : { message: "The event stream failed; reconnect to resume.", code: "UNAVAILABLE" };
          send(encoder.encode(`event: error\ndata: ${JSON.stringify(reason)}\n\n`));
        } finally {
          clearInterval(heartbeat);
          request.signal.removeEventListener("abort", onAbort);
          if (!stop.signal.aborted) {
            stop.abort();
            try {
              controller.close();
            } catch {
              // already closed by the client
            }
          }
        }
      })();
    },
    cancel() {
      clearInterval(heartbeat);
      stop.abort();
    },
  });
  return new Response(body, {
    status: 200,
    headers: {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache, no-transform",
      Connection: "keep-alive",
      // nginx buffers responses unless told otherwise, which would hold events back.
      "X-Accel-Buffering": "no",
    },
  });
}

const encoder = new TextEncoder();
const PING = encoder.encode(": ping\n\n");

/** Frames of changes, by the change object the viewer shares between streams of one actor view. */
const frames = new WeakMap<VisibleChange, Uint8Array>();

/** The SSE event of a change, made once per shared change. */
function changeFrame(runtime: Runtime, visible: VisibleChange): Uint8Array {
  let bytes = frames.get(visible);
  if (bytes === undefined) {
    bytes = encoder.encode(frame(visible.event.id, visible.event.action, toFrame(runtime, visible)));
    frames.set(visible, bytes);
  }
  return bytes;
}

/** One SSE event. JSON has no raw newline, so `data` is one line. */
function frame(id: string, type: string, data: unknown): string {
  return `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value))}\n\n`;
}

function toFrame(runtime: Runtime, { event, record, changed }: VisibleChange): EventFrame {
  return {
    eventId: event.id,
    resource: runtime.schema.resource.get(event.resource)?.names.path ?? event.resource,
    action: event.action,
    id: runtime.service(event.resource).parseId(event.recordId),
    record,
    revisionId: event.revisionId,
    revisionNumber: event.revisionNumber,
    actorId: event.actorId,
    at: event.at,
    changed,
  };
}
