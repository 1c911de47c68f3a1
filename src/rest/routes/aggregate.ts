/** The aggregate route of a resource (§15): `GET <collection>/aggregate`. */
import { parseAggregateQuery } from "../aggregate-params.ts";
import { jsonResponse } from "../response.ts";
import { getOnly, type ResourceRoutes } from "./route.ts";

/** Mounts `GET <collection>/aggregate`. Before the member routes, so `aggregate` is never taken for an id. */
export function mountAggregateRoutes(r: ResourceRoutes): void {
  getOnly(
    r.api,
    r.route,
    `${r.collection}/aggregate`,
    async (_c, ctx, params) => {
      const { filter, spec } = parseAggregateQuery(r.resource, params, r.listOptionsOf(ctx));
      return jsonResponse({ groups: await r.service.aggregate(ctx, filter, spec) });
    },
    { served: r.resource.operations, operation: "list" },
  );
}
