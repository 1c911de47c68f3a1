/**
 * Change events of one instance, put together: the outbox the runtime writes, the dispatcher that
 * publishes it to the bus (on one instance at a time), the hub that delivers bus events to this
 * instance's subscribers, the event handlers, and the view of a change per subscriber. The server
 * creates one with {@link createEvents}; GraphQL subscriptions and the REST event stream read from it.
 */
import type { Runtime } from "../runtime/runtime.ts";
import type { BusKind, EventBus } from "../storage/event-bus.ts";
import { MemoryBus } from "../storage/event-bus.ts";
import type { Instrumentation } from "../storage/instrumentation.ts";
import type { Outbox } from "../storage/outbox.ts";
import { PostgresBus } from "../storage/postgres-bus.ts";
import { RedisBus } from "../storage/redis-bus.ts";
import { ChangeViewer } from "./change-view.ts";
import { BUS_CURSOR, Dispatcher } from "./dispatcher.ts";
import {
  type BatchHandler,
  type BatchHandlerOptions,
  type EventHandler,
  EventHandlers,
  type HandlerOptions,
} from "./handlers.ts";
import { EventHub } from "./hub.ts";

/** Options of {@link createEvents}. */
export interface EventsOptions {
  runtime: Runtime;
  outbox: Outbox;
  bus: EventBus;
  /**
   * How often the dispatcher looks at the outbox unasked (a safety net: commits wake it at once, on
   * this instance in process and on the others by NOTIFY). @default 5000 ms
   */
  pollMs?: number;
  /**
   * Events older than this are deleted once every consumer has passed them; 0 never deletes any (the
   * outbox is then a replayable log: docs/guides/replay.md). @default 7 days
   */
  retentionMs?: number;
  /** Receives failures of the dispatcher, the bus and the handlers (never thrown). */
  onError?: (error: unknown, where: string) => void;
  /** Told of published batches and deliveries to streams, with a span per publish when tracing is on. @default observes nothing */
  instrumentation?: Instrumentation;
}

/** The change events of an instance. */
export interface Events {
  readonly hub: EventHub;
  readonly viewer: ChangeViewer;
  readonly dispatcher: Dispatcher;
  readonly bus: EventBus;
  /**
   * Runs `handler` for each committed event (of `options.resources` / `options.actions`), after the
   * commit, with retries and a dead letter when it keeps failing. `name` keys its progress.
   * @example events.handle("search-index", (e) => index(e.resource, e.recordId), { resources: ["post"] });
   */
  handle(name: string, handler: EventHandler, options?: HandlerOptions): () => void;
  /**
   * Runs `handler` for each page of committed events, in id order (an outbox relay to a broker): a
   * page that fails is retried with backoff until it succeeds, never skipped; `name` keys its cursor.
   * @example events.handleBatch("relay:amqp", (page) => publisher.publish(page.map(toMessage)));
   */
  handleBatch(name: string, handler: BatchHandler, options?: BatchHandlerOptions): () => void;
  /** Starts dispatching and receiving. */
  start(): Promise<void>;
  /**
   * Resolves once every handler registered so far has its cursor in the outbox: the events committed
   * from then on are theirs. Await it before serving writes.
   */
  ready(): Promise<void>;
  /**
   * The outbox lag: the newest committed event id minus the bus cursor (the last id a dispatcher,
   * on any instance, published). 0 when everything is published; it grows while no instance leads.
   */
  lag(): Promise<number>;
  /** Resolves when every committed event so far has been published and handled (tests). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** Builds the events of an instance over a runtime, an outbox and a bus. */
export function createEvents(options: EventsOptions): Events {
  const onError = options.onError ?? ((error, where) => console.error(`events: ${where} failed`, error));
  const retentionMs = options.retentionMs ?? 7 * 24 * 3600_000;
  const handlers = new EventHandlers(
    options.outbox,
    () => dispatcher.leading,
    (error, where) => onError(error, `handler ${where.handler}${where.eventId ? ` on event ${where.eventId}` : ""}`),
  );
  const dispatcher: Dispatcher = new Dispatcher({
    outbox: options.outbox,
    bus: options.bus,
    ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
    afterPublish: () => handlers.kick(),
    housekeeping: async () => {
      if (retentionMs === 0) return;
      await options.outbox.prune(new Date(Date.now() - retentionMs));
    },
    onError: (error) => onError(error, "dispatcher"),
    ...(options.instrumentation ? { instrumentation: options.instrumentation } : {}),
  });
  const hub = new EventHub({
    outbox: options.outbox,
    bus: options.bus,
    onError: (error) => onError(error, "hub"),
    ...(options.instrumentation ? { instrumentation: options.instrumentation } : {}),
  });
  const off = options.runtime.onCommitted(() => dispatcher.wake());
  return {
    hub,
    viewer: new ChangeViewer(options.runtime, options.outbox),
    dispatcher,
    bus: options.bus,
    handle: (name, handler, handlerOptions) => {
      const remove = handlers.add(name, handler, handlerOptions);
      dispatcher.wake();
      return remove;
    },
    handleBatch: (name, handler, handlerOptions) => {
      const remove = handlers.addBatch(name, handler, handlerOptions);
      dispatcher.wake();
      return remove;
    },
    async start() {
      await dispatcher.start();
      await hub.start();
    },
    ready: () => handlers.ready(),
    async lag() {
      const [latest, cursor] = await Promise.all([options.outbox.latestId(), options.outbox.cursor(BUS_CURSOR)]);
      const lag = BigInt(latest) - BigInt(cursor ?? latest);
      return lag > 0n ? Number(lag) : 0;
    },
    async settled() {
      const target = await options.outbox.latestId();
      for (let i = 0; BigInt(await hub.latestId()) < BigInt(target); i++) {
        if (i === 1000)
          throw new Error(`events: event ${target} was not dispatched within 10 s (is a dispatcher running?)`);
        dispatcher.wake();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      handlers.kick();
      await handlers.idle();
    },
    async close() {
      off();
      await dispatcher.stop();
      await handlers.stop();
      await options.bus.close();
    },
  };
}

/** Options of {@link createEventBus}. */
export interface EventBusOptions {
  kind: BusKind;
  /** The database (the postgres bus). */
  databaseUrl: string;
  /** The Redis server (the redis bus). */
  redisUrl?: string | undefined;
  /** Channel name, so that several deployments can share a server. */
  channel?: string | undefined;
  onError?: (error: unknown) => void;
}

/**
 * The bus of `kind`. Event ids are per database, so instances of different databases must not share a
 * channel: the redis channel defaults to `autograph:events:<database name>` (PostgreSQL's NOTIFY is
 * per database already).
 */
export function createEventBus(options: EventBusOptions): EventBus {
  const database = decodeURIComponent(new URL(options.databaseUrl).pathname.slice(1)) || "postgres";
  const channel = options.channel ?? (options.kind === "redis" ? `autograph:events:${database}` : undefined);
  const common = { ...(channel ? { channel } : {}), ...(options.onError ? { onError: options.onError } : {}) };
  switch (options.kind) {
    case "memory":
      return new MemoryBus();
    case "postgres":
      return new PostgresBus({ url: options.databaseUrl, ...common });
    case "redis":
      if (!options.redisUrl) throw new Error("The redis event bus needs REDIS_URL");
      return new RedisBus({ url: options.redisUrl, ...common });
  }
}
