/**
 * Live subscribers for the soak (bench/soak.ts), in a child process of their own beside the load
 * generator: `SUBSCRIBERS_SSE` REST event streams (`/api/comments/events`) and `SUBSCRIBERS_WS` GraphQL
 * subscriptions over WebSocket (`commentChanged`), on `SUBSCRIBERS_ORIGIN`, each of comment creations from the
 * first event on (`after=0`: registered as soon as it replays, so each should end up with every comment
 * creation the outbox holds). Once every one has started it
 * says `{ ready: true }`; asked `{ report: id }`, it answers how many events each kind received, the
 * fewest any single subscriber received, and the errors. It exits when its parent goes away.
 */
import { EventSource } from "eventsource";
import { createClient } from "graphql-ws";
import WebSocket from "ws";

/** What the subscribers have received so far. */
export interface SubscriberReport {
  id: number;
  /** Events received by all subscribers together. */
  events: number;
  /** The fewest events one subscriber has received (every subscriber should see every comment creation). */
  fewest: number;
  /** The most events one subscriber has received (more than were created would be duplicates). */
  most: number;
  subscribers: number;
  /** Errors and unexpected ends, as text. */
  errors: string[];
}

const origin = process.env.SUBSCRIBERS_ORIGIN;
if (!origin) throw new Error("SUBSCRIBERS_ORIGIN must be the server's origin");
const sseCount = Number(process.env.SUBSCRIBERS_SSE ?? 10);
const wsCount = Number(process.env.SUBSCRIBERS_WS ?? 10);

const counts: number[] = [];
const errors: string[] = [];
const started: Promise<void>[] = [];

for (let i = 0; i < sseCount; i++) {
  const index = counts.push(0) - 1;
  const source = new EventSource(`${origin}/api/comments/events?actions=create&after=0`);
  started.push(new Promise((resolve) => source.addEventListener("ready", () => resolve(), { once: true })));
  source.addEventListener("create", () => void counts[index]!++);
  // A dropped connection reconnects by itself with Last-Event-ID: note it, it is not lost.
  source.addEventListener(
    "error",
    (e) => void errors.push(`sse ${index}: ${(e as { message?: string }).message ?? "error"}`),
  );
}

const wsUrl = `${origin.replace("http", "ws")}/graphql`;
for (let i = 0; i < wsCount; i++) {
  const index = counts.push(0) - 1;
  const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0 });
  started.push(new Promise((resolve) => client.on("connected", () => resolve())));
  client.subscribe(
    { query: `subscription { commentChanged(actions: [create], after: "0") { eventId } }` },
    {
      next: (result) =>
        void (result.errors ? errors.push(`ws ${index}: ${JSON.stringify(result.errors)}`) : counts[index]!++),
      error: (error) =>
        void errors.push(`ws ${index}: ${error instanceof Error ? error.message : JSON.stringify(error)}`),
      complete: () => void errors.push(`ws ${index}: completed`),
    },
  );
}

process.on("message", (message: { report?: number }) => {
  if (message.report === undefined) return;
  process.send?.({
    id: message.report,
    events: counts.reduce((sum, n) => sum + n, 0),
    fewest: Math.min(...counts),
    most: Math.max(...counts),
    subscribers: counts.length,
    errors: errors.splice(0),
  } satisfies SubscriberReport);
});
process.on("disconnect", () => process.exit(0));
await Promise.all(started);
process.send?.({ ready: true });
