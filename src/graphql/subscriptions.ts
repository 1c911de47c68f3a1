/**
 * GraphQL subscriptions on change events: `postChanged` per resource and `resourceChanged` across
 * resources. The fields are built from metadata alone, so the SDL is the same with or without change
 * events (print-schema builds it offline); they read `events` only when a client subscribes.
 *
 * Every delivered item went through the change viewer with the subscriber's own context, so hidden
 * fields, permissions, tenants and scopes hold for subscriptions exactly as for queries. `where` is checked
 * by the runtime, per event, against the record as it stands when the event is delivered; subscribers
 * of one actor view and `where` share that check and the lookup (change-view.ts). A subscription
 * without `after` is live from now: {@link liveChangePosition} tells a transport where it stands, so
 * that equal live subscriptions can share one stream and one execution (events/fanout.ts).
 */
import type { ChangeWhere, VisibleChange } from "../events/change-view.ts";
import type { Events } from "../events/events.ts";
import type { StreamPosition } from "../events/fanout.ts";
import { SHARED_GRAPHQL_NAMES } from "../metadata/names.ts";
import type { RequestContext } from "../runtime/context.ts";
import { announcesChanges, unannouncedReason } from "../runtime/announced.ts";
import { AppError, show } from "../runtime/errors.ts";
import { WRITE_ACTIONS } from "../runtime/hooks.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { ResourceRecord } from "../runtime/service-types.ts";
import { isEventId } from "../storage/outbox.ts";
import type { Builder, GraphQLContext } from "./builder.ts";
import { toFilter } from "./arguments.ts";
import type { ResourceInputs } from "./inputs.ts";
import type { ObjectTypes } from "./object-types.ts";
import type { LeafTypes } from "./scalars.ts";

/** What subscriptions need to run; absent when the schema is only printed. */
export interface SubscriptionSource {
  readonly events?: Events | undefined;
  /** Ends every subscription of the schema when it aborts (shutdown). */
  readonly signal?: AbortSignal | undefined;
}

/** The actions a change can be, as the runtime names them (lowercase, like `ChangeAction`). */
export const CHANGE_ACTIONS = WRITE_ACTIONS;

/** Adds the Subscription type: one `<resource>Changed` field per resource, and `resourceChanged`. */
export function addSubscriptions(
  builder: Builder,
  runtime: Runtime,
  types: { objects: ObjectTypes; inputs: ReadonlyMap<string, ResourceInputs>; leaves: LeafTypes },
  source: SubscriptionSource,
): void {
  const { schema } = runtime;
  const action = builder.enumType(SHARED_GRAPHQL_NAMES.changeAction, {
    description: "What a committed write did to a record.",
    values: [...CHANGE_ACTIONS],
  });
  const dateTime = types.leaves.dateTime();
  const json = types.leaves.json();
  builder.subscriptionType({
    description: "Committed changes, as they happen (graphql-ws at /graphql, or GraphQL over SSE).",
  });

  // Change events follow `list` (a live list): a resource that serves none has no subscription, nor
  // one outside the default datasource, which appends no events (runtime/announced.ts).
  const streamed = schema.resources.filter((r) => r.operations.has("list") && announcesChanges(r));
  for (const resource of streamed) {
    const object = types.objects.get(resource.name);
    const where = types.inputs.get(resource.name)?.where;
    if (!object || !where) throw new Error(`Types of resource "${resource.name}" are missing`);
    const change = builder.objectRef<VisibleChange>(resource.names.changeType).implement({
      description: `A committed change of a ${resource.name}.`,
      fields: (t) => ({
        eventId: t.id({
          description: "The event's id: pass it as `after` to resume after this event.",
          resolve: (c) => c.event.id,
        }),
        action: t.field({ type: action, resolve: (c) => c.event.action as never }),
        id: t.id({ description: `The ${resource.name}'s id.`, resolve: (c) => c.event.recordId }),
        record: t.field({
          type: object,
          nullable: true,
          description: `The ${resource.name} as this write left it, as you may see it; null once it is deleted or purged.`,
          resolve: (c) => c.record,
        }),
        revisionId: t.id({ nullable: true, resolve: (c) => c.event.revisionId }),
        revisionNumber: t.int({ nullable: true, resolve: (c) => c.event.revisionNumber }),
        actorId: t.string({ nullable: true, description: "Who wrote it.", resolve: (c) => c.event.actorId }),
        at: t.field({ type: dateTime, description: "When it was committed.", resolve: (c) => c.event.at }),
        changed: t.stringList({ description: "The fields the write changed.", resolve: (c) => [...c.changed] }),
      }),
    });
    builder.subscriptionFields((t) => ({
      [resource.names.changed]: t.field({
        type: change,
        description:
          `Committed changes of ${resource.plural}: of the one with \`id\`, of those matching \`where\` (checked when the change is delivered; ` +
          "deletes and purges always pass, as there is no record left to test), of the `actions` given. With `after` (an `eventId`), " +
          "the changes since that event come first, then live ones: none missed, none twice.",
        args: {
          id: t.arg.id(),
          where: t.arg({ type: where }),
          actions: t.arg({ type: [action] }),
          after: t.arg.id({ description: "Resume after this event id." }),
        },
        subscribe: async (_root, args, ctx) => {
          const events = eventsOf(source);
          await runtime.service(resource.name).authorizeRead(ctx.context); // 401/403 now, not silence later
          const where = toFilter(schema, resource, args.where);
          if (where) await runtime.service(resource.name).count(ctx.context, where); // a bad `where` fails now, not at the first event
          return changes(events, runtime, ctx, source.signal, {
            resources: [resource.name],
            actions: actionsOf(args.actions),
            after: await afterOf(events, args.after),
            id: args.id === null || args.id === undefined ? undefined : String(args.id),
            where: where ? { resource, filter: where } : undefined,
          });
        },
        resolve: (c) => c,
      }),
    }));
  }

  const resourceChange = builder.objectRef<VisibleChange>(SHARED_GRAPHQL_NAMES.resourceChange).implement({
    description: "A committed change of a record of any resource.",
    fields: (t) => ({
      eventId: t.id({
        description: "The event's id: pass it as `after` to resume after this event.",
        resolve: (c) => c.event.id,
      }),
      resource: t.string({ description: "The resource's name, e.g. `post`.", resolve: (c) => c.event.resource }),
      action: t.field({ type: action, resolve: (c) => c.event.action as never }),
      id: t.id({ description: "The record's id.", resolve: (c) => c.event.recordId }),
      record: t.field({
        type: json,
        nullable: true,
        description:
          "The record's fields as this write left them, as you may see them; null once it is deleted or purged.",
        resolve: (c) => (c.record === null ? null : plain(c.record)),
      }),
      revisionId: t.id({ nullable: true, resolve: (c) => c.event.revisionId }),
      revisionNumber: t.int({ nullable: true, resolve: (c) => c.event.revisionNumber }),
      actorId: t.string({ nullable: true, description: "Who wrote it.", resolve: (c) => c.event.actorId }),
      at: t.field({ type: dateTime, description: "When it was committed.", resolve: (c) => c.event.at }),
      changed: t.stringList({ description: "The fields the write changed.", resolve: (c) => [...c.changed] }),
    }),
  });
  const names = streamed.map((r) => r.name);
  builder.subscriptionFields((t) => ({
    resourceChanged: t.field({
      type: resourceChange,
      description: `Committed changes of the \`resources\` given (by name: ${names.join(", ")}; default all) and \`actions\`. With \`after\` (an \`eventId\`), the changes since that event come first, then live ones.`,
      args: {
        resources: t.arg.stringList(),
        actions: t.arg({ type: [action] }),
        after: t.arg.id({ description: "Resume after this event id." }),
      },
      subscribe: async (_root, args, ctx) => {
        const events = eventsOf(source);
        const unknown = (args.resources ?? []).filter((name) => !names.includes(name));
        if (unknown.length > 0) {
          const elsewhere = unknown.map((n) => schema.resource.get(n)).find((r) => r && !announcesChanges(r));
          throw new AppError(
            "BAD_REQUEST",
            elsewhere
              ? `${unannouncedReason(elsewhere)}; expected some of ${names.join(", ")} in \`resources\`.`
              : `Unknown resource ${unknown.map((n) => show(n)).join(", ")} in \`resources\`; expected some of ${names.join(", ")}.`,
          );
        }
        return changes(events, runtime, ctx, source.signal, {
          resources: args.resources ? [...new Set(args.resources)] : names,
          actions: actionsOf(args.actions),
          after: await afterOf(events, args.after),
          id: undefined,
          where: undefined,
        });
      },
      resolve: (c) => c,
    }),
  }));
}

function eventsOf(source: SubscriptionSource): Events {
  if (!source.events)
    throw new AppError(
      "UNAVAILABLE",
      "Subscriptions are off: this GraphQL schema was built without change events (pass `events` to createGraphQLHandler).",
    );
  return source.events;
}

function actionsOf(actions: readonly string[] | null | undefined): string[] | undefined {
  return actions ? [...new Set(actions)] : undefined;
}

/** `after`, checked before the subscription starts, so that a malformed or too old id fails the subscribe itself. */
async function afterOf(events: Events, after: string | number | null | undefined): Promise<string | undefined> {
  if (after === null || after === undefined) return undefined;
  const id = String(after);
  if (!isEventId(id))
    throw new AppError(
      "BAD_REQUEST",
      `\`after\` is an event id (a whole number, as in \`eventId\`), got ${show(after)}.`,
    );
  await events.hub.checkResumable(id);
  return id;
}

interface ChangeQuery {
  readonly resources: readonly string[] | undefined;
  readonly actions: readonly string[] | undefined;
  readonly after: string | undefined;
  readonly id: string | undefined;
  readonly where: ChangeWhere | undefined;
}

/** Live change subscriptions (no `after`) by their GraphQL context, and where each stands. */
const live = new WeakMap<object, { readonly start: string | undefined; current: string | undefined }>();

/**
 * Where the live change subscription made with `context` stands (the subscription field's
 * `subscribe` records it); undefined for a subscription with `after`, which replays its own past.
 */
export function liveChangePosition(context: unknown): StreamPosition | undefined {
  return typeof context === "object" && context !== null ? live.get(context) : undefined;
}

/**
 * The changes a subscriber may see, in event order. Ending it (`return()`, when the client
 * unsubscribes or goes away) aborts the hub stream at once, even while it waits for the next event:
 * an async generator alone would only notice at its next event.
 */
function changes(
  events: Events,
  runtime: Runtime,
  gctx: GraphQLContext,
  shutdown: AbortSignal | undefined,
  query: ChangeQuery,
): AsyncIterableIterator<VisibleChange> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  shutdown?.addEventListener("abort", stop, { once: true });
  if (shutdown?.aborted) stop();
  const base = gctx.context;
  // Opened now, so that "from now on" is the moment of subscribing: the position recorded.
  const position =
    query.after === undefined ? { start: events.hub.position, current: undefined as string | undefined } : undefined;
  const stream = events.hub.stream({
    resources: query.resources,
    actions: query.actions,
    after: query.after,
    signal: controller.signal,
  });
  if (position) live.set(gctx, position);
  const inner = (async function* () {
    try {
      for await (const event of stream) {
        if (query.id !== undefined && event.recordId !== query.id) continue;
        const change = await events.viewer.view(base, event, query.where);
        if (!change) continue;
        // The item's fields (relations of `record`) resolve with the context of its own event: fresh
        // loaders, as a subscription lives long and cached relations would go stale; on the primary, as
        // a read replica may not have replayed the event's commit yet.
        const fresh = runtime.context({ actor: base.actor, requestId: base.requestId, primary: true });
        (gctx as { context: RequestContext }).context = { ...base, loaders: fresh.loaders, reads: fresh.reads };
        if (position) position.current = event.id;
        yield change;
      }
    } finally {
      shutdown?.removeEventListener("abort", stop);
    }
  })();
  return {
    next: () => inner.next(),
    return: async () => {
      controller.abort();
      shutdown?.removeEventListener("abort", stop);
      await stream.return();
      return inner.return(undefined);
    },
    throw: async (error: unknown) => {
      controller.abort();
      shutdown?.removeEventListener("abort", stop);
      await stream.return();
      return inner.throw(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** A record as plain JSON: dates as ISO strings, big integers and decimals as strings. */
function plain(record: ResourceRecord): unknown {
  return JSON.parse(
    JSON.stringify(record, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value)),
  );
}
