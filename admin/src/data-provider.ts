/**
 * The app's data provider: ra-data-autograph (react-admin's REST dialect plus trash, history and change
 * events) with file fields sent the way the API takes them: the bytes with `PUT /<path>/<id>/<field>`
 * after the record is written, never inside its JSON (which takes a file field only as null, to clear it).
 */
import { type DataProvider, HttpError, type RaRecord, type UpdateParams } from "react-admin";
import { autographDataProvider } from "../../clients/ra-data-autograph/index.ts";
import { API, httpClient } from "./api.ts";
import type { SchemaDescription } from "./meta.ts";

/** A file input's new value. */
interface NewFile {
  rawFile: File;
}
const isNewFile = (value: unknown): value is NewFile =>
  typeof value === "object" && value !== null && (value as NewFile).rawFile instanceof File;

/** The data provider over the resources `meta` describes (the signed-in actor's, fetched once per sign-in). */
export function dataProvider(meta: () => Promise<SchemaDescription>) {
  // The trash is always listed per resource (filter.resource), so no default list of trashed resources.
  const base = autographDataProvider(API, httpClient);

  /** The data without file fields (kept only to clear one), and the files to upload after the write. */
  const split = async (resource: string, data: Record<string, unknown>) => {
    const body: Record<string, unknown> = { ...data };
    const uploads: [string, File][] = [];
    const files = (await meta()).resources.find((r) => r.path === resource)?.features.files ?? [];
    for (const field of files) {
      const value = body[field];
      if (isNewFile(value)) uploads.push([field, value.rawFile]);
      if (value !== null) delete body[field];
    }
    return { body, uploads };
  };
  const upload = async (resource: string, record: RaRecord, uploads: [string, File][]) => {
    let latest = record;
    for (const [field, file] of uploads) {
      const { json } = await httpClient(`${API}/${resource}/${encodeURIComponent(String(record.id))}/${field}`, {
        method: "PUT",
        body: file,
        headers: new Headers({
          "Content-Type": file.type || "application/octet-stream",
          "Content-Disposition": `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`,
        }),
      });
      latest = json as RaRecord;
    }
    return latest;
  };

  // react-admin types each method generically over the caller's record type; these answer the server's records.
  const create: DataProvider["create"] = async (resource, params) => {
    const { body, uploads } = await split(resource, params.data);
    const created = await base.create(resource, { ...params, data: body });
    return { data: (await upload(resource, created.data, uploads)) as never };
  };
  const update: DataProvider["update"] = async (resource, params) => {
    const { body, uploads } = await split(resource, params.data);
    try {
      const updated = await base.update(resource, { ...params, data: body });
      return { data: (await upload(resource, updated.data, uploads)) as never };
    } catch (error) {
      throw await withChanges(resource, params, error);
    }
  };
  /** A version conflict (409, 412) says what changed since the form was opened: the record now, against it then. */
  const withChanges = async (resource: string, params: UpdateParams, error: unknown): Promise<unknown> => {
    if (!(error instanceof HttpError) || (error.status !== 409 && error.status !== 412) || !params.previousData)
      return error;
    const { data: now } = await base.getOne(resource, { id: params.id }).catch(() => ({ data: undefined }));
    if (!now) return error;
    const then = params.previousData as Record<string, unknown>;
    const show = (v: unknown) =>
      typeof v === "string" ? `"${v.length > 40 ? `${v.slice(0, 40)}…` : v}"` : JSON.stringify(v);
    const changed = Object.keys(now)
      .filter((k) => k !== "version" && JSON.stringify(now[k]) !== JSON.stringify(then[k]))
      .map((k) => `${k}: ${show(then[k])} → ${show(now[k])}`);
    if (changed.length === 0) return error;
    return new HttpError(
      `${error.message} Changed since you opened it: ${changed.join("; ")}.`,
      error.status,
      error.body,
    );
  };
  return { ...base, create, update };
}
