/**
 * The server's broker commands (docs/guides/messaging.md#commands): one consumer per configured broker
 * (RabbitMQ, NATS JetStream) over the same handler, the hourly sweep of expired receipts, and the
 * `autograph_commands_total` metric. Started after the runtime; closed before the database.
 */
import type { Logger } from "pino";
import { Counter } from "prom-client";
import { type CommandConsumer, startCommandConsumer } from "../messaging/command-consumer.ts";
import { createCommandHandler } from "../messaging/command-handler.ts";
import type { Actor } from "../runtime/context.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { CommandTransport } from "../storage/brokers/command-transport.ts";
import { natsCommands } from "../storage/brokers/nats-commands.ts";
import { rabbitMqCommands } from "../storage/brokers/rabbitmq-commands.ts";
import type { CommandsConfig } from "./commands-config.ts";
import { logFailure } from "./failure-log.ts";
import type { Metrics } from "./metrics.ts";

/** How often expired command receipts are deleted. */
const SWEEP_INTERVAL_MS = 3_600_000;

/** The running command consumers. */
export interface CommandConsumers {
  /** The brokers consumed, for logs and tests. */
  readonly transports: readonly string[];
  close(): Promise<void>;
}

/** Starts a consumer per broker `config` names; none when it names none. Throws (a boot error) when the schema lacks `CommandReceipt`. */
export async function startCommandConsumers(options: {
  config: CommandsConfig;
  runtime: Runtime;
  resolveActor: (request: Request) => Promise<Actor>;
  logger: Logger;
  metrics: Metrics;
}): Promise<CommandConsumers> {
  const { config, runtime, logger } = options;
  const transports: CommandTransport[] = [];
  const onError = (name: string) => (err: Error) => logger.warn({ err }, `commands: ${name} connection trouble`);
  // The brokers' own delivery limits are a backstop beyond ours (a consumer dying on a message before it settles it).
  const backstop = Math.max(10, config.maxAttempts + 1);
  if (config.rabbitmq)
    transports.push(rabbitMqCommands({ ...config.rabbitmq, deliveryLimit: backstop, onError: onError("RabbitMQ") }));
  if (config.nats) transports.push(natsCommands({ ...config.nats, maxDeliver: backstop, onError: onError("NATS") }));
  if (transports.length === 0) return { transports: [], close: async () => {} };

  const handler = createCommandHandler({
    runtime,
    resolveActor: options.resolveActor,
    retentionSeconds: config.receiptRetentionSeconds,
  });
  const settled = new Counter({
    name: "autograph_commands_total",
    help: "Broker command deliveries settled, by broker and outcome (ok, refused, replayed, retried, dead-lettered).",
    labelNames: ["broker", "outcome"] as const,
    registers: [options.metrics.registry],
  });
  const consumers: CommandConsumer[] = [];
  try {
    for (const transport of transports) {
      const broker = transport.name.split(" ")[0] ?? "broker";
      consumers.push(
        await startCommandConsumer({
          transport,
          handler,
          maxAttempts: config.maxAttempts,
          onUnexpectedError: (error, attempt) =>
            logFailure(logger, error, `commands: a ${broker} command failed on the server's side`, { attempt }),
          onSettled: (outcome) => settled.inc({ broker, outcome }),
        }),
      );
      logger.info({ broker: transport.name }, "commands: consuming");
    }
  } catch (error) {
    await Promise.allSettled(consumers.map((c) => c.close()));
    throw new Error(`Broker commands could not start: ${(error as Error).message}`, { cause: error });
  }
  const sweep = () =>
    runtime.store.receipts
      ?.sweep()
      .then((gone) => gone > 0 && logger.info({ gone }, "commands: expired receipts deleted"))
      .catch((err: unknown) => logger.warn({ err }, "commands: sweeping expired receipts failed"));
  void sweep();
  const timer = setInterval(sweep, SWEEP_INTERVAL_MS);
  timer.unref();
  return {
    transports: transports.map((t) => t.name),
    async close() {
      clearInterval(timer);
      await Promise.allSettled(consumers.map((c) => c.close()));
    },
  };
}
