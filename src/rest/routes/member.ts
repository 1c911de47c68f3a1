/**
 * The member routes of a resource: read one record (also as it was, `asOf`), change it, delete it, and
 * bring it back from the trash or remove it for good (§18).
 */
import type { Context } from "hono";
import { AppError, show } from "../../runtime/errors.ts";
import { withUploads } from "../../runtime/uploads.ts";
import { attachEmbeds } from "../embeds.ts";
import { projection } from "../fields.ts";
import { lifecycleVersion } from "../lifecycle.ts";
import { ONE_PARAMS, parseOneQuery, rejectOthers } from "../list-params.ts";
import { isMultipart, readRecordBody } from "../multipart.ts";
import { jsonResponse } from "../response.ts";
import { etagHeader, expectedVersion } from "../versions.ts";
import { fieldsOf, mountPath, pathId, postOnly, type ResourceRoutes } from "./route.ts";

/** Mounts `GET`, `PUT`, `PATCH`, `DELETE <member>` and `POST <member>/restore`, `<member>/purge`, each when the resource serves it (§26). */
export function mountMemberRoutes(r: ResourceRoutes): void {
  const { api, runtime, resource, service, route, only, parse, member, maxBodyBytes } = r;
  const get = route(async (c, ctx, params) => {
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
      const snapshot = await service.get(ctx, pathId(c), { asOf, deleted });
      shape.apply([snapshot]);
      return jsonResponse(snapshot);
    }
    const record = await service.get(ctx, pathId(c), { deleted }, shape.load);
    await attachEmbeds(runtime, ctx, resource, [record], shape.embeds);
    shape.apply([record]);
    return jsonResponse(record, 200, etagHeader(resource, record));
  });
  // react-admin sends the whole record back on update, but only the changed fields on updateMany: PUT
  // therefore changes the fields sent and keeps the others (§6.3). The id, read-only fields and embeds
  // in the body are ignored.
  // A version (If-Match, or the record's version sent back) makes the write conditional (§17).
  // A multipart body (§6.8) brings files too: they are stored before the patch, so a record the actor
  // cannot even read is refused first, as `PUT <member>/<field>` does.
  const change = route(async (c, ctx, params) => {
    const body = await writeBody(c, only(params), r);
    if (isMultipart(c.req.raw) && resource.operations.has("get")) await service.get(ctx, pathId(c));
    const record = await service.patch(ctx, pathId(c), await withUploads(resource, body, r.blobStore), {
      ignoreReadOnly: true,
      ...expectedVersion(resource, c.req.raw, body),
    });
    return jsonResponse(record, 200, etagHeader(resource, record));
  });
  // On a soft-deleted resource DELETE moves the record to the trash and answers it, deletedAt set (§18.1).
  const remove = route(async (c, ctx, params) => {
    rejectOthers(only(params));
    return jsonResponse(await service.delete(ctx, pathId(c), expectedVersion(resource, c.req.raw)));
  });
  mountPath(api, member, resource.operations, {
    GET: ["get", get],
    PUT: ["update", change],
    PATCH: ["update", change],
    DELETE: ["delete", remove],
  });

  // The trash (§18). Routed on every resource, so a resource without a trash answers the runtime's 400
  // saying so, rather than a bare "no route".
  postOnly(
    api,
    route,
    `${member}/restore`,
    async (c, ctx, params) => {
      rejectOthers(only(params));
      const record = await service.restore(
        ctx,
        pathId(c),
        await lifecycleVersion(resource, c.req.raw, maxBodyBytes, "restore"),
      );
      return jsonResponse(record, 200, etagHeader(resource, record));
    },
    { served: resource.operations, operation: "restore" },
  );
  postOnly(
    api,
    route,
    `${member}/purge`,
    async (c, ctx, params) => {
      rejectOthers(only(params));
      return jsonResponse(
        await service.purge(ctx, pathId(c), await lifecycleVersion(resource, c.req.raw, maxBodyBytes, "purge")),
      );
    },
    { served: resource.operations, operation: "purge" },
  );
}

/** A write's body (JSON, or multipart with files, §6.8), after checking it targets the record of the path (when it names an id at all). */
async function writeBody(c: Context, params: URLSearchParams, r: ResourceRoutes): Promise<unknown> {
  rejectOthers(params);
  const { service } = r;
  const body = await readRecordBody(c.req.raw, r.resource, r.maxBodyBytes, r.blobStore);
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
