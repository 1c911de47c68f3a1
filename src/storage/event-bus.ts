/**
 * Event buses: how committed events (read from the outbox by the one dispatcher) reach every
 * instance. `memory` for one process, `postgres` (LISTEN/NOTIFY, no extra infrastructure) and `redis`
 * (pub/sub) for several. Buses may drop messages (a listener that is away misses them): receivers fill
 * gaps from the outbox, and `onResync` tells them when a connection was lost and re-established.
 */
import type { ChangeEvent } from "./outbox.ts";

/** Which bus carries events between instances. */
export type BusKind = "memory" | "postgres" | "redis";

/** What a bus delivers to a receiver. */
export interface BusReceiver {
  /** Events some instance published, in its publishing order. */
  onEvents(events: readonly ChangeEvent[]): void;
  /** The bus may have dropped messages (it reconnected): check the outbox for what was missed. */
  onResync(): void;
}

/** A publish/subscribe channel for change events. */
export interface EventBus {
  readonly kind: BusKind;
  publish(events: readonly ChangeEvent[]): Promise<void>;
  /** Starts delivering what any instance publishes to `receiver`. */
  subscribe(receiver: BusReceiver): Promise<void>;
  close(): Promise<void>;
}

/** The in-process bus: one instance, nothing to connect to. */
export class MemoryBus implements EventBus {
  readonly kind = "memory";
  readonly #receivers = new Set<BusReceiver>();

  async publish(events: readonly ChangeEvent[]): Promise<void> {
    for (const receiver of this.#receivers) receiver.onEvents(events);
  }

  async subscribe(receiver: BusReceiver): Promise<void> {
    this.#receivers.add(receiver);
  }

  async close(): Promise<void> {
    this.#receivers.clear();
  }
}

/** Splits events into JSON messages of at most `maxBytes` (NOTIFY payloads are limited to 8000 bytes). */
export function chunkMessages(events: readonly ChangeEvent[], maxBytes: number): string[] {
  const out: string[] = [];
  let batch: ChangeEvent[] = [];
  let size = 2;
  for (const event of events) {
    const bytes = Buffer.byteLength(JSON.stringify(event)) + 1;
    if (batch.length > 0 && size + bytes > maxBytes) {
      out.push(JSON.stringify(batch));
      batch = [];
      size = 2;
    }
    batch.push(event);
    size += bytes;
  }
  if (batch.length > 0) out.push(JSON.stringify(batch));
  return out;
}

/** Parses a bus message; undefined when it is not one of ours. */
export function parseMessage(text: string): ChangeEvent[] | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return Array.isArray(value) &&
      value.every((e) => e && typeof e === "object" && typeof (e as ChangeEvent).id === "string")
      ? (value as ChangeEvent[])
      : undefined;
  } catch {
    return undefined;
  }
}
