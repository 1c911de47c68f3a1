/**
 * Custom actions (the definition's `actions`, rest-dialect.md §27), in named stages: authorize (the
 * action's rule without the record, then the scope's write rule) → parse the input (400 with a message
 * per field) → in one transaction (mutations): load the record inside the actor's tenant, scope and trash
 * (else 404) → authorize with the record and input (checker functions) → `before` hooks → `run`, whose
 * writes go through services bound to the transaction (so they are checked, audited, revisioned and
 * announced) → the output (the record read back, or the value checked by the output schema) → `after`
 * hooks; `onSuccess` waits for the commit, `onFailure` runs on a throw.
 */
import type { ResolvedAction } from "../metadata/resolved.ts";
import { bindService } from "./bound-service.ts";
import type { RequestContext } from "./context.ts";
import { AppError, isAppError, show } from "./errors.ts";
import { failed, newOperation, type Op, successHooks } from "./operation.ts";
import type { ServiceCore } from "./service-core.ts";
import { inTransaction } from "./transaction.ts";

/**
 * Runs the action `name` of the core's resource on the record `rawId` (record actions; ignored by
 * collection actions) with the client's input. Gives the record read back (null when the actor can no
 * longer see it) or the action's declared output.
 */
export async function runAction(
  core: ServiceCore,
  ctx: RequestContext,
  name: string,
  rawId: unknown,
  rawInput: unknown,
): Promise<unknown> {
  const { resource } = core;
  const action = resource.action.get(name);
  if (!action)
    throw new AppError(
      "NOT_FOUND",
      `${resource.plural} have no action ${show(name)}${resource.actions.length ? `; they have ${resource.actions.map((a) => a.name).join(", ")}` : ""}.`,
    );
  const id = action.record ? core.parseId(rawId) : undefined;
  await authorize(core, ctx, action);
  const input = parseInput(action, rawInput);
  const op: Op = { ...newOperation(core, "action", ctx, id, input, undefined), name: action.name };
  try {
    if (action.kind === "query") {
      await perform(core, ctx, action, op);
      await successHooks(core, op)?.();
    } else
      await inTransaction(core, ctx, async (tx) => {
        await perform(core, tx, action, op);
        const onSuccess = successHooks(core, op);
        if (onSuccess) tx.transaction?.afterCommit.push(onSuccess);
      });
    return op.result;
  } catch (error) {
    await failed(core, op, error);
    throw error;
  }
}

/** Stage authorize: the action's rule where it needs no record; a mutation also the scope's write rule. */
async function authorize(core: ServiceCore, ctx: RequestContext, action: ResolvedAction): Promise<void> {
  const { resource } = core;
  await core.deps.access.checkAction(ctx, resource, action);
  const view = core.view(ctx);
  if (action.kind === "mutation" && view.scoped(resource) && !resource.scopedWrites)
    throw new AppError("FORBIDDEN", `Your access to ${resource.plural} is scoped: you may read them, not act on them.`);
}

/** Stage input: the client's input as the action's schema parses it; 400 with a message per field. */
function parseInput(action: ResolvedAction, raw: unknown): Record<string, unknown> {
  const parsed = action.input.zod.safeParse(raw === undefined || raw === null ? {} : raw);
  if (parsed.success) return parsed.data as Record<string, unknown>;
  const fields: Record<string, string> = {};
  const lines: string[] = [];
  for (const issue of parsed.error.issues) {
    const path = issue.path.map(String).join(".");
    if (path && fields[path] === undefined) fields[path] = issue.message;
    lines.push(path ? `${path}: ${issue.message}` : issue.message);
  }
  throw new AppError("BAD_REQUEST", `Invalid input of ${action.name}: ${lines.slice(0, 5).join("; ")}.`, {
    ...(Object.keys(fields).length > 0 ? { fields } : {}),
  });
}

/** The stages in `ctx` (the transaction's, for a mutation): load, authorize the record, hooks around `run`, output. */
async function perform(core: ServiceCore, ctx: RequestContext, action: ResolvedAction, op: Op): Promise<void> {
  const { resource, deps } = core;
  const id = op.id;
  op.context = ctx;
  op.service = (name) => bindService(deps.resource(name), ctx);
  // The record as the actor sees it: a record outside their tenant or scope, or in the trash, is a 404.
  const record = id === undefined ? undefined : await core.service.get(ctx, id);
  op.existing = record;
  await deps.access.checkAction(ctx, resource, action, { id, input: op.input, existing: record });
  await deps.hooks.run("before", op);
  const returned = await action.run({ id, input: op.input, record, actor: ctx.actor, service: op.service });
  op.result = await output(core, ctx, action, id, returned);
  await deps.hooks.run("after", op);
}

/**
 * Stage output: with `"record"`, the record `run` named (its id, or a record with its id) or else the
 * action's own, read back through the read compiler (null when the actor can no longer see it); with a
 * schema, what `run` returned, which must meet it (a mismatch is the server's bug: a 500).
 */
async function output(
  core: ServiceCore,
  ctx: RequestContext,
  action: ResolvedAction,
  id: string | number | undefined,
  returned: unknown,
): Promise<unknown> {
  if (action.output !== "record") {
    const parsed = action.output.zod.safeParse(returned);
    if (!parsed.success)
      throw new Error(
        `The ${action.name} action of ${core.resource.plural} returned a value its output schema refuses: ${parsed.error.message}`,
      );
    return parsed.data;
  }
  const idField = core.resource.id.name;
  const named =
    typeof returned === "string" || typeof returned === "number"
      ? returned
      : typeof returned === "object" && returned !== null
        ? (returned as Record<string, unknown>)[idField]
        : undefined;
  const target = named ?? id;
  if (target === undefined || target === null) return null;
  // A fresh context on the same transaction: the request's loaders still hold the record as it was.
  const fresh = ctx.transaction ? core.deps.bind(ctx, ctx.transaction) : ctx;
  try {
    return await core.service.get(fresh, target);
  } catch (error) {
    if (isAppError(error) && error.code === "NOT_FOUND") return null;
    throw error;
  }
}
