/**
 * The outbox relay's variables of the configuration (config.ts): which brokers committed change events
 * are published to (docs/guides/messaging.md, "Publishing change events"). Off unless set: the broker
 * URLs (`MQ_URL`, `NATS_URL`, shared with the command consumers) only say where a broker is; a relay
 * starts for RabbitMQ when `MQ_RELAY_EXCHANGE` is set and for NATS when `NATS_RELAY_SUBJECT` is.
 */
import { boundedWhole, type FailVariable, hidePassword, type ReadVariable } from "./config-values.ts";

/** The relay's part of the configuration. */
export interface RelayConfig {
  /**
   * Publish change events to this RabbitMQ topic exchange (`MQ_RELAY_EXCHANGE`, with `MQ_URL`),
   * routing key `<resource>.<action>`. @default undefined (no relay to RabbitMQ)
   */
  readonly amqp: { readonly url: string; readonly exchange: string } | undefined;
  /**
   * Publish change events to JetStream subjects `<subject>.<resource>.<action>` (`NATS_RELAY_SUBJECT`,
   * with `NATS_URL`), in stream `NATS_RELAY_STREAM` (created over `<subject>.>` when missing).
   * @default undefined (no relay to NATS); the stream defaults to `AUTOGRAPH_EVENTS`
   */
  readonly nats: { readonly url: string; readonly subject: string; readonly stream: string } | undefined;
  /**
   * Where a relay without a cursor starts (`RELAY_FROM`): `newest` publishes what commits from its
   * first start on, `beginning` every event the outbox still holds. @default "newest"
   */
  readonly from: "newest" | "beginning";
  /**
   * The view records are published in (`RELAY_ACTOR`, `<id>:<role>,<role>[@<tenant>]` like `DEV_ACTOR`):
   * the record each write left, as this actor may see it. @default undefined (events without records)
   */
  readonly actor: string | undefined;
  /** Most events published at once, in one round of confirms (`RELAY_BATCH_SIZE`). @default 500 */
  readonly batchSize: number;
  /**
   * How long a page waits for the broker's confirms (RabbitMQ) or acknowledgements (JetStream) before
   * it counts as failed and is retried (`RELAY_CONFIRM_TIMEOUT_MS`). @default 10000
   */
  readonly confirmTimeoutMs: number;
}

/**
 * Reads and checks the relay's variables; each problem goes to `fail` (config.ts collects them into one
 * ConfigError), naming the variable.
 * @example relayConfig((name) => env[name], fail)
 */
export function relayConfig(read: ReadVariable, fail: FailVariable): RelayConfig {
  const url = (name: string, protocols: readonly string[], expected: string): string | undefined => {
    const value = read(name);
    if (value === undefined) return undefined;
    const first = value.split(",")[0]?.trim() ?? "";
    const protocol = URL.canParse(first) ? new URL(first).protocol : "";
    return protocols.includes(protocol) ? value : fail(name, expected, hidePassword(value), undefined);
  };
  const name = (variable: string, pattern: RegExp, expected: string): string | undefined => {
    const value = read(variable);
    return value === undefined || pattern.test(value) ? value : fail(variable, expected, value, undefined);
  };
  const bounded = boundedWhole(read, fail);
  const mqUrl = url("MQ_URL", ["amqp:", "amqps:"], "an amqp:// or amqps:// URL");
  const natsUrl = url("NATS_URL", ["nats:", "tls:"], "nats:// or tls:// URLs, comma-separated");
  const exchange = name("MQ_RELAY_EXCHANGE", /^[\w.:-]{1,255}$/, "an exchange name (letters, digits, _ . : -)");
  const subject = name(
    "NATS_RELAY_SUBJECT",
    /^[\w-]+(\.[\w-]+)*$/,
    "a subject prefix of dot-separated tokens without wildcards, like autograph.events",
  );
  const stream =
    name("NATS_RELAY_STREAM", /^[\w-]{1,255}$/, "a stream name (letters, digits, _ -)") ?? "AUTOGRAPH_EVENTS";
  if (exchange !== undefined && read("MQ_URL") === undefined)
    fail("MQ_RELAY_EXCHANGE", "unset unless MQ_URL is set (the RabbitMQ server to publish to)", exchange, undefined);
  if (subject !== undefined && read("NATS_URL") === undefined)
    fail("NATS_RELAY_SUBJECT", "unset unless NATS_URL is set (the NATS server to publish to)", subject, undefined);
  const from = read("RELAY_FROM") ?? "newest";
  const actor = name(
    "RELAY_ACTOR",
    /^[^:@\s]+(:[\w-]+(,[\w-]+)*)?(@[\w.-]+)?$/,
    "<id> or <id>:<role>,<role>, optionally followed by @<tenant>",
  );
  return {
    amqp: mqUrl !== undefined && exchange !== undefined ? Object.freeze({ url: mqUrl, exchange }) : undefined,
    nats: natsUrl !== undefined && subject !== undefined ? Object.freeze({ url: natsUrl, subject, stream }) : undefined,
    from: from === "newest" || from === "beginning" ? from : fail("RELAY_FROM", "newest or beginning", from, "newest"),
    actor,
    batchSize: bounded("RELAY_BATCH_SIZE", 500, 1, 10_000, "events"),
    confirmTimeoutMs: bounded("RELAY_CONFIRM_TIMEOUT_MS", 10_000, 100, 600_000, "milliseconds"),
  };
}
