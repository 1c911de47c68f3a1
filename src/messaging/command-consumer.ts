/**
 * The transport-free loop of broker commands: each delivery a {@link CommandTransport} hands over is
 * run by the command handler, answered, and settled:
 * - answered (a result or a refusal, 4xx): reply, then ack. A refusal is never retried;
 * - failed for the server's reason (database unavailable, a bug): retried by the broker after a backoff;
 *   at the last of `maxAttempts` deliveries, answered INTERNAL and dead-lettered, so a poison message
 *   never blocks the queue.
 */
import { AppError } from "../runtime/errors.ts";
import type { CommandDelivery, CommandTransport } from "../storage/brokers/command-transport.ts";
import { encodeReply, errorReply } from "./command.ts";
import type { CommandHandler } from "./command-handler.ts";

/** Options of {@link startCommandConsumer}. */
export interface CommandConsumerOptions {
  transport: CommandTransport;
  handler: CommandHandler;
  /** Deliveries of one message before it is dead-lettered. @default 5 */
  maxAttempts?: number;
  /** Told of each failure of the server's (with the delivery's attempt) and of each settle that failed. */
  onUnexpectedError?: (error: unknown, attempt: number) => void;
  /** Told of each settled delivery: how it went and how long the handling took. */
  onSettled?: (outcome: "ok" | "refused" | "replayed" | "retried" | "dead-lettered", seconds: number) => void;
}

/** A running consumer. */
export interface CommandConsumer {
  /** Stops taking deliveries, finishes those in hand, disconnects. */
  close(): Promise<void>;
}

/** Backoff before a failed delivery comes back: 100 ms, doubling per attempt, at most 5 s. */
export function retryDelayMs(attempt: number): number {
  return Math.min(100 * 2 ** Math.max(0, attempt - 1), 5_000);
}

/** Starts consuming the commands of `transport`. */
export async function startCommandConsumer(options: CommandConsumerOptions): Promise<CommandConsumer> {
  const { transport, handler } = options;
  const maxAttempts = options.maxAttempts ?? 5;
  const report = (error: unknown, attempt: number) => {
    try {
      options.onUnexpectedError?.(error, attempt);
    } catch {
      // A failing reporter must not stop the consumer.
    }
  };
  const handle = async (delivery: CommandDelivery): Promise<void> => {
    const started = performance.now();
    try {
      const outcome = await handler(delivery.body, delivery.headers);
      let settled: "ok" | "refused" | "replayed" | "retried" | "dead-lettered";
      if (outcome.answered) {
        await delivery.reply(encodeReply(outcome.reply));
        await delivery.ack();
        settled = outcome.replayed ? "replayed" : outcome.reply.ok ? "ok" : "refused";
      } else {
        report(outcome.error, delivery.attempt);
        if (delivery.attempt >= maxAttempts) {
          const reason = `gave up after ${delivery.attempt} attempts`;
          await delivery.reply(
            encodeReply(
              errorReply(
                new AppError(
                  "INTERNAL",
                  `The command failed ${delivery.attempt} times on the server's side; it was moved to the dead-letter queue.`,
                ),
              ),
            ),
          );
          await delivery.deadLetter(reason);
          settled = "dead-lettered";
        } else {
          await delivery.retry(retryDelayMs(delivery.attempt));
          settled = "retried";
        }
      }
      options.onSettled?.(settled, (performance.now() - started) / 1000);
    } catch (error) {
      // The channel or connection went away mid-settle: the broker delivers the message again.
      report(error, delivery.attempt);
    }
  };
  await transport.start(handle);
  return { close: () => transport.close() };
}
