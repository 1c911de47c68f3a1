/**
 * `GET <base>/_meta`: the schema description of the requesting actor (runtime/describe.ts;
 * docs/reference/meta.md is the contract), what a client needs to build its screens at run time.
 * Cached per actor object, with an ETag so a client that has it gets a 304.
 */
import { createHash } from "node:crypto";
import type { SecurityProfile } from "../../metadata/definition.ts";
import { ActorView } from "../../runtime/access.ts";
import type { Actor } from "../../runtime/context.ts";
import { describeSchema } from "../../runtime/describe.ts";
import type { Runtime } from "../../runtime/runtime.ts";
import { rejectOthers } from "../list-params.ts";
import { jsonTextResponse } from "../response.ts";
import { routeParams, rulesFor } from "../security-profile.ts";
import { type Api, getOnly, type Route } from "./route.ts";

/** What the description route needs. */
export interface DescribeRoute {
  api: Api;
  runtime: Runtime;
  route: Route;
  /** The base path, without a trailing slash. */
  base: string;
  serverProfile: SecurityProfile;
  /** Whether the event streams are served (the description names their paths). */
  events: boolean;
}

/** Whether `If-None-Match` names this ETag (or `*`). */
function matches(header: string | undefined, etag: string): boolean {
  return (header ?? "").split(",").some((tag) => {
    const t = tag.trim();
    return t === "*" || t === etag || t === `W/${etag}`;
  });
}

/** Mounts `GET <base>/_meta`. */
export function mountDescribeRoute(d: DescribeRoute): void {
  const { runtime, base } = d;
  const rules = rulesFor(undefined, d.serverProfile);
  // Keyed by the actor object: the anonymous actor is one object, and so is every request of a resolver that reuses them.
  const described = new WeakMap<Actor, { json: string; etag: string }>();
  getOnly(d.api, d.route, "/_meta", async (c, ctx, params) => {
    rejectOthers(routeParams(params, [], rules));
    let entry = described.get(ctx.actor);
    if (!entry) {
      const view = new ActorView(ctx.actor, runtime.isAdmin(ctx));
      const json = JSON.stringify(
        describeSchema(runtime.schema, view, { basePath: base, events: d.events, locks: runtime.locks }),
      );
      entry = { json, etag: `"${createHash("sha256").update(json).digest("base64url").slice(0, 32)}"` };
      described.set(ctx.actor, entry);
    }
    // Each actor gets their own description: shared caches must not keep it, browsers revalidate it.
    const headers = { ETag: entry.etag, "Cache-Control": "private, no-cache", Vary: "Authorization, X-API-Key" };
    if (matches(c.req.header("if-none-match"), entry.etag)) return new Response(null, { status: 304, headers });
    return jsonTextResponse(entry.json, 200, headers);
  });
}
