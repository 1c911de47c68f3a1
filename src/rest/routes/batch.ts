/** The batch writes of a resource (§20): `<collection>/batch`, and its restore and purge. */
import type { BatchAction } from "../../runtime/batch.ts";
import { batchResponse, parseBatchQuery } from "../batch.ts";
import { readJsonBody } from "../body.ts";
import { methodNotAllowed, type ResourceRoutes } from "./route.ts";

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
}
