/**
 * The revisions of a record (§19): list, read and compare them, revert to one, publish a draft. Routed on
 * every resource, so a resource without revisions answers the runtime's 400 saying so, rather than a bare
 * "no route". Reading a record as it was (`asOf`) is the member GET's.
 */
import { lifecycleVersion, noBodyNorVersion, optionalParam, revisionListHeaders } from "../lifecycle.ts";
import { rejectOthers } from "../list-params.ts";
import { jsonResponse } from "../response.ts";
import { etagHeader } from "../versions.ts";
import { getOnly, pathId, pathRev, postOnly, type ResourceRoutes } from "./route.ts";

/** Mounts `<member>/revert/:rev`, `<member>/publish` and `<member>/revisions[/:rev[/diff]]`. */
export function mountHistoryRoutes(r: ResourceRoutes): void {
  const { api, resource, service, route, only, member, maxBodyBytes } = r;
  postOnly(
    api,
    route,
    `${member}/revert/:rev`,
    async (c, ctx, params) => {
      rejectOthers(only(params));
      const record = await service.revert(
        ctx,
        pathId(c),
        pathRev(c),
        await lifecycleVersion(resource, c.req.raw, maxBodyBytes, "revert"),
      );
      return jsonResponse(record, 200, etagHeader(resource, record));
    },
    { served: resource.operations, operation: "revert" },
  );
  postOnly(
    api,
    route,
    `${member}/publish`,
    async (c, ctx, params) => {
      rejectOthers(only(params));
      await noBodyNorVersion(c.req.raw, maxBodyBytes, "publish");
      const record = await service.publish(ctx, pathId(c));
      return jsonResponse(record, 200, etagHeader(resource, record));
    },
    { served: resource.operations, operation: "publish" },
  );
  getOnly(
    api,
    route,
    `${member}/revisions`,
    async (c, ctx, params) => {
      rejectOthers(only(params));
      const revisions = await service.revisions(ctx, pathId(c));
      return jsonResponse(revisions, 200, revisionListHeaders(revisions.length));
    },
    { served: resource.operations, operation: "get" },
  );
  getOnly(
    api,
    route,
    `${member}/revisions/:rev`,
    async (c, ctx, params) => {
      rejectOthers(only(params));
      return jsonResponse(await service.revision(ctx, pathId(c), pathRev(c)));
    },
    { served: resource.operations, operation: "get" },
  );
  getOnly(
    api,
    route,
    `${member}/revisions/:rev/diff`,
    async (c, ctx, params) => {
      rejectOthers(only(params, ["against"]), ["against"]);
      return jsonResponse(await service.diff(ctx, pathId(c), pathRev(c), optionalParam(params, "against")));
    },
    { served: resource.operations, operation: "get" },
  );
}
