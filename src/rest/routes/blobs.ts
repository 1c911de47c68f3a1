/**
 * The file routes of a resource's blob fields (docs/guides/files.md): `PUT <member>/<field>` uploads the
 * bytes, `DELETE` clears the field, `GET` serves them. Every one goes through the runtime as the record
 * does: the upload and the clearing are patches of the field (access, scope, tenant, If-Match, audit,
 * revision and event all apply), and a file is readable exactly when its record and field are (else 404).
 */
import type { Context } from "hono";
import type { ResolvedField } from "../../metadata/resolved.ts";
import { storeUpload } from "../../runtime/blob-upload.ts";
import { blobValueOf, uploadedBlob } from "../../runtime/blob-value.ts";
import type { RequestContext } from "../../runtime/context.ts";
import { AppError } from "../../runtime/errors.ts";
import type { BlobStore } from "../../storage/blobs/blob-store.ts";
import { rejectOthers } from "../list-params.ts";
import { jsonResponse } from "../response.ts";
import { etagHeader, expectedVersion } from "../versions.ts";
import { blobResponse } from "./blob-download.ts";
import { uploadOf } from "./blob-upload.ts";
import { mountPath, pathId, type ResourceRoutes } from "./route.ts";

/** Where file bytes live, and whether downloads redirect to the store's presigned URLs. */
export interface BlobRouteOptions {
  store: BlobStore;
  /** Answer a download with a 307 to the store's presigned URL, when the store can make one. @default false */
  redirect?: boolean;
}

type BlobField = ResolvedField & { blob: NonNullable<ResolvedField["blob"]> };

/** Mounts `GET`, `PUT` and `DELETE <member>/<field>` for every blob field of the resource. */
export function mountBlobRoutes(r: ResourceRoutes, blobs: BlobRouteOptions | undefined): void {
  const { api, resource, service, route, only, member } = r;
  const storeOf = (): BlobStore => {
    if (blobs) return blobs.store;
    throw new AppError(
      "NOT_IMPLEMENTED",
      "File uploads and downloads are not configured on this server: start it with a blob store (`blobStore`).",
    );
  };
  const readable = resource.operations.has("get");
  for (const field of resource.fields) {
    if (!field.blob) continue;
    const f = field as BlobField;
    const path = `${member}/${f.name}`;
    /** The record's file, read as the record is: out of scope, trashed or a hidden field is a 404. */
    const current = async (c: Context, ctx: RequestContext) => {
      const record = await service.get(ctx, pathId(c));
      const blob = blobValueOf(record[f.name]);
      if (!blob) throw new AppError("NOT_FOUND", `${resource.name} ${pathId(c)} has no ${f.name}.`);
      return blob;
    };
    const download = route(async (c, ctx, params) => {
      rejectOthers(only(params));
      const store = storeOf();
      return blobResponse(store, await current(c, ctx), c.req.raw, Boolean(blobs?.redirect));
    });
    const upload = route(async (c, ctx, params) => {
      const query = only(params, ["filename"]);
      rejectOthers(query, ["filename"]);
      const store = storeOf();
      // Refuse a record the actor cannot even read before taking its bytes.
      if (readable) await service.get(ctx, pathId(c));
      const value = await storeUpload(store, f, uploadOf(c.req.raw, query.get("filename")));
      const record = await service.patch(
        ctx,
        pathId(c),
        { [f.name]: uploadedBlob(value) },
        expectedVersion(resource, c.req.raw),
      );
      return jsonResponse(record, 200, etagHeader(resource, record));
    });
    // Clears the field; the bytes stay for other records and revisions that name them.
    const clear = route(async (c, ctx, params) => {
      rejectOthers(only(params));
      storeOf();
      if (readable) await service.get(ctx, pathId(c));
      const record = await service.patch(ctx, pathId(c), { [f.name]: null }, expectedVersion(resource, c.req.raw));
      return jsonResponse(record, 200, etagHeader(resource, record));
    });
    // A download follows `get`, an upload and a clearing `update` (§26).
    mountPath(api, path, resource.operations, {
      GET: ["get", download],
      PUT: ["update", upload],
      DELETE: ["update", clear],
    });
  }
}
