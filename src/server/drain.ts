/**
 * Draining an HTTP server at shutdown without resetting a request.
 *
 * The race to avoid: a client sends a request on a keep-alive connection at the moment the server closes
 * that connection because it looked idle; the client sees a reset (or "socket hang up") for a request the
 * server never read. Node's `server.close()` closes idle connections at once (Node 19+), so it runs into
 * exactly that. Instead, while draining:
 * - every response says `Connection: close` (the ones in flight too, when their headers are not sent yet),
 *   so a client uses each connection at most once more and the server closes it after that answer;
 * - a connection that stays idle is left to the keep-alive timeout the server advertised with its last
 *   response (`Keep-Alive: timeout=5`): clients stop reusing a connection before that hint runs out
 *   (Node's agent 1 s before, undici 1-2 s before), so closing it then races nothing;
 * - after an optional delay (for a load balancer to see `/readyz` answer 503) the listening socket closes
 *   (a later connect is refused before any byte is sent: nothing was lost), and whatever is still open
 *   after the grace period is cut.
 */
import type { IncomingMessage, RequestListener, Server, ServerResponse } from "node:http";
import { Server as NetServer, type Socket } from "node:net";

/** Shutdown of one HTTP server: {@link Drain.listener} wraps its request listener; {@link Drain.close} drains it. */
export interface Drain {
  /** Whether shutdown has begun (`/readyz` answers 503 from then on). */
  readonly draining: boolean;
  /** `listener` with `Connection: close` on every response once draining. */
  listener(listener: RequestListener): RequestListener;
  /**
   * Drains: from now on every response closes its connection; after `delayMs` the listening socket closes;
   * resolves once every connection has closed, or when `graceMs` more have passed and the rest were cut.
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
      if (draining) res.setHeader("Connection", "close");
      inFlight.add(res);
      res.once("close", () => inFlight.delete(res));
      return listener(req, res);
    },
    async close({ delayMs, graceMs }) {
      draining = true;
      for (const res of inFlight) if (!res.headersSent) res.setHeader("Connection", "close");
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      // net.Server's close: stop listening, call back once every connection has ended. http.Server's
      // own close would also close the idle keep-alive connections at once, which is the race above.
      const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
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
