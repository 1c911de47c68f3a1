/**
 * Starts the outbox relays the configuration asks for (`MQ_RELAY_EXCHANGE`, `NATS_RELAY_SUBJECT`; see
 * relay-config.ts), each reporting its lag on `/metrics` (`autograph_relay_lag{broker}`).
 */
import type { Logger } from "pino";
import type { Events } from "../events/events.ts";
import { type Relay, startRelay } from "../messaging/relay.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { AmqpPublisher } from "../storage/brokers/amqp-publisher.ts";
import type { EventPublisher } from "../storage/brokers/event-publisher.ts";
import { NatsPublisher } from "../storage/brokers/nats-publisher.ts";
import type { Outbox } from "../storage/outbox.ts";
import { parseActor } from "./auth.ts";
import type { RelayConfig } from "./relay-config.ts";
import type { Metrics } from "./metrics.ts";

/** What {@link startRelays} needs of the server. */
export interface RelaysContext {
  readonly config: RelayConfig;
  readonly events: Events;
  readonly outbox: Outbox;
  readonly runtime: Runtime;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

/** One relay per configured broker (none by default). Close them after the events (handlers stopped). */
export function startRelays({ config, events, outbox, runtime, metrics, logger }: RelaysContext): Relay[] {
  const publishers: EventPublisher[] = [];
  if (config.amqp) publishers.push(new AmqpPublisher({ ...config.amqp, confirmTimeoutMs: config.confirmTimeoutMs }));
  if (config.nats) publishers.push(new NatsPublisher({ ...config.nats, ackTimeoutMs: config.confirmTimeoutMs }));
  const actor = config.actor === undefined ? undefined : parseActor(config.actor);
  return publishers.map((publisher) => {
    const relay = startRelay({
      events,
      outbox,
      publisher,
      from: config.from,
      batchSize: config.batchSize,
      view: actor ? { runtime, actor } : undefined,
    });
    metrics.relay(publisher.kind, () => relay.lag());
    logger.info(
      { relay: relay.name, from: config.from, records: actor !== undefined },
      `publishing change events to ${publisher.kind}`,
    );
    return relay;
  });
}
