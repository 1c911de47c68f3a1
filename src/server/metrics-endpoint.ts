/**
 * GET /metrics: the Prometheus exposition of a server's {@link Metrics}, behind `METRICS_TOKEN` when it
 * is set (a Bearer token, compared in constant time; anything else is a 401 with a JSON message), on
 * the main port (a Hono route) or on `METRICS_PORT` (a listener of its own serving nothing else).
 */
import { timingSafeEqual } from "node:crypto";
import type { RequestListener } from "node:http";
import type { Metrics } from "./metrics.ts";

/** The path metrics are served at. */
export const METRICS_PATH = "/metrics";

/** Answers a scrape: 401 without the token (when one is set), else the exposition text. */
export async function answerScrape(
  metrics: Metrics,
  token: string | undefined,
  authorization: string | null | undefined,
): Promise<Response> {
  if (token !== undefined && !bearerMatches(authorization, token))
    return Response.json(
      {
        message: "Metrics need `Authorization: Bearer <METRICS_TOKEN>`; the token is missing or wrong.",
        code: "UNAUTHORIZED",
      },
      { status: 401, headers: { "WWW-Authenticate": 'Bearer realm="metrics"' } },
    );
  const { contentType, body } = await metrics.scrape();
  return new Response(body, { headers: { "Content-Type": contentType, "Cache-Control": "no-store" } });
}

/** The listener of `METRICS_PORT`: GET /metrics, 404 for anything else. */
export function metricsListener(metrics: Metrics, token: string | undefined): RequestListener {
  return (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== METRICS_PATH || (req.method !== "GET" && req.method !== "HEAD")) {
      const body = JSON.stringify({ message: `Only GET ${METRICS_PATH} is served on this port.`, code: "NOT_FOUND" });
      res.writeHead(404, { "Content-Type": "application/json" }).end(body);
      return;
    }
    void answerScrape(metrics, token, req.headers.authorization).then(
      async (response) => {
        const body = Buffer.from(await response.arrayBuffer());
        res
          .writeHead(response.status, Object.fromEntries(response.headers))
          .end(req.method === "HEAD" ? undefined : body);
      },
      () =>
        res
          .writeHead(500, { "Content-Type": "application/json" })
          .end('{"message":"Metrics failed","code":"INTERNAL"}'),
    );
  };
}

function bearerMatches(authorization: string | null | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  if (!match) return false;
  const given = Buffer.from(match[1] as string);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
