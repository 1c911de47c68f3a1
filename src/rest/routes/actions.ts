/**
 * Custom actions (§27): `POST <member>/<name>` for a record action, `POST <collection>/<name>` for a
 * collection one, whatever its GraphQL kind. The body is the action's input (optional when it needs
 * none); the answer is the record read back (with its ETag) or the action's declared output. The
 * runtime checks the rule, the record, the input and runs the action.
 */
import type { ResolvedAction } from "../../metadata/resolved.ts";
import { AppError } from "../../runtime/errors.ts";
import { readOptionalJsonBody } from "../body.ts";
import { rejectOthers } from "../list-params.ts";
import { jsonResponse } from "../response.ts";
import { etagHeader } from "../versions.ts";
import { pathId, postOnly, type ResourceRoutes } from "./route.ts";

/** Mounts the collection actions (before the member routes, so their names are never taken for an id). */
export function mountCollectionActionRoutes(r: ResourceRoutes): void {
  for (const action of r.resource.actions) if (!action.record) mountAction(r, action, `${r.collection}/${action.name}`);
}

/** Mounts the record actions. */
export function mountMemberActionRoutes(r: ResourceRoutes): void {
  for (const action of r.resource.actions) if (action.record) mountAction(r, action, `${r.member}/${action.name}`);
}

function mountAction(r: ResourceRoutes, action: ResolvedAction, path: string): void {
  const { api, resource, service, route, only, maxBodyBytes } = r;
  postOnly(api, route, path, async (c, ctx, params) => {
    rejectOthers(only(params));
    // The action's writes take no expected version: a client that needs one checks it in the input.
    if (c.req.raw.headers.has("if-match"))
      throw new AppError("BAD_REQUEST", `${action.name} takes no If-Match: send what it needs in its input.`);
    const input = await readOptionalJsonBody(c.req.raw, maxBodyBytes);
    const result = await service.action(ctx, action.name, action.record ? pathId(c) : undefined, input);
    const record = action.output === "record" && result !== null ? (result as Record<string, unknown>) : undefined;
    return jsonResponse(result ?? null, 200, record ? etagHeader(resource, record) : {});
  });
}
