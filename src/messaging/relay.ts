/**
 * The outbox relay: publishes every committed change event to a message broker (RabbitMQ, NATS
 * JetStream), at least once and in order per record, resuming from its cursor after a restart.
 *
 * It is a batch handler of the events (events/handlers.ts), so it shares their machinery: it runs on
 * the instance that dispatches (one at a time across instances), is woken by each dispatched batch,
 * keeps its cursor in the outbox (`handler:relay:<broker>`), and retries a failing page with backoff
 * until the broker takes it, never skipping one. A page goes out in outbox id order, in waves that hold
 * at most one event per record: each wave is confirmed by the broker before the next one is sent, so
 * a later event of a record is never on the broker while an earlier one could still be missing. The
 * cursor moves past a page once all of it is confirmed; a page that failed halfway is published again
 * from its first event (duplicates, never gaps: consumers deduplicate by event id).
 */
import type { ChangeViewer } from "../events/change-view.ts";
import type { Events } from "../events/events.ts";
import type { Actor } from "../runtime/context.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { EventPublisher } from "../storage/brokers/event-publisher.ts";
import type { ChangeEvent, Outbox } from "../storage/outbox.ts";
import { relayMessage } from "./relay-message.ts";

/** Options of {@link startRelay}. */
export interface RelayOptions {
  readonly events: Pick<Events, "handleBatch" | "viewer">;
  readonly outbox: Pick<Outbox, "latestId" | "cursor">;
  readonly publisher: EventPublisher;
  /**
   * Records in the messages: the record each write left, as this actor may see it (its access,
   * tenant, scope and hidden fields, decided by the runtime like for a subscriber). Without one the
   * messages carry the event only. @default undefined (no records)
   */
  readonly view?: { readonly runtime: Runtime; readonly actor: Actor } | undefined;
  /** Where a relay without a cursor begins. @default "newest" */
  readonly from?: "newest" | "beginning";
  /** Events per page: a page waits for one round of confirms (RabbitMQ's fsync), so bigger is faster. @default 500 */
  readonly batchSize?: number;
  /** Backoff after a failed page, doubling up to `maxBackoffMs`. @default 100 ms */
  readonly backoffMs?: number;
  /** @default 30000 ms */
  readonly maxBackoffMs?: number;
}

/** A running relay. */
export interface Relay {
  /** `relay:<broker>`: its handler name; its cursor is `handler:relay:<broker>`. */
  readonly name: string;
  /** Messages the broker confirmed so far, by this instance (a page published again counts again). */
  readonly published: number;
  /** Pages that failed and were published again. */
  readonly failures: number;
  /** Committed events not yet confirmed by the broker: the newest event id minus the relay's cursor. */
  lag(): Promise<number>;
  /** Stops relaying (what is not confirmed is published by the next start) and closes the publisher. */
  close(): Promise<void>;
}

/**
 * Starts relaying the committed events to `publisher`.
 * @example
 * const relay = startRelay({ events, outbox, publisher: new AmqpPublisher({ url, exchange: "autograph.events" }) });
 * await relay.close();
 */
export function startRelay(options: RelayOptions): Relay {
  const { events, outbox, publisher, view } = options;
  const name = `relay:${publisher.kind}`;
  let published = 0;
  let failures = 0;
  const viewer: ChangeViewer = events.viewer;

  const publishPage = async (page: readonly ChangeEvent[]) => {
    try {
      const ctx = view ? view.runtime.context({ actor: view.actor, requestId: name, primary: true }) : undefined;
      for (const wave of waves(page)) {
        // The views of a wave are read together (the viewer batches their snapshots into one statement).
        const messages = await Promise.all(
          wave.map(async (event) =>
            ctx === undefined ? relayMessage(event) : relayMessage(event, (await viewer.view(ctx, event)) ?? null),
          ),
        );
        await publisher.publish(messages);
        published += messages.length;
      }
    } catch (error) {
      failures++;
      throw error;
    }
  };

  const remove = events.handleBatch(name, publishPage, {
    ...(options.from ? { from: options.from } : {}),
    batchSize: options.batchSize ?? 500,
    ...(options.backoffMs ? { backoffMs: options.backoffMs } : {}),
    ...(options.maxBackoffMs ? { maxBackoffMs: options.maxBackoffMs } : {}),
  });
  return {
    name,
    get published() {
      return published;
    },
    get failures() {
      return failures;
    },
    async lag() {
      const [latest, cursor] = await Promise.all([outbox.latestId(), outbox.cursor(`handler:${name}`)]);
      const lag = BigInt(latest) - BigInt(cursor ?? latest);
      return lag > 0n ? Number(lag) : 0;
    },
    async close() {
      remove();
      await publisher.close();
    },
  };
}

/** `page` cut, in order, into runs that hold at most one event per record. */
export function waves(page: readonly ChangeEvent[]): ChangeEvent[][] {
  const out: ChangeEvent[][] = [];
  let current: ChangeEvent[] = [];
  const records = new Set<string>();
  for (const event of page) {
    const key = `${event.resource}\u0000${event.recordId}`;
    if (records.has(key)) {
      out.push(current);
      current = [];
      records.clear();
    }
    records.add(key);
    current.push(event);
  }
  if (current.length > 0) out.push(current);
  return out;
}
