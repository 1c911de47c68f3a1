/**
 * Batch writes over HTTP (rest-dialect.md §20): the body is a JSON array of items, `partial=true` the
 * one query parameter. The runtime's `batch` does the work (one transaction, or each item on its own);
 * this module picks the status and shapes the body, which is always `{ succeeded, failed }`:
 * - all-or-nothing (default): 200, or the failing item's error (its status) with `failed` naming it;
 * - partial: 200 when every item succeeded, 207 when some failed, 400 when all did.
 * A delete or purge answers each item's id, or its record, as the security profile says (§22.3).
 */
import type { RequestContext } from "../runtime/context.ts";
import { AppError, isAppError, show } from "../runtime/errors.ts";
import type { ResourceService } from "../runtime/service.ts";
import type { BatchAction, BatchResult } from "../runtime/batch.ts";
import { errorBody } from "./errors.ts";
import { jsonResponse } from "./response.ts";

/** Multi-Status: a partial batch where some items succeeded and some failed. */
export const MULTI_STATUS = 207;

/** What the items of each action look like, for messages. */
function itemsOf(action: BatchAction, idName: string, versionField: string | undefined): string {
  const target = versionField
    ? `${idName}s or { ${idName}, ${versionField} } objects`
    : `${idName}s or { ${idName} } objects`;
  switch (action) {
    case "create":
      return "objects with the fields of each new record";
    case "update":
    case "patch":
      return `{ ${idName}, ...fields } objects`;
    default:
      return target;
  }
}

/** The batch routes' one query parameter: `partial=true|false` (default false). */
export function parseBatchQuery(params: URLSearchParams): { partial: boolean } {
  const keys = [...new Set(params.keys())];
  const unknown = keys.filter((k) => k !== "partial");
  if (unknown.length > 0)
    throw new AppError(
      "BAD_REQUEST",
      `Unknown query parameter${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")}: a batch accepts partial only.`,
    );
  const values = params.getAll("partial");
  if (values.length > 1)
    throw new AppError("BAD_REQUEST", `Query parameter "partial" is given more than once; give it once.`);
  const raw = values[0];
  if (raw === undefined) return { partial: false };
  if (raw !== "true" && raw !== "false")
    throw new AppError("BAD_REQUEST", `Query parameter "partial" must be true or false, got ${show(raw)}.`);
  return { partial: raw === "true" };
}

/** Batch actions that remove records (to the trash, or for good): what they answer per item is the profile's. */
const DELETING: ReadonlySet<BatchAction> = new Set<BatchAction>(["delete", "purge"]);

/**
 * Runs a batch and answers it. `items` is the parsed body. If-Match names one record's version, so a
 * batch refuses it: each item carries its own version instead. `deleteReturns` is what a delete or
 * purge answers per item: `{ index, id }` or `{ index, record }`.
 */
export async function batchResponse(
  service: ResourceService,
  ctx: RequestContext,
  request: Request,
  action: BatchAction,
  items: unknown,
  partial: boolean,
  deleteReturns: "ids" | "records",
): Promise<Response> {
  const { resource } = service;
  if (request.headers.has("if-match")) {
    throw new AppError(
      "BAD_REQUEST",
      `If-Match names the version of one record; a batch takes none. Give each item its ${resource.version?.field ?? "version"} instead.`,
    );
  }
  if (!Array.isArray(items)) {
    throw new AppError(
      "BAD_REQUEST",
      `The body of a batch must be a JSON array of ${itemsOf(action, resource.id.name, resource.version?.field)}; got ${show(items)}.`,
    );
  }
  let result: BatchResult;
  try {
    // react-admin sends records back whole: read-only fields and embeds in items are ignored, as on PUT (§6.3).
    result = await service.batch(ctx, action, items, { partial, ignoreReadOnly: true });
  } catch (error) {
    if (!isAppError(error) || !Array.isArray(error.details?.failed)) throw error;
    // All-or-nothing: the failing item's error, its status, and `failed` as a partial batch reports it.
    const { failed, ...details } = error.details;
    return jsonResponse({ ...errorBody(error), details, succeeded: [], failed }, error.status);
  }
  const { failed } = result;
  // Ids alone: the client named the records already, and the answer repeats none of their values.
  const idName = resource.id.name;
  const succeeded =
    DELETING.has(action) && deleteReturns === "ids"
      ? result.succeeded.map(({ index, record }) => ({ index, id: record[idName] }))
      : result.succeeded;
  if (failed.length === 0) return jsonResponse({ succeeded, failed });
  if (succeeded.length > 0) return jsonResponse({ succeeded, failed }, MULTI_STATUS);
  const first = failed[0] as BatchResult["failed"][number];
  const message = `All ${failed.length} item${failed.length === 1 ? "" : "s"} of the batch failed; nothing was written. Item ${first.index + 1} (index ${first.index}): ${first.error.message}`;
  return jsonResponse({ message, code: "BAD_REQUEST", succeeded, failed }, 400);
}
