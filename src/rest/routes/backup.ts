/**
 * The installation's backup over HTTP (docs/guides/backup.md), for the admin role only:
 * `GET <base>/_dump` streams the archive `npm run dump` writes, and `POST <base>/_load` loads one into an
 * empty database, all or nothing, as `npm run load` does.
 */
import { once } from "node:events";
import { PassThrough, Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import type { SecurityProfile } from "../../metadata/definition.ts";
import type { RequestContext } from "../../runtime/context.ts";
import { AppError, show } from "../../runtime/errors.ts";
import type { Runtime } from "../../runtime/runtime.ts";
import type { Manifest } from "../../storage/dump/archive-format.ts";
import type { Backup } from "../../storage/dump/backup.ts";
import { DumpError } from "../../storage/dump/dump-error.ts";
import { type TableSelection, tablesOfResources } from "../../storage/dump/table-plan.ts";
import { rejectOthers } from "../list-params.ts";
import { jsonResponse } from "../response.ts";
import { routeParams, rulesFor } from "../security-profile.ts";
import { type Api, getOnly, postOnly, type Route } from "./route.ts";

/** What the backup routes need. */
export interface BackupRoutes {
  api: Api;
  runtime: Runtime;
  route: Route;
  serverProfile: SecurityProfile;
  /** The installation's dump and load. @default none: the routes answer 501 */
  backup: Backup | undefined;
  /** Receives a dump that failed after its first bytes went out (the response is cut short). */
  onUnexpectedError: (error: unknown) => void;
}

/** Media types a load accepts: what a gzip file is sent as. */
const ARCHIVE_TYPES = ["application/gzip", "application/x-gzip", "application/octet-stream"];

/** A refusal of the dump or the load as the client's error: a damaged archive or request 400, a target that does not fit 409. */
function refusal(error: unknown): unknown {
  if (!(error instanceof DumpError)) return error;
  const message = `${error.message.charAt(0).toUpperCase()}${error.message.slice(1)}.`;
  return new AppError(error.conflict ? "CONFLICT" : "BAD_REQUEST", message);
}

/** The archive's summary a load answers with. */
function loaded(manifest: Manifest) {
  return {
    format: manifest.format,
    migration: manifest.migration,
    createdAt: manifest.createdAt,
    tables: manifest.tables.map((t) => ({ name: t.name, rows: t.rows })),
    files: manifest.blobs.length,
  };
}

/** Mounts `GET <base>/_dump` and `POST <base>/_load`. */
export function mountBackupRoutes(b: BackupRoutes): void {
  const { api, runtime, route } = b;
  /** The tables of `?resources=posts,tags`, or every table; no other parameter is taken. */
  const tablesOf = (all: URLSearchParams): TableSelection[] | undefined => {
    const query = routeParams(all, ["resources"], rulesFor(undefined, b.serverProfile));
    rejectOthers(query, ["resources"]);
    const raw = query.get("resources");
    if (raw === null) return undefined;
    const names = raw.split(",").filter((n) => n !== "");
    if (names.length === 0)
      throw new AppError("BAD_REQUEST", "resources is empty: name resources, e.g. resources=posts,tags.");
    try {
      return tablesOfResources(runtime.schema, names);
    } catch (error) {
      throw refusal(error);
    }
  };
  const backupFor = (ctx: RequestContext): Backup => {
    if (!runtime.isAdmin(ctx))
      throw ctx.actor.id === undefined
        ? new AppError("UNAUTHENTICATED", "Backups are for the admin role: sign in as an admin.")
        : new AppError("FORBIDDEN", "Backups are for the admin role only.");
    if (!b.backup)
      throw new AppError("NOT_IMPLEMENTED", "Backups over HTTP are off: createRestHandler was given no `backup`.");
    return b.backup;
  };

  getOnly(api, route, "/_dump", async (_c, ctx, all) => {
    const backup = backupFor(ctx);
    const tables = tablesOf(all);
    const output = new PassThrough();
    const dumping = backup.dump(output, { tables });
    // The status waits for the first byte: a refusal before it (a file missing from the store) is an
    // answer; a failure after it cuts the response short, which no loader takes for a whole archive.
    const started = once(output, "readable");
    try {
      await Promise.race([started, dumping]);
    } catch (error) {
      output.destroy();
      throw refusal(error);
    }
    dumping.catch((error: unknown) => {
      if (output.destroyed) return; // the client hung up: nothing went wrong here
      output.destroy(error as Error);
      b.onUnexpectedError(error);
    });
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    return new Response(Readable.toWeb(output) as ReadableStream<Uint8Array>, {
      status: 200,
      headers: {
        "Content-Type": "application/gzip",
        "Content-Disposition": `attachment; filename="autograph-${stamp}.tar.gz"`,
        "Cache-Control": "no-store",
      },
    });
  });

  postOnly(api, route, "/_load", async (c, ctx, all) => {
    const backup = backupFor(ctx);
    const tables = tablesOf(all);
    const type = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    if (!ARCHIVE_TYPES.includes(type))
      throw new AppError(
        "UNSUPPORTED_MEDIA_TYPE",
        `A load takes the archive as the raw body, sent as ${ARCHIVE_TYPES.join(" or ")}; the request's type is ${show(type || "missing")}.`,
        { details: { accepted: ARCHIVE_TYPES } },
      );
    const body = c.req.raw.body;
    if (!body) throw new AppError("BAD_REQUEST", "The load has no body: send the archive `GET /_dump` gave.");
    try {
      const manifest = await backup.load(Readable.fromWeb(body as NodeReadableStream<Uint8Array>), { tables });
      return jsonResponse(loaded(manifest));
    } catch (error) {
      throw refusal(error);
    }
  });
}
