/**
 * The REST facade: every resource of the runtime at `<basePath>/<resource>`, in the react-admin
 * (ra-data-simple-rest) dialect plus CRUDCrate query conventions, with OpenAPI and its docs page,
 * and change event streams (events.ts). docs/reference/rest-dialect.md is the contract. Transport only: each route parses syntax and calls
 * one service method; the runtime checks fields, operators, values and limits.
 */
import { type Context, Hono } from "hono";
import type { SecurityProfile } from "../metadata/definition.ts";
import type { ResolvedResource } from "../metadata/resolved.ts";
import type { RequestContext } from "../runtime/context.ts";
import { AppError, show } from "../runtime/errors.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { ResourceService } from "../runtime/service.ts";
import type { Projection } from "../runtime/service-types.ts";
import type { BatchAction } from "../runtime/batch.ts";
import { etagHeader, expectedVersion } from "./versions.ts";
import { readJsonBody } from "./body.ts";
import { parseAggregateQuery } from "./aggregate-params.ts";
import { batchResponse, parseBatchQuery } from "./batch.ts";
import { cursorListHeaders, listHeaders } from "./content-range.ts";
import { createDocsSite } from "./docs.ts";
import { attachEmbeds, checkEmbedPaths } from "./embeds.ts";
import { errorResponse } from "./errors.ts";
import { parseFieldsParam, projection } from "./fields.ts";
import { cursorLinks, parseCursorQuery } from "./keyset.ts";
import { lifecycleVersion, noBodyNorVersion, optionalParam, revisionListHeaders } from "./lifecycle.ts";
import { type ListQuery, ONE_PARAMS, parseListQuery, parseOneQuery, rejectOthers } from "./list-params.ts";
import { buildOpenApi } from "./openapi.ts";
import type { Events } from "../events/events.ts";
import { EVENT_STREAM_PARAMS, type EventStreamOptions, eventStream, parseEventStreamQuery } from "./events.ts";
import { restCors } from "./cors.ts";
import { jsonResponse, jsonTextResponse } from "./response.ts";
import { DEFAULT_SECURITY_PROFILE, routeParams, rulesFor } from "./security-profile.ts";

/** Options of {@link createRestHandler}. */
export interface RestHandlerOptions {
  runtime: Runtime;
  /** The request context (actor, loaders, request id) of one request. Called once per request. */
  contextFor: (request: Request) => RequestContext | Promise<RequestContext>;
  /** Path the facade is mounted at. @default "/api" */
  basePath?: string;
  /**
   * How strictly requests are read (§22): unknown query parameters and filter keys, what a batch
   * delete answers, the body limit. A resource's own `security` wins for its routes.
   * @default "secure"
   * @example createRestHandler({ runtime, contextFor, securityProfile: "react_admin" })
   */
  securityProfile?: SecurityProfile;
  /**
   * Largest request body in bytes; larger ones get 413. When set, it applies to every resource, whatever
   * its profile. @default the profile's: 1 MiB secure, 2 MiB react_admin, 10 MiB legacy
   */
  maxBodyBytes?: number;
  /** Longest query string in bytes; longer ones get 400. @default 16 KiB (16_384) */
  maxQueryBytes?: number;
  /** Most embed paths in one request. @default 20 */
  maxEmbeds?: number;
  /** Allowed CORS origins. @default { origin: "*" } */
  cors?: { origin: string | string[] };
  /**
   * Change events, for the event streams `GET <basePath>/<resource>/events` and `GET <basePath>/events`
   * (§21). @default none: those routes answer 404
   */
  events?: Events | undefined;
  /** Heartbeat and reconnection hint of the event streams. @default { heartbeatMs: 15_000, retryMs: 3_000 } */
  eventStream?: EventStreamOptions;
  /** Receives errors that are not {@link AppError}s (answered as a bare 500). @default console.error */
  onUnexpectedError?: (error: unknown) => void;
}

/** A Fetch API handler. */
export interface RestHandler {
  fetch(request: Request): Promise<Response>;
}

/** Headers a browser may send cross-origin: ra-data-simple-rest sends `Range` on every list. */
export const CORS_ALLOW_HEADERS = [
  "Content-Type",
  "Authorization",
  "X-API-Key",
  "Range",
  "If-Match",
  "If-None-Match",
  "X-Request-Id",
  "Last-Event-ID",
] as const;
/** Response headers a browser lets scripts read: react-admin reads `Content-Range` for totals. */
export const CORS_EXPOSE_HEADERS = ["Content-Range", "ETag", "Link", "X-Total-Count", "Location"] as const;

/** Paths under the base path the facade itself uses; a resource cannot take them. */
const OWN_PATHS = new Set(["docs", "openapi.json", "events"]);

/**
 * Builds the REST handler over a runtime.
 * @example
 * const rest = createRestHandler({ runtime, contextFor: () => runtime.context() });
 * const response = await rest.fetch(new Request("http://localhost/api/posts?range=[0,9]"));
 */
export function createRestHandler(options: RestHandlerOptions): RestHandler {
  const { runtime } = options;
  const base = (options.basePath ?? "/api").replace(/\/+$/, "");
  const serverProfile = options.securityProfile ?? DEFAULT_SECURITY_PROFILE;
  const maxQueryBytes = options.maxQueryBytes ?? 16 * 1024;
  const parse = { maxEmbeds: options.maxEmbeds ?? 20, schema: runtime.schema };
  const onUnexpectedError =
    options.onUnexpectedError ?? ((error: unknown) => console.error("REST: unexpected error", error));
  for (const resource of runtime.schema.resources) {
    if (OWN_PATHS.has(resource.names.path))
      throw new Error(
        `REST: resource "${resource.name}" has the path "${resource.names.path}", which the REST facade uses itself; set \`plural\` on the resource.`,
      );
  }

  const openapi = buildOpenApi(runtime.schema, { serverUrl: base || "/", securityProfile: serverProfile });
  const docs = createDocsSite(base, "Autograph REST API");

  const app = new Hono({ strict: true });
  const api = base === "" ? app : app.basePath(base);
  api.use(
    "*",
    restCors({
      origin: options.cors?.origin ?? "*",
      allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
      allowHeaders: [...CORS_ALLOW_HEADERS],
      exposeHeaders: [...CORS_EXPOSE_HEADERS],
      maxAge: 600,
    }),
  );
  api.use("*", async (c, next) => {
    const query = new URL(c.req.url).search;
    const size = Buffer.byteLength(query) - 1;
    if (size > maxQueryBytes)
      throw new AppError(
        "BAD_REQUEST",
        `Query string is too long: ${size} bytes, at most ${maxQueryBytes}. Filter by fewer values, or page.`,
      );
    await next();
  });

  /** Runs a route with the request's context, turning every failure into an error response. */
  const route =
    (handle: (c: Context, ctx: RequestContext, params: URLSearchParams) => Promise<Response>) => async (c: Context) => {
      try {
        return await handle(c, await options.contextFor(c.req.raw), new URL(c.req.url).searchParams);
      } catch (error) {
        return errorResponse(error, onUnexpectedError);
      }
    };

  api.get("/openapi.json", (c) => {
    rejectOthers(routeParams(new URL(c.req.url).searchParams, [], rulesFor(undefined, serverProfile)));
    return jsonResponse(openapi);
  });
  api.get("/docs", () => docs.page());

  // Event streams (§21). Without change events there is nothing to stream: a 404 that says why.
  const streamRoute = (resource: ResolvedResource | undefined) =>
    route(async (c, ctx, params) => {
      if (!options.events)
        throw new AppError(
          "NOT_FOUND",
          "Event streams are off: this server runs without change events (createRestHandler was given no `events`).",
        );
      const allowed = routeParams(
        params,
        EVENT_STREAM_PARAMS[resource ? "one" : "all"],
        rulesFor(resource, serverProfile),
      );
      const query = parseEventStreamQuery(runtime.schema, runtime, resource, allowed, c.req.raw.headers);
      return eventStream(options.events, runtime, ctx, c.req.raw, query, options.eventStream);
    });
  api.get("/events", streamRoute(undefined));
  api.all("/events", (c) => methodNotAllowed(c, ["GET", "OPTIONS"]));
  api.get("/docs/:file", async (c) => (await docs.asset(c.req.param("file"))) ?? notFound(c));

  for (const resource of runtime.schema.resources) {
    const service = runtime.service(resource.name);
    // This resource's security profile (§22): its own, else the server's.
    const rules = rulesFor(resource, serverProfile);
    const maxBodyBytes = options.maxBodyBytes ?? rules.maxBodyBytes;
    const listOptions = { ...parse, rules };
    /** The list options of one request: a lenient profile also drops filters on fields its actor may not see. */
    const listOptionsOf = (ctx: RequestContext) => ({
      ...listOptions,
      readable: (r: ResolvedResource, field: string) => runtime.service(r.name).canRead(ctx, field),
    });
    /** The query parameters a route reads: under a lenient profile, the others are dropped before its checks. */
    const only = (params: URLSearchParams, allowed: readonly string[] = []) => routeParams(params, allowed, rules);
    const collection = `/${resource.names.path}`;
    const member = `${collection}/:id`;
    const aggregate = `${collection}/aggregate`;
    const batch = `${collection}/batch`;
    const id = (c: Context) => c.req.param("id") ?? "";
    const rev = (c: Context) => c.req.param("rev") ?? "";
    const getMany = async (ctx: RequestContext, ids: readonly unknown[], load: Projection) => {
      const records = await service.getMany(ctx, ids, load);
      return { records, total: records.length };
    };

    api.get(
      collection,
      route(async (c, ctx, params) => {
        const query = parseListQuery(resource, params, listOptionsOf(ctx));
        const cursor = parseCursorQuery(params);
        const shape = projection(runtime.schema, resource, "list", fieldsOf(params), query.embed, parse.maxEmbeds);
        if (cursor) {
          // Keyset page (§14): per_page is the size; the way on is in Link, the offset is unknown.
          const size = query.limit ?? resource.defaultPageSize;
          const pageParams = {
            filter: query.filter,
            sort: query.sort,
            ...(cursor.backward ? { last: size, before: cursor.cursor } : { first: size, after: cursor.cursor }),
            withTotal: true,
            deleted: query.deleted,
          };
          checkEmbedPaths(runtime, resource, shape.embeds);
          const text = await service.pageText(ctx, pageParams, shape.selection, "rest");
          if (text)
            return jsonTextResponse(text.nodes, 200, {
              ...cursorListHeaders(resource.names.path, text.totalCount ?? 0),
              Link: cursorLinks(c.req.url, text),
            });
          const page = await service.page(ctx, pageParams, shape.load);
          await attachEmbeds(runtime, ctx, resource, page.records, shape.embeds);
          shape.apply(page.records);
          return jsonResponse(page.records, 200, {
            ...cursorListHeaders(resource.names.path, page.totalCount ?? 0),
            Link: cursorLinks(c.req.url, page),
          });
        }
        if (!query.ids) {
          // The body is PostgreSQL's JSON text, unless list hooks need the records (§5, §16 hold either way).
          checkEmbedPaths(runtime, resource, shape.embeds);
          const text = await service.listText(ctx, { ...query, withTotal: true }, shape.selection, "rest");
          if (text) {
            const total = text.total ?? text.count;
            return jsonTextResponse(text.json, 200, {
              ...listHeaders(resource.names.path, query.offset ?? 0, text.count, total),
              ...pageLinks(c, query, total),
            });
          }
        }
        const { records, total } = query.ids
          ? await getMany(ctx, query.ids, shape.load)
          : await service.list(ctx, { ...query, withTotal: true }, shape.load);
        await attachEmbeds(runtime, ctx, resource, records, shape.embeds);
        shape.apply(records);
        return jsonResponse(records, 200, {
          ...listHeaders(resource.names.path, query.offset ?? 0, records.length, total ?? records.length),
          ...pageLinks(c, query, total ?? 0),
        });
      }),
    );
    api.post(
      collection,
      route(async (c, ctx, params) => {
        rejectOthers(only(params));
        // react-admin's Clone posts the source record's read-only fields back: they are ignored (§6.2).
        const record = await service.create(ctx, await readJsonBody(c.req.raw, maxBodyBytes), { ignoreReadOnly: true });
        return jsonResponse(record, 201, {
          Location: `${base}${collection}/${encodeURIComponent(String(record[resource.id.name]))}`,
          ...etagHeader(resource, record),
        });
      }),
    );
    // Before the member routes, so `aggregate` is never taken for an id (§15).
    api.get(
      aggregate,
      route(async (_c, ctx, params) => {
        const { filter, spec } = parseAggregateQuery(resource, params, listOptionsOf(ctx));
        return jsonResponse({ groups: await service.aggregate(ctx, filter, spec) });
      }),
    );
    api.all(aggregate, (c) => methodNotAllowed(c, ["GET", "HEAD", "OPTIONS"]));
    // This resource's event stream (§21), before the member routes too.
    api.get(`${collection}/events`, streamRoute(resource));
    api.all(`${collection}/events`, (c) => methodNotAllowed(c, ["GET", "OPTIONS"]));
    // Batch writes (§20), also before the member routes: `batch` is never an id either.
    const batchRoute = (action: BatchAction) =>
      route(async (c, ctx, params) => {
        const { partial } = parseBatchQuery(only(params, ["partial"]));
        const items = await readJsonBody(c.req.raw, maxBodyBytes, "a JSON array of items");
        return batchResponse(service, ctx, c.req.raw, action, items, partial, rules.batchDeleteReturns);
      });
    api.post(batch, batchRoute("create"));
    // PUT changes the fields sent, as on a single record (§6.3): both are patches.
    api.put(batch, batchRoute("patch"));
    api.patch(batch, batchRoute("patch"));
    api.delete(batch, batchRoute("delete"));
    api.all(batch, (c) => methodNotAllowed(c, ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"]));
    for (const action of ["restore", "purge"] as const) {
      api.post(`${batch}/${action}`, batchRoute(action));
      api.all(`${batch}/${action}`, (c) => methodNotAllowed(c, ["POST", "OPTIONS"]));
    }
    api.get(
      member,
      route(async (c, ctx, params) => {
        const { embed, deleted, asOf } = parseOneQuery(only(params, ONE_PARAMS), parse);
        const shape = projection(runtime.schema, resource, "one", fieldsOf(params), embed, parse.maxEmbeds);
        if (asOf !== undefined) {
          // A snapshot (§19.4): the record as stored then, without relations and without an ETag (it is
          // not the version a write could name).
          if (shape.embeds.length > 0)
            throw new AppError(
              "BAD_REQUEST",
              `Query parameter "asOf" cannot be combined with relation paths in "fields" (${shape.embeds.join(", ")}): a revision is the record alone, as it was stored.`,
            );
          const snapshot = await service.get(ctx, id(c), { asOf, deleted });
          shape.apply([snapshot]);
          return jsonResponse(snapshot);
        }
        const record = await service.get(ctx, id(c), { deleted }, shape.load);
        await attachEmbeds(runtime, ctx, resource, [record], shape.embeds);
        shape.apply([record]);
        return jsonResponse(record, 200, etagHeader(resource, record));
      }),
    );
    // react-admin sends the whole record back on update, but only the changed fields on updateMany: PUT
    // therefore changes the fields sent and keeps the others (§6.3). The id, read-only fields and embeds
    // in the body are ignored.
    // A version (If-Match, or the record's version sent back) makes the write conditional (§17).
    const change = route(async (c, ctx, params) => {
      const body = await writeBody(c, only(params), service, maxBodyBytes);
      const record = await service.patch(ctx, id(c), body, {
        ignoreReadOnly: true,
        ...expectedVersion(resource, c.req.raw, body),
      });
      return jsonResponse(record, 200, etagHeader(resource, record));
    });
    api.put(member, change);
    api.patch(member, change);
    // On a soft-deleted resource DELETE moves the record to the trash and answers it, deletedAt set (§18.1).
    api.delete(
      member,
      route(async (c, ctx, params) => {
        rejectOthers(only(params));
        return jsonResponse(await service.delete(ctx, id(c), expectedVersion(resource, c.req.raw)));
      }),
    );
    api.all(collection, (c) => methodNotAllowed(c, ["GET", "HEAD", "POST", "OPTIONS"]));
    api.all(member, (c) => methodNotAllowed(c, ["GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"]));

    // The trash (§18) and revisions (§19). Routed on every resource, so a resource without a trash or
    // revisions answers the runtime's 400 saying so, rather than a bare "no route".
    const post = (path: string, handle: Parameters<typeof route>[0]) => {
      api.post(path, route(handle));
      api.all(path, (c) => methodNotAllowed(c, ["POST", "OPTIONS"]));
    };
    const get = (path: string, handle: Parameters<typeof route>[0]) => {
      api.get(path, route(handle));
      api.all(path, (c) => methodNotAllowed(c, ["GET", "HEAD", "OPTIONS"]));
    };
    post(`${member}/restore`, async (c, ctx, params) => {
      rejectOthers(only(params));
      const record = await service.restore(
        ctx,
        id(c),
        await lifecycleVersion(resource, c.req.raw, maxBodyBytes, "restore"),
      );
      return jsonResponse(record, 200, etagHeader(resource, record));
    });
    post(`${member}/purge`, async (c, ctx, params) => {
      rejectOthers(only(params));
      return jsonResponse(
        await service.purge(ctx, id(c), await lifecycleVersion(resource, c.req.raw, maxBodyBytes, "purge")),
      );
    });
    post(`${member}/revert/:rev`, async (c, ctx, params) => {
      rejectOthers(only(params));
      const record = await service.revert(
        ctx,
        id(c),
        rev(c),
        await lifecycleVersion(resource, c.req.raw, maxBodyBytes, "revert"),
      );
      return jsonResponse(record, 200, etagHeader(resource, record));
    });
    post(`${member}/publish`, async (c, ctx, params) => {
      rejectOthers(only(params));
      await noBodyNorVersion(c.req.raw, maxBodyBytes, "publish");
      const record = await service.publish(ctx, id(c));
      return jsonResponse(record, 200, etagHeader(resource, record));
    });
    get(`${member}/revisions`, async (c, ctx, params) => {
      rejectOthers(only(params));
      const revisions = await service.revisions(ctx, id(c));
      return jsonResponse(revisions, 200, revisionListHeaders(revisions.length));
    });
    get(`${member}/revisions/:rev`, async (c, ctx, params) => {
      rejectOthers(only(params));
      return jsonResponse(await service.revision(ctx, id(c), rev(c)));
    });
    get(`${member}/revisions/:rev/diff`, async (c, ctx, params) => {
      rejectOthers(only(params, ["against"]), ["against"]);
      return jsonResponse(await service.diff(ctx, id(c), rev(c), optionalParam(params, "against")));
    });
  }

  const paths = runtime.schema.resources.map((r) => `${base}/${r.names.path}`).join(", ");
  function notFound(c: Context): Response {
    return errorResponse(
      new AppError(
        "NOT_FOUND",
        `No REST route at ${show(c.req.path)}. Resources: ${paths}; also ${base}/openapi.json and ${base}/docs.`,
      ),
      onUnexpectedError,
    );
  }
  app.notFound(notFound);
  app.onError((error) => errorResponse(error, onUnexpectedError));

  /** A write's body, after checking it targets the record of the path (when it names an id at all). */
  async function writeBody(
    c: Context,
    params: URLSearchParams,
    service: ResourceService,
    maxBodyBytes: number,
  ): Promise<unknown> {
    rejectOthers(params);
    const body = await readJsonBody(c.req.raw, maxBodyBytes);
    const name = service.resource.id.name;
    const sent =
      typeof body === "object" && body !== null && !Array.isArray(body)
        ? (body as Record<string, unknown>)[name]
        : undefined;
    if (sent !== undefined && sent !== null && service.parseId(sent) !== service.parseId(c.req.param("id"))) {
      throw new AppError(
        "BAD_REQUEST",
        `The body's ${name} ${show(sent)} does not match the ${name} in the path, ${show(c.req.param("id"))}.`,
      );
    }
    return body;
  }

  function pageLinks(c: Context, query: ListQuery, total: number): Record<string, string> {
    if (!query.page || query.page.size === 0) return {};
    const { number, size } = query.page;
    const last = Math.max(1, Math.ceil(total / size));
    const url = new URL(c.req.url);
    const link = (page: number, rel: string) => {
      url.searchParams.set("page", String(page));
      return `<${url.pathname}${url.search}>; rel="${rel}"`;
    };
    const links = [link(1, "first")];
    if (number > 1) links.push(link(Math.min(number - 1, last), "prev"));
    if (number < last) links.push(link(number + 1, "next"));
    links.push(link(last, "last"));
    return { Link: links.join(", ") };
  }

  return {
    async fetch(request) {
      try {
        return await app.fetch(request);
      } catch (error) {
        return errorResponse(error, onUnexpectedError);
      }
    },
  };
}

/** The paths of `fields` (§16), or undefined when the request has none. */
function fieldsOf(params: URLSearchParams): string[] | undefined {
  const raw = params.get("fields");
  return raw === null ? undefined : parseFieldsParam(raw);
}

/** 405 is not in the closed set of codes: a wrong method is a 400 that names the allowed ones. */
function methodNotAllowed(c: Context, allowed: readonly string[]): Response {
  const error = new AppError(
    "BAD_REQUEST",
    `Method ${c.req.method} is not allowed on ${c.req.path}. Allowed: ${allowed.join(", ")}.`,
    { details: { allowed } },
  );
  return errorResponse(error, () => {}, { Allow: allowed.join(", ") });
}
