/**
 * The collection routes of a resource: list (offset, page or cursor pages), create (JSON, or multipart
 * with files) and delete by filter (§29.1).
 */
import type { Context } from "hono";
import type { RequestContext } from "../../runtime/context.ts";
import type { Projection } from "../../runtime/service-types.ts";
import { withUploads } from "../../runtime/uploads.ts";
import { cursorListHeaders, listHeaders } from "../content-range.ts";
import { attachEmbeds, checkEmbedPaths } from "../embeds.ts";
import { projection } from "../fields.ts";
import { cursorLinks, parseCursorQuery } from "../keyset.ts";
import { AppError, show } from "../../runtime/errors.ts";
import { LIST_PARAMS, type ListQuery, parseListQuery, rejectOthers } from "../list-params.ts";
import { readRecordBody } from "../multipart.ts";
import { jsonResponse, jsonTextResponse } from "../response.ts";
import { etagHeader } from "../versions.ts";
import { fieldsOf, mountPath, type ResourceRoutes } from "./route.ts";

/** Mounts `GET` (list) and `POST <collection>` (create), each when the resource serves it (§26). */
export function mountCollectionRoutes(r: ResourceRoutes): void {
  const { api, runtime, resource, service, route, only, parse, collection } = r;
  const getMany = async (ctx: RequestContext, ids: readonly unknown[], load: Projection) => {
    const records = await service.getMany(ctx, ids, load);
    return { records, total: records.length };
  };

  const list = route(async (c, ctx, params) => {
    const query = parseListQuery(resource, params, r.listOptionsOf(ctx));
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
  });
  const create = route(async (c, ctx, params) => {
    rejectOthers(only(params));
    // JSON, or the record and its files as multipart/form-data (§6.8); the files are stored before the
    // create, and a create that then fails leaves them to the blob collector.
    const body = await readRecordBody(c.req.raw, resource, r.maxBodyBytes, r.blobStore);
    // react-admin's Clone posts the source record's read-only fields back: they are ignored (§6.2).
    const record = await service.create(ctx, await withUploads(resource, body, r.blobStore), {
      ignoreReadOnly: true,
    });
    return jsonResponse(record, 201, {
      Location: `${r.base}${collection}/${encodeURIComponent(String(record[resource.id.name]))}`,
      ...etagHeader(resource, record),
    });
  });
  const deleteWhere = route(async (_c, ctx, params) => {
    // The filter of a list (§2.3, §3.1, §11's conditions) and `limit`; paging, sorting and shaping mean nothing here.
    const refused = [...LIST_PARAMS, "qb"].filter((k) => !DELETE_WHERE_PARAMS.includes(k) && params.has(k));
    if (refused.length > 0 && r.rules.strictParams)
      throw new AppError(
        "BAD_REQUEST",
        `A delete by filter takes the filter (filter, q, conditions, <field>_<operator>) and limit only, not ${refused.map((k) => `"${k}"`).join(", ")}.`,
      );
    const limits = params.getAll("limit");
    if (limits.length > 1)
      throw new AppError("BAD_REQUEST", `Query parameter "limit" is given more than once; give it once.`);
    const filterParams = new URLSearchParams([...params].filter(([k]) => k !== "limit" && !refused.includes(k)));
    const query = parseListQuery(resource, filterParams, r.listOptionsOf(ctx));
    const raw = limits[0];
    const limit = raw === undefined ? undefined : /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
    if (limit !== undefined && Number.isNaN(limit))
      throw new AppError("BAD_REQUEST", `Query parameter "limit" must be a whole number, got ${show(raw)}.`);
    return jsonResponse(await service.deleteWhere(ctx, query.filter, { limit }), 200);
  });
  mountPath(api, collection, resource.operations, {
    GET: ["list", list],
    POST: ["create", create],
    DELETE: ["deleteWhere", deleteWhere],
  });
}

/** The list parameters a delete by filter reads: those that give the filter. */
const DELETE_WHERE_PARAMS: readonly string[] = ["filter", "q"];

/** The Link header of a numbered page (page/per_page): first, prev, next and last. */
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
