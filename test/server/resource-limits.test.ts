// The boot logs one line per resource with the limits its clients meet (rest-dialect.md §9, §22).
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.ts";

let t: TestServer;
const lines: Record<string, unknown>[] = [];
beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n")) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  t = await startTestServer({ env: { SECURITY_PROFILE: "react_admin" }, logger: pino({ level: "info" }, sink) });
});
afterAll(() => t?.close());

describe("startup log: one line per resource with its limits", () => {
  it("names every resource once, with its page, batch and depth limits and its REST profile", () => {
    const limits = lines.filter((l) => typeof l.msg === "string" && l.msg.endsWith(": limits"));
    const byResource = new Map(limits.map((l) => [l.resource, l]));
    expect(limits).toHaveLength(t.running.runtime.schema.resources.length);
    for (const resource of t.running.runtime.schema.resources) {
      expect(byResource.get(resource.plural), resource.plural).toMatchObject({
        msg: `resource ${resource.plural}: limits`,
        maxPageSize: resource.maxPageSize,
        defaultPageSize: resource.defaultPageSize,
        maxBatchSize: resource.maxBatchSize,
        maxDepth: resource.maxDepth,
        securityProfile: resource.security ?? "react_admin",
      });
    }
    // The server's profile sets the body limit of resources without their own (2 MiB under react_admin).
    const own = t.running.runtime.schema.resources.find((r) => r.security === undefined);
    expect(byResource.get(own?.plural)?.maxBodyBytes).toBe(2 * 1024 * 1024);
  });
});
