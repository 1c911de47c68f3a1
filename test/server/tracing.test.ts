// Tracing (docs/guides/operations.md): with OTEL_EXPORTER_OTLP_ENDPOINT set, a GraphQL query carrying a
// W3C traceparent is exported over OTLP/HTTP as request → GraphQL operation → runtime operation → SQL,
// in the caller's trace with each span's parent right; the SQL span has the text, never the values; a
// log line written during the request carries the trace id and the request id, which is echoed.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logCorrelation } from "../../src/server/request-scope.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: Record<string, unknown> }[];
}

/** A collector of OTLP/HTTP JSON exports: every span POSTed to /v1/traces. */
function otlpReceiver() {
  const spans: ExportedSpan[] = [];
  const contentTypes: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      contentTypes.push(String(req.headers["content-type"]));
      if (req.url === "/v1/traces") {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
          resourceSpans: { scopeSpans: { spans: ExportedSpan[] }[] }[];
        };
        for (const resource of body.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  return { server, spans, contentTypes };
}

const attribute = (span: ExportedSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value && Object.values(value)[0];
};

describe("tracing over OTLP/HTTP", () => {
  const receiver = otlpReceiver();
  const lines: Record<string, unknown>[] = [];
  let server: TestServer | undefined;
  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.server.listen(0, "127.0.0.1", resolve));
    const { port } = receiver.server.address() as AddressInfo;
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString("utf8").split("\n")) if (line) lines.push(JSON.parse(line));
        done();
      },
    });
    server = await startTestServer({
      env: { RATE_LIMIT: "0", OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_SERVICE_NAME: "obs-test" },
      logger: pino({ level: "info", mixin: logCorrelation }, stream),
    });
  });
  afterAll(async () => {
    await server?.close();
    await new Promise((resolve) => receiver.server.close(resolve));
  });

  it("continues the caller's trace: request → GraphQL operation → runtime operation → SQL", async () => {
    const running = (server as TestServer).running;
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const callerSpan = "00f067aa0ba902b7";
    const response = await fetch(`${running.url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        traceparent: `00-${traceId}-${callerSpan}-01`,
        "x-request-id": "trace-req-1",
      },
      body: JSON.stringify({
        query: 'query T { posts(take: 1, where: { title: { contains: "needle-value" } }) { id } }',
      }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { errors?: unknown }).errors).toBeUndefined();
    expect(response.headers.get("x-request-id")).toBe("trace-req-1");

    // Closing flushes the batch processor: every span of the request is exported by then.
    await (server as TestServer).close();
    server = undefined;
    expect(receiver.contentTypes.every((type) => type.startsWith("application/json"))).toBe(true);
    const inTrace = receiver.spans.filter((span) => span.traceId === traceId);
    const request = inTrace.find((span) => span.name === "POST /graphql");
    expect(request?.parentSpanId).toBe(callerSpan);
    expect(attribute(request as ExportedSpan, "http.route")).toBe("/graphql");
    const operation = inTrace.find((span) => span.name === "query T");
    expect(operation?.parentSpanId).toBe(request?.spanId);
    const runtimeOps = inTrace.filter(
      (span) => span.name.startsWith("post.") && span.parentSpanId === operation?.spanId,
    );
    expect(runtimeOps.length).toBe(1);
    const runtimeOp = runtimeOps[0] as ExportedSpan;
    expect(attribute(runtimeOp, "autograph.resource")).toBe("post");
    const statements = inTrace.filter((span) => span.parentSpanId === runtimeOp.spanId);
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      expect(attribute(statement, "db.system.name")).toBe("postgresql");
      expect(String(attribute(statement, "db.query.text"))).not.toContain("needle-value");
    }
    expect(statements.some((s) => /select/i.test(String(attribute(s, "db.query.text"))))).toBe(true);

    const logged = lines.find((line) => line.msg === "request" && line.path === "/graphql");
    expect(logged).toMatchObject({ requestId: "trace-req-1", traceId });
  });
});
