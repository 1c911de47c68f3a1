/**
 * The broker commands' variables of the configuration (config.ts): `MQ_URL` turns on commands over
 * RabbitMQ, `NATS_URL` over NATS JetStream (unless `COMMANDS=off`: a relay-only instance), with names, attempts and the receipts' retention
 * (docs/guides/messaging.md#commands). Unset: no broker is used.
 */
import { boundedWhole, type FailVariable, hidePassword, type ReadVariable } from "./config-values.ts";

/** The broker commands' part of the configuration. */
export interface CommandsConfig {
  /**
   * Commands over RabbitMQ, when `MQ_URL` (an amqp:// or amqps:// URL) is set: the queue
   * (`COMMANDS_QUEUE`, @default "autograph.commands") and the deliveries handled at once
   * (`COMMANDS_PREFETCH`, @default 16). @default undefined (off)
   */
  readonly rabbitmq: { readonly url: string; readonly queue: string; readonly prefetch: number } | undefined;
  /**
   * Commands over NATS JetStream, when `NATS_URL` (nats:// URLs, comma-separated) is set: the stream
   * (`COMMANDS_STREAM`, @default "AUTOGRAPH_COMMANDS"), its subjects `<COMMANDS_SUBJECT>.>`
   * (@default "autograph.commands"), the durable consumer (`COMMANDS_DURABLE`, @default "autograph") and
   * the prefetch. @default undefined (off)
   */
  readonly nats:
    | {
        readonly url: string;
        readonly stream: string;
        readonly subject: string;
        readonly durable: string;
        readonly prefetch: number;
      }
    | undefined;
  /** Deliveries of a command failing on the server's side before it is dead-lettered (`COMMANDS_MAX_ATTEMPTS`). @default 5 */
  readonly maxAttempts: number;
  /** How long a command's receipt answers redeliveries of its idempotency key (`COMMAND_RECEIPT_RETENTION_SECONDS`). @default 86400 (a day) */
  readonly receiptRetentionSeconds: number;
}

/**
 * Reads and checks the commands' variables; each problem goes to `fail` (config.ts collects them into
 * one ConfigError), naming the variable.
 */
export function commandsConfig(read: ReadVariable, fail: FailVariable): CommandsConfig {
  const bounded = boundedWhole(read, fail);
  const prefetch = bounded("COMMANDS_PREFETCH", 16, 1, 1000, "messages");
  // Names of queues, streams, subjects and consumers: letters, digits and a few separators.
  const named = (name: string, fallback: string, pattern: RegExp, expected: string): string => {
    const value = read(name);
    if (value === undefined) return fallback;
    return pattern.test(value) ? value : fail(name, expected, value, fallback);
  };
  const mqUrl = read("MQ_URL");
  let rabbitmq: CommandsConfig["rabbitmq"];
  if (mqUrl !== undefined) {
    if (!/^amqps?:\/\/[^/]/.test(mqUrl) || !URL.canParse(mqUrl))
      fail("MQ_URL", "an amqp:// or amqps:// URL", hidePassword(mqUrl), undefined);
    else
      rabbitmq = Object.freeze({
        url: mqUrl,
        queue: named(
          "COMMANDS_QUEUE",
          "autograph.commands",
          /^[\w.:-]{1,200}$/,
          "a queue name (letters, digits, . _ : -)",
        ),
        prefetch,
      });
  }
  const natsUrl = read("NATS_URL");
  let nats: CommandsConfig["nats"];
  if (natsUrl !== undefined) {
    const bad = natsUrl.split(",").find((u) => !/^(nats|tls):\/\/[^/]/.test(u.trim()) || !URL.canParse(u.trim()));
    if (bad !== undefined) fail("NATS_URL", "nats:// URLs, comma-separated", hidePassword(bad), undefined);
    else
      nats = Object.freeze({
        url: natsUrl,
        stream: named(
          "COMMANDS_STREAM",
          "AUTOGRAPH_COMMANDS",
          /^[\w-]{1,100}$/,
          "a stream name (letters, digits, _ -)",
        ),
        subject: named(
          "COMMANDS_SUBJECT",
          "autograph.commands",
          /^[\w-]+(\.[\w-]+)*$/,
          "a subject without wildcards, like autograph.commands",
        ),
        durable: named("COMMANDS_DURABLE", "autograph", /^[\w-]{1,100}$/, "a consumer name (letters, digits, _ -)"),
        prefetch,
      });
  }
  // A server given a broker URL only to publish change events (the relay) consumes no commands.
  const enabled = read("COMMANDS");
  const off = enabled === "off";
  if (enabled !== undefined && enabled !== "on" && !off) fail("COMMANDS", "on or off", enabled, undefined);
  return {
    rabbitmq: off ? undefined : rabbitmq,
    nats: off ? undefined : nats,
    maxAttempts: bounded("COMMANDS_MAX_ATTEMPTS", 5, 1, 100, "attempts"),
    receiptRetentionSeconds: bounded("COMMAND_RECEIPT_RETENTION_SECONDS", 86_400, 60, 31_536_000, "seconds"),
  };
}
