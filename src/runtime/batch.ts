/**
 * Many writes of one kind in one request. Items: objects to create; `{ id, ...fields }` to update or
 * patch (a `version` field is the expected version on a versioned resource); ids or `{ id, version }`
 * to delete, restore or purge. All-or-nothing in one transaction by default (the first failing item
 * fails the batch, with its index); with `partial`, each item on its own. Each item runs the whole
 * pipeline of its write.
 */
import type { RequestContext } from "./context.ts";
import { AppError, isAppError, show } from "./errors.ts";
import type { ServiceCore } from "./service-core.ts";
import type { ResourceRecord, VersionOptions } from "./service-types.ts";
import { inTransaction } from "./transaction.ts";

/** Write actions a batch can carry. */
export const BATCH_ACTIONS = ["create", "update", "patch", "delete", "restore", "purge"] as const;
/** One batch action. */
export type BatchAction = (typeof BATCH_ACTIONS)[number];

/** Options of a batch (`ResourceService.batch`). */
export interface BatchOptions {
  /**
   * Process the items independently (each in its own transaction) and report each outcome, instead of
   * all-or-nothing in one transaction. @default false
   */
  partial?: boolean | undefined;
  /** HTTP If-Match style version mismatches. @default "CONFLICT" */
  mismatch?: VersionOptions["mismatch"];
  /** See `WriteInputOptions.ignoreReadOnly`. */
  ignoreReadOnly?: boolean | undefined;
}

/** The failure of one batch item, as clients see it. */
export interface BatchFailure {
  readonly index: number;
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly fields?: Record<string, string>;
    readonly details?: Record<string, unknown>;
  };
}

/** The outcome of a batch: each item's record or error, by its index in the request. */
export interface BatchResult {
  readonly succeeded: { readonly index: number; readonly record: ResourceRecord }[];
  readonly failed: BatchFailure[];
}

/** Runs a batch of `action` over `items` (see the module's comment). */
export async function batch(
  core: ServiceCore,
  ctx: RequestContext,
  action: BatchAction,
  items: unknown,
  options: BatchOptions,
): Promise<BatchResult> {
  const { resource } = core;
  if (!(BATCH_ACTIONS as readonly string[]).includes(action))
    throw new AppError("BAD_REQUEST", `Unknown batch action ${show(action)}: use ${BATCH_ACTIONS.join(", ")}.`);
  if (!Array.isArray(items)) throw new AppError("BAD_REQUEST", `Expected a JSON array of items, got ${show(items)}.`);
  const max = resource.maxBatchSize;
  if (items.length > max)
    throw new AppError(
      "PAYLOAD_TOO_LARGE",
      `Too many items: ${items.length}, at most ${max} in one batch of ${resource.plural}.`,
      { details: { maxBatchSize: max } },
    );
  const one = (c: RequestContext, item: unknown) => batchItem(core, c, action, item, options);
  if (!options.partial) {
    const records = await inTransaction(core, ctx, async (tx) => {
      const out: ResourceRecord[] = [];
      for (const [index, item] of items.entries()) {
        try {
          out.push(await one(tx, item));
        } catch (error) {
          throw itemError(error, index, items.length);
        }
      }
      return out;
    });
    return { succeeded: records.map((record, index) => ({ index, record })), failed: [] };
  }
  const result: { succeeded: { index: number; record: ResourceRecord }[]; failed: BatchFailure[] } = {
    succeeded: [],
    failed: [],
  };
  for (const [index, item] of items.entries()) {
    try {
      result.succeeded.push({ index, record: await one(ctx, item) });
    } catch (error) {
      if (!isAppError(error)) core.deps.report(error, { resource: resource.name, action, stage: "batch" });
      result.failed.push({ index, error: describe(error) });
    }
  }
  return result;
}

/** One item, through the service's own write of `action`. */
async function batchItem(
  core: ServiceCore,
  ctx: RequestContext,
  action: BatchAction,
  item: unknown,
  options: BatchOptions,
): Promise<ResourceRecord> {
  const service = core.service;
  const lenient = { ignoreReadOnly: Boolean(options.ignoreReadOnly) };
  if (action === "create") return service.create(ctx, item, lenient);
  const { id, version, rest } = itemTarget(core, item, action === "update" || action === "patch");
  const versioned = { expectedVersion: version, ...(options.mismatch ? { mismatch: options.mismatch } : {}) };
  switch (action) {
    case "update":
      return service.update(ctx, id, rest, { ...lenient, ...versioned });
    case "patch":
      return service.patch(ctx, id, rest, { ...lenient, ...versioned });
    case "delete":
      return service.delete(ctx, id, versioned);
    case "restore":
      return service.restore(ctx, id, versioned);
    case "purge":
      return service.purge(ctx, id, versioned);
  }
}

/** The id, expected version and other fields of a batch item. */
function itemTarget(
  core: ServiceCore,
  item: unknown,
  withFields: boolean,
): { id: unknown; version: number | undefined; rest: Record<string, unknown> } {
  const idName = core.resource.id.name;
  if (!withFields && (typeof item === "string" || typeof item === "number"))
    return { id: item, version: undefined, rest: {} };
  if (typeof item !== "object" || item === null || Array.isArray(item)) {
    throw new AppError(
      "BAD_REQUEST",
      withFields
        ? `Expected an object with the ${idName} and the fields to change, got ${show(item)}.`
        : `Expected an ${idName} or { ${idName}, version }, got ${show(item)}.`,
    );
  }
  const { [idName]: id, ...rest } = item as Record<string, unknown>;
  if (id === undefined || id === null) throw new AppError("BAD_REQUEST", `Each item needs its ${idName}.`);
  const versionField = core.resource.version?.field;
  let version: number | undefined;
  if (versionField && rest[versionField] !== undefined) {
    const sent = rest[versionField];
    if (typeof sent !== "number" || !Number.isSafeInteger(sent))
      throw new AppError("BAD_REQUEST", `${versionField} must be a whole number, got ${show(sent)}.`);
    version = sent;
    delete rest[versionField];
  }
  if (!withFields && Object.keys(rest).length > 0)
    throw new AppError(
      "BAD_REQUEST",
      `Unexpected fields ${Object.keys(rest).join(", ")}: send the ${idName}${versionField ? ` and ${versionField}` : ""} only.`,
    );
  return { id, version, rest };
}

/** A batch item's error as clients see it (anything but an AppError is masked). */
function describe(error: unknown): BatchFailure["error"] {
  if (!isAppError(error)) return { code: "INTERNAL", message: "Internal error." };
  return {
    code: error.code,
    message: error.message,
    ...(error.fields ? { fields: error.fields } : {}),
    ...(error.details ? { details: error.details } : {}),
  };
}

/** The error of an all-or-nothing batch: the failing item's, saying which item and that nothing was written. */
function itemError(error: unknown, index: number, count: number): unknown {
  if (!isAppError(error)) return error;
  return new AppError(
    error.code,
    `Item ${index + 1} of ${count} (index ${index}): ${error.message} Nothing was written: the batch is all-or-nothing (ask for a partial batch to write the others).`,
    {
      ...(error.fields ? { fields: error.fields } : {}),
      details: { ...error.details, index, failed: [{ index, error: describe(error) }] },
      cause: error,
    },
  );
}
