// The index at / and /api: JSON for programs, a self-contained page of links for a browser (it prefers
// HTML), with the security headers of every answer.
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/server/app.ts";
import { prefersHtml } from "../../src/server/root-page.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";

let t: TestRuntime;
let app: App;
beforeAll(async () => {
  t = await createTestRuntime();
  app = createApp({ runtime: t.runtime, logger: pino({ level: "silent" }) });
});
afterAll(() => t?.close());

const get = (path: string, accept?: string) =>
  app.fetch(new Request(`http://test${path}`, accept === undefined ? {} : { headers: { accept } }));

/** What a browser sends when it navigates to a page (Chromium, Firefox). */
const BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

const INDEX = {
  name: "Autograph",
  graphql: "/graphql",
  rest: "/api",
  openapi: "/api/openapi.json",
  docs: "/api/docs",
  meta: "/api/_meta",
  admin: "/admin",
  resources: ["/api/users", "/api/posts", "/api/comments", "/api/tags", "/api/tickets", "/api/ticket-replies"],
};

describe("GET /", () => {
  it("answers a browser a page of links to the admin, GraphiQL, the REST docs and documents, and each resource", async () => {
    const response = await get("/", BROWSER);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html; charset=utf-8$/i);
    expect(response.headers.get("vary")).toMatch(/Accept/);
    const html = await response.text();
    const links = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    expect(links).toEqual(["/admin", "/graphql", "/api/docs", "/api/openapi.json", "/api/_meta", ...INDEX.resources]);
    expect(html).toMatch(/^<!doctype html>/);
    // Self-contained and CSP-friendly: no script, no style, nothing loaded from elsewhere.
    expect(html).not.toMatch(/<script|<style|style=|<link|src=|https?:/i);
    expect(response.headers.get("content-security-policy")).toBe("frame-ancestors 'none'");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("says GraphiQL only where it is served", async () => {
    expect(await (await get("/", BROWSER)).text()).toMatch(/GraphiQL/);
    const bare = createApp({ runtime: t.runtime, logger: pino({ level: "silent" }), graphiql: false });
    const html = await (await bare.fetch(new Request("http://test/", { headers: { accept: BROWSER } }))).text();
    expect(html).not.toMatch(/GraphiQL/);
    expect(html).toMatch(/href="\/graphql"/);
  });

  it("answers JSON to programs: an Accept of JSON, of anything, or none", async () => {
    for (const accept of ["application/json", "*/*", undefined, "application/json, text/html"]) {
      const response = await get("/", accept);
      expect(response.headers.get("content-type"), accept).toMatch(/^application\/json/);
      expect(await response.json()).toEqual(INDEX);
    }
  });
});

describe("GET /api", () => {
  it("answers the same JSON index, with or without the trailing slash, whatever the Accept", async () => {
    for (const path of ["/api", "/api/"]) {
      const response = await get(path, BROWSER);
      expect(response.status, path).toBe(200);
      expect(await response.json()).toEqual(INDEX);
      expect(response.headers.get("x-frame-options")).toBe("DENY");
    }
    // Other paths under /api are still the REST facade's.
    expect((await get("/api/nothing")).status).toBe(404);
  });
});

describe("prefersHtml", () => {
  it("is true only when text/html ranks above application/json", () => {
    expect(prefersHtml(BROWSER)).toBe(true);
    expect(prefersHtml("text/html")).toBe(true);
    expect(prefersHtml("text/*;q=0.9, application/json;q=0.5")).toBe(true);
    expect(prefersHtml("text/html;q=0.5, application/json")).toBe(false);
    expect(prefersHtml("text/html, application/json")).toBe(false); // a tie: JSON
    expect(prefersHtml("*/*")).toBe(false);
    expect(prefersHtml("")).toBe(false);
    expect(prefersHtml(undefined)).toBe(false);
    expect(prefersHtml("application/json;q=0, text/html;q=0.1")).toBe(true);
    expect(prefersHtml("text/html;q=abc")).toBe(false);
  });
});
