/** The batch writes of a resource (§20): `<collection>/batch`, and its restore and purge. */
import type { BatchAction } from "../../runtime/batch.ts";
import { batchResponse, parseBatchQuery } from "../batch.ts";
import { readJsonBody } from "../body.ts";
import { mountPath, type ResourceRoutes } from "./route.ts";

/** Mounts the batch routes. Before the member routes: `batch` is never an id either. */
export function mountBatchRoutes(r: ResourceRoutes): void {
  const { api, route, only, service, rules } = r;
  const batch = `${r.collection}/batch`;
  const batchRoute = (action: BatchAction) =>
    route(async (c, ctx, params) => {
      const { partial } = parseBatchQuery(only(params, ["partial"]));
      const items = await readJsonBody(c.req.raw, r.maxBodyBytes, "a JSON array of items");
      return batchResponse(service, ctx, c.req.raw, action, items, partial, rules.batchDeleteReturns);
    });
  // A batch follows its single-record operation (§26). PUT changes the fields sent, as on a single record
  // (§6.3): both are patches.
  mountPath(api, batch, r.resource.operations, {
    POST: ["create", batchRoute("create")],
    PUT: ["update", batchRoute("patch")],
    PATCH: ["update", batchRoute("patch")],
    DELETE: ["delete", batchRoute("delete")],
  });
  for (const action of ["restore", "purge"] as const)
    mountPath(api, `${batch}/${action}`, r.resource.operations, { POST: [action, batchRoute(action)] });
}
