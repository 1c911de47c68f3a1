/**
 * The routes about the API itself: `<base>/openapi.json`, the docs page at `<base>/docs` and its assets,
 * and the answer to a path no route takes.
 */
import type { Context } from "hono";
import type { SecurityProfile } from "../../metadata/definition.ts";
import type { ResolvedSchema } from "../../metadata/resolved.ts";
import { AppError, show } from "../../runtime/errors.ts";
import { createDocsSite } from "../docs.ts";
import { errorResponse } from "../errors.ts";
import { rejectOthers } from "../list-params.ts";
import { buildOpenApi } from "../openapi.ts";
import { jsonResponse } from "../response.ts";
import { routeParams, rulesFor } from "../security-profile.ts";
import type { Api } from "./route.ts";

/** What the meta routes need. */
export interface MetaRoutes {
  api: Api;
  schema: ResolvedSchema;
  /** The base path, without a trailing slash. */
  base: string;
  serverProfile: SecurityProfile;
  onUnexpectedError: (error: unknown) => void;
}

/** Mounts the OpenAPI document and the docs site; returns the answer to a path no route takes. */
export function mountMetaRoutes(m: MetaRoutes): (c: Context) => Response {
  const { api, base, serverProfile } = m;
  const openapi = buildOpenApi(m.schema, { serverUrl: base || "/", securityProfile: serverProfile });
  const docs = createDocsSite(base, "Autograph REST API");
  const paths = m.schema.resources.map((r) => `${base}/${r.names.path}`).join(", ");
  const notFound = (c: Context): Response =>
    errorResponse(
      new AppError(
        "NOT_FOUND",
        `No REST route at ${show(c.req.path)}. Resources: ${paths}; also ${base}/openapi.json and ${base}/docs.`,
      ),
      m.onUnexpectedError,
    );

  api.get("/openapi.json", (c) => {
    rejectOthers(routeParams(new URL(c.req.url).searchParams, [], rulesFor(undefined, serverProfile)));
    return jsonResponse(openapi);
  });
  api.get("/docs", () => docs.page());
  api.get("/docs/:file", async (c) => (await docs.asset(c.req.param("file"))) ?? notFound(c));
  return notFound;
}
