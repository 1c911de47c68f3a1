/**
 * A tiny round-robin HTTP load balancer on loopback, behaving like nginx's `upstream` block with
 * `keepalive` and `proxy_next_upstream error`:
 * - each request goes to the next healthy backend in turn, over keep-alive connections;
 * - each backend's `/readyz` is checked every `healthEveryMs`; one that does not answer 200 gets no
 *   new requests until it does again (if none is healthy, all are tried);
 * - a request is retried on the next backend only when its connection failed before any byte of it
 *   was sent (the connect was refused or reset); once the request has gone out it is never sent twice
 *   (a write must not be replayed): a failure then is a 502 to the client.
 * Every response says which backend answered in `X-Upstream`.
 */
import {
  Agent,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request as httpRequest,
  type Server,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** Options of {@link startRoundRobinProxy}. */
export interface RoundRobinOptions {
  /** Origins of the backends (`http://localhost:4001`). */
  backends: readonly string[];
  /** @default 200 */
  healthEveryMs?: number;
}

/** What the proxy did, for a test's figures. */
export interface ProxyStats {
  /** Requests answered by a backend. */
  forwarded: number;
  /** Attempts moved to another backend after a connection failed before sending. */
  retried: number;
  /** Requests answered 502 (a failure after the request was sent, or no backend could be reached). */
  failed: number;
  /** The reasons of those 502s. */
  failures: string[];
}

/** A running proxy. */
export interface RoundRobinProxy {
  readonly url: string;
  readonly stats: ProxyStats;
  /** Whether the last health check of `backend` answered 200. */
  healthy(backend: string): boolean;
  close(): Promise<void>;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1): between one client and one server, never forwarded. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

function forwardable(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !HOP_BY_HOP.has(name.toLowerCase())) out[name] = value;
  return out;
}

/** An attempt that failed; `sent` tells whether any byte of the request had left. */
class AttemptFailed extends Error {
  constructor(
    message: string,
    readonly sent: boolean,
  ) {
    super(message);
  }
}

/**
 * Starts the proxy on a free loopback port; resolves after a first health check of every backend.
 * @example
 * ```ts
 * const proxy = await startRoundRobinProxy({ backends: [a.url, b.url] });
 * await fetch(`${proxy.url}/api/tags`);
 * await proxy.close();
 * ```
 */
export async function startRoundRobinProxy(options: RoundRobinOptions): Promise<RoundRobinProxy> {
  const backends = options.backends.map((origin) => new URL(origin));
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const health = new Map<string, boolean>(backends.map((b) => [b.origin, true]));
  const stats: ProxyStats = { forwarded: 0, retried: 0, failed: 0, failures: [] };
  let turn = 0;

  const check = (backend: URL) =>
    new Promise<void>((resolve) => {
      // A connection of its own (no agent): a health check must see whether new connections are accepted.
      const probe = httpRequest(new URL("/readyz", backend), { agent: false, timeout: 1000 }, (response) => {
        health.set(backend.origin, response.statusCode === 200);
        response.resume();
        response.once("end", resolve);
      });
      probe.once("timeout", () => probe.destroy(new Error("health check timed out")));
      probe.once("error", () => {
        health.set(backend.origin, false);
        resolve();
      });
      probe.end();
    });
  let checking = Promise.all(backends.map(check));
  await checking;
  const timer = setInterval(() => {
    checking = checking.then(() => Promise.all(backends.map(check)));
  }, options.healthEveryMs ?? 200);

  /** The backends in the order this request tries them: the healthy ones from the next turn, then the others. */
  const order = (): URL[] => {
    const start = turn++ % backends.length;
    const rotated = backends.map((_, i) => backends[(start + i) % backends.length] as URL);
    return [...rotated.filter((b) => health.get(b.origin)), ...rotated.filter((b) => !health.get(b.origin))];
  };

  const attempt = (
    backend: URL,
    method: string,
    path: string,
    headers: Record<string, string | string[]>,
    body: Buffer,
  ) =>
    new Promise<IncomingMessage>((resolve, reject) => {
      let sent = false;
      const upstream = httpRequest(
        { protocol: backend.protocol, hostname: backend.hostname, port: backend.port, method, path, headers, agent },
        resolve,
      );
      upstream.once("socket", (socket: Socket) => {
        // A reused keep-alive socket is connected: the request is written at once.
        if (!socket.connecting) sent = true;
        else socket.once("connect", () => (sent = true));
      });
      upstream.once("error", (error: NodeJS.ErrnoException) =>
        reject(new AttemptFailed(`${backend.origin}: ${error.code ?? error.message}`, sent)),
      );
      upstream.end(body);
    });

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const headers = forwardable(req.headers);
    const reasons: string[] = [];
    for (const backend of order()) {
      try {
        const response = await attempt(backend, req.method ?? "GET", req.url ?? "/", headers, body);
        stats.forwarded++;
        res.writeHead(response.statusCode ?? 502, { ...forwardable(response.headers), "x-upstream": backend.origin });
        response.pipe(res);
        response.once("error", () => res.destroy());
        return;
      } catch (error) {
        const failed = error as AttemptFailed;
        reasons.push(failed.message);
        if (failed.sent) break;
        stats.retried++;
      }
    }
    stats.failed++;
    stats.failures.push(`${req.method} ${req.url}: ${reasons.join("; ")}`);
    res.writeHead(502, { "content-type": "application/json" });
    res.end(JSON.stringify({ message: `Bad gateway: ${reasons.join("; ")}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    healthy: (backend) => health.get(new URL(backend).origin) === true,
    async close() {
      clearInterval(timer);
      await checking;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
