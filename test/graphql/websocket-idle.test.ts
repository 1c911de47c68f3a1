// GraphQL over WebSocket on a real port: a socket with no operation running and no message for
// WS_IDLE_TIMEOUT_MS is closed (1000, "Idle timeout…"); a running subscription keeps its socket; a peer
// that stops answering pings is cut (docs/guides/security.md, "Timeouts and limits").
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { ADMIN_DEV_ACTOR } from "../support/actors.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

const IDLE_MS = 300;
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    env: { WS_IDLE_TIMEOUT_MS: String(IDLE_MS), DEV_ACTOR: ADMIN_DEV_ACTOR },
    webSocket: { keepAliveMs: 200 },
  });
});
afterAll(() => server?.close());

interface Peer {
  socket: WebSocket;
  closed: Promise<{ code: number; reason: string }>;
  /** The next message of `type` (graphql-transport-ws), for subscription `id` if given. */
  next(type: string, id?: string): Promise<Record<string, unknown>>;
}

/** A raw graphql-transport-ws socket, acknowledged; `autoPong: false` plays a peer that died without closing. */
async function connect(options: { autoPong?: boolean } = {}): Promise<Peer> {
  const socket = new WebSocket(`${server.running.url.replace(/^http/, "ws")}/graphql`, "graphql-transport-ws", {
    autoPong: options.autoPong ?? true,
  });
  const messages: Record<string, unknown>[] = [];
  const waiting: { test: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }[] =
    [];
  socket.on("message", (data) => {
    const message = JSON.parse(String(data)) as Record<string, unknown>;
    const i = waiting.findIndex((w) => w.test(message));
    if (i >= 0) waiting.splice(i, 1)[0]?.resolve(message);
    else messages.push(message);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once("close", (code, reason) => resolve({ code, reason: String(reason) })),
  );
  const next = (type: string, id?: string) => {
    const test = (m: Record<string, unknown>) => m.type === type && (id === undefined || m.id === id);
    const i = messages.findIndex(test);
    if (i >= 0) return Promise.resolve(messages.splice(i, 1)[0] as Record<string, unknown>);
    return new Promise<Record<string, unknown>>((resolve) => waiting.push({ test, resolve }));
  };
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  socket.send(JSON.stringify({ type: "connection_init" }));
  await next("connection_ack");
  return { socket, closed, next };
}

/** Starts a live subscription to tag changes on `peer` as `id`, from the latest event on. */
async function subscribeToTags(peer: Peer, id: string): Promise<void> {
  await server.running.events.settled();
  const after = await server.running.events.hub.latestId();
  peer.socket.send(
    JSON.stringify({
      id,
      type: "subscribe",
      payload: {
        query: "subscription ($after: ID) { tagChanged(after: $after) { record { name } } }",
        variables: { after },
      },
    }),
  );
}

const createTag = async (name: string) => {
  const response = await fetch(`${server.running.url}/api/tags`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  expect(response.status).toBe(201);
};

describe("WS_IDLE_TIMEOUT_MS", () => {
  it("closes a socket with nothing running and nothing said; a subscription keeps its socket alive", async () => {
    const idle = await connect();
    const subscribed = await connect();
    await subscribeToTags(subscribed, "tags");
    const { code, reason } = await idle.closed;
    expect(code).toBe(1000);
    expect(reason).toBe(`Idle timeout: no operation and no message for ${IDLE_MS} ms`);
    // The subscribed socket was open as long, and says nothing: it stays, and delivers.
    expect(subscribed.socket.readyState).toBe(WebSocket.OPEN);
    await createTag("kept-alive");
    expect(await subscribed.next("next", "tags")).toMatchObject({
      payload: { data: { tagChanged: { record: { name: "kept-alive" } } } },
    });
    // Once its subscription completes, the socket is idle like any other.
    subscribed.socket.send(JSON.stringify({ id: "tags", type: "complete" }));
    expect((await subscribed.closed).code).toBe(1000);
  });

  it("a socket that keeps talking is not idle", async () => {
    const chatty = await connect();
    const idle = await connect();
    const pings = setInterval(() => chatty.socket.send(JSON.stringify({ type: "ping" })), IDLE_MS / 3);
    try {
      // Closed for idling while the chatty one, opened at the same time, talked through it.
      expect((await idle.closed).code).toBe(1000);
      expect(chatty.socket.readyState).toBe(WebSocket.OPEN);
      expect(await chatty.next("pong")).toEqual({ type: "pong" });
    } finally {
      clearInterval(pings);
    }
    expect((await chatty.closed).code).toBe(1000);
  });
});

describe("keepalive", () => {
  it("cuts a peer that stops answering pings, even with a subscription running", async () => {
    const dead = await connect({ autoPong: false });
    await subscribeToTags(dead, "tags");
    // The server terminates the socket (no close frame): the client sees 1006, not the idle close.
    expect((await dead.closed).code).toBe(1006);
    expect(server.running.server.listening).toBe(true);
  });
});
