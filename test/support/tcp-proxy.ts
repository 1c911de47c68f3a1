/**
 * A TCP proxy on loopback in front of a shared server (the machine's RabbitMQ): a test cuts it (every
 * connection reset, new ones refused) to see that server go away as its clients would, and restores
 * it, without touching the server itself.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { freePort } from "./free-port.ts";

/** A proxy of the test's own. */
export interface TcpProxy {
  readonly port: number;
  /** Resets every connection and refuses new ones until {@link restore}. */
  cut(): Promise<void>;
  /** Accepts connections again, on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a proxy to `target` (`host:port`) on a free port. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const listening = createServer((client) => {
        const upstream = createConnection(target);
        sockets.add(client);
        sockets.add(upstream);
        const end = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on("error", end).on("close", end);
        upstream.on("error", end).on("close", end);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      listening.once("error", reject);
      listening.listen(port, "127.0.0.1", () => resolve());
      server = listening;
    });

  const cut = async () => {
    const listening = server;
    server = undefined;
    const closed = new Promise<void>((resolve) => (listening ? listening.close(() => resolve()) : resolve()));
    for (const socket of sockets) socket.resetAndDestroy();
    sockets.clear();
    await closed;
  };

  await listen();
  return {
    port,
    cut,
    restore: () => (server ? Promise.resolve() : listen()),
    close: cut,
  };
}
