/**
 * Record locks (§24, docs/guides/locks.md): `POST`, `GET` and `DELETE <member>/lock` take or renew,
 * read and release the lock of a record; `GET <collection>/locks` lists the live locks of a resource.
 * The runtime decides who may lock what (runtime/locks.ts); a schema without the `RecordLock` model
 * answers 501 on each.
 */
import { AppError, show } from "../../runtime/errors.ts";
import { readOptionalJsonBody } from "../body.ts";
import { listHeaders } from "../content-range.ts";
import { rejectOthers } from "../list-params.ts";
import { jsonResponse } from "../response.ts";
import { getOnly, mountPath, pathId, type ResourceRoutes } from "./route.ts";

/** Mounts `<collection>/locks` and `<member>/lock`. Before the member routes: `locks` is never an id. */
export function mountLockRoutes(r: ResourceRoutes): void {
  const { api, resource, service, route, only, collection, member, maxBodyBytes } = r;
  getOnly(
    api,
    route,
    `${collection}/locks`,
    async (_c, ctx, params) => {
      rejectOthers(only(params));
      const locks = await service.locks(ctx);
      return jsonResponse(locks, 200, listHeaders("locks", 0, locks.length, locks.length));
    },
    { served: resource.operations, operation: "update" },
  );
  const lock = `${member}/lock`;
  const take = route(async (c, ctx, params) => {
    rejectOthers(only(params));
    const body = await readOptionalJsonBody(c.req.raw, maxBodyBytes);
    if (body !== undefined) {
      const others =
        typeof body === "object" && body !== null && !Array.isArray(body)
          ? Object.keys(body).filter((k) => k !== "ttlSeconds")
          : undefined;
      if (others === undefined || others.length > 0)
        throw new AppError(
          "BAD_REQUEST",
          `The body of a lock is optional and may only be { "ttlSeconds": n }; got ${show(body)}. The lock's owner is the signed-in actor, never a name sent.`,
        );
    }
    const ttlSeconds = (body as { ttlSeconds?: unknown } | undefined)?.ttlSeconds;
    return jsonResponse(await service.lock(ctx, pathId(c), ttlSeconds === undefined ? {} : { ttlSeconds }));
  });
  const read = route(async (c, ctx, params) => {
    rejectOthers(only(params));
    const held = await service.getLock(ctx, pathId(c));
    if (!held) throw new AppError("NOT_FOUND", `This ${resource.name} is not locked: nobody holds a live lock on it.`);
    return jsonResponse(held);
  });
  const release = route(async (c, ctx, params) => {
    rejectOthers(only(params));
    await service.unlock(ctx, pathId(c));
    return new Response(null, { status: 204 });
  });
  // Locks follow `update` (§26): taking one is the first step of changing the record.
  mountPath(api, lock, resource.operations, {
    GET: ["update", read],
    POST: ["update", take],
    DELETE: ["update", release],
  });
}
