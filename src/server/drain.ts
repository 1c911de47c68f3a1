/**
 * Draining an HTTP server at shutdown without resetting a request.
 *
 * Two races to avoid. A client sends a request on a keep-alive connection at the moment the server
 * closes that connection because it looked idle: the client sees a reset (or "socket hang up") for a
 * request the server never read. Node's `server.close()` closes idle connections at once (Node 19+), so it
 * runs into exactly that. And a connection whose handshake the kernel completed but Node had not accepted
 * yet is reset when the listening socket closes. So:
 * - `/readyz` answers 503 at once; after an optional delay (`SHUTDOWN_DELAY_MS`, for a load balancer to
 *   see that and stop opening connections) the listening socket closes. Until then keep-alive goes on as
 *   usual: answering `Connection: close` earlier would make every client open a new connection per request,
 *   and any of them caught in the accept queue when the listener closes is reset (measured: 2 resets in a
 *   run of test/faults/sigterm-under-load.test.ts). A connect after that is refused before any byte is
 *   sent: nothing was lost, the client may retry elsewhere;
 * - from then on every response says `Connection: close` (the ones in flight too, when their headers are
 *   not sent yet), so a client uses each connection at most once more and the server closes it after that;
 * - a connection that stays idle is left to the keep-alive timeout the server advertised with its last
 *   response (`Keep-Alive: timeout=5`): clients stop reusing a connection before that hint runs out
 *   (Node's agent 1 s before, undici 1-2 s before), so closing it then races nothing;
 * - whatever is still open after the grace period is cut.
 */
import type { IncomingMessage, RequestListener, Server, ServerResponse } from "node:http";
import { Server as NetServer, type Socket } from "node:net";

/** Time given to the event loop to accept queued connections before the listening socket closes. */
const ACCEPT_FLUSH_MS = 10;

/** Shutdown of one HTTP server: {@link Drain.listener} wraps its request listener; {@link Drain.close} drains it. */
export interface Drain {
  /** Whether shutdown has begun (`/readyz` answers 503 from then on). */
  readonly draining: boolean;
  /** `listener` with `Connection: close` on every response once the listening socket is closed. */
  listener(listener: RequestListener): RequestListener;
  /**
   * Drains: {@link Drain.draining} now; after `delayMs` the listening socket closes and every response
   * from then on closes its connection; resolves once every connection has closed, or when `graceMs` more
   * have passed and the rest were cut.
   */
  close(options: { delayMs: number; graceMs: number }): Promise<void>;
}

/**
 * Tracks the connections of `server` for a graceful {@link Drain.close}. Call before `server.listen`.
 * @example
 * ```ts
 * const server = createServer();
 * const drain = trackConnections(server);
 * server.on("request", drain.listener(app.requestListener));
 * // ... at shutdown:
 * await drain.close({ delayMs: 5_000, graceMs: 10_000 });
 * ```
 */
export function trackConnections(server: Server): Drain {
  let draining = false;
  let listenerClosed = false;
  const sockets = new Set<Socket>();
  const inFlight = new Set<ServerResponse>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });

  return {
    get draining() {
      return draining;
    },
    listener: (listener) => (req: IncomingMessage, res: ServerResponse) => {
      if (listenerClosed) res.setHeader("Connection", "close");
      inFlight.add(res);
      res.once("close", () => inFlight.delete(res));
      return listener(req, res);
    },
    async close({ delayMs, graceMs }) {
      draining = true;
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      // Closing the listening socket resets the connections still in the kernel's accept queue. Let the
      // event loop poll once more first (a busy loop may not have polled for a while): Node accepts
      // every connection queued by then, and those are served like any other.
      await new Promise((resolve) => setTimeout(resolve, ACCEPT_FLUSH_MS));
      // net.Server's close: stop listening, call back once every connection has ended. http.Server's
      // own close would also close the idle keep-alive connections at once, which is the race above.
      const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
      listenerClosed = true;
      for (const res of inFlight) if (!res.headersSent) res.setHeader("Connection", "close");
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      });
      await Promise.race([closed, graceOver]);
      clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
