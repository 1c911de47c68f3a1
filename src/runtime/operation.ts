/**
 * The hooks' side of every operation: the {@link Operation} hooks see, and the order they run in
 * around a read (before → body → after → onSuccess; onFailure on a throw), the transforms on the
 * records that leave, and the `onSuccess` hooks a write defers until its commit.
 */
import { bindService } from "./bound-service.ts";
import type { RequestContext } from "./context.ts";
import type { Action, Operation } from "./hooks.ts";
import type { Row } from "./loaders.ts";
import { present } from "./present.ts";
import type { ServiceCore } from "./service-core.ts";
import type { OutputView, ResourceRecord } from "./service-types.ts";

/** An operation as the pipeline builds it (hooks see it as {@link Operation}). */
export type Op = { -readonly [K in keyof Operation]: Operation[K] };

/** A new operation of `action` on the core's resource; `op.service` gives services bound to `ctx`. */
export function newOperation(
  core: ServiceCore,
  action: Action,
  ctx: RequestContext,
  id: string | number | undefined,
  input: Record<string, unknown>,
  existing: Row | undefined,
): Op {
  return {
    action,
    resource: core.resource.name,
    context: ctx,
    actor: ctx.actor,
    id,
    input,
    existing,
    result: undefined,
    service: (name) => bindService(core.deps.resource(name), ctx),
  };
}

/** Runs a read with its hooks: before → body (or `work`) → after → onSuccess; onFailure on a throw. */
export async function runRead<T>(
  core: ServiceCore,
  action: "read" | "list",
  ctx: RequestContext,
  input: Record<string, unknown>,
  id: string | number | undefined,
  work: (op: Operation) => Promise<T>,
): Promise<{ result: T; op: Op }> {
  const { hooks, access, report } = core.deps;
  const op = newOperation(core, action, ctx, id, input, undefined);
  try {
    await access.check(ctx, core.resource, "read", id === undefined ? {} : { id });
    await hooks.run("before", op);
    const body = hooks.body(core.resource.name, action);
    op.result = body ? await body(op, () => work(op)) : await work(op);
    await hooks.run("after", op);
  } catch (error) {
    await failed(core, op, error);
    throw error;
  }
  await hooks
    .run("onSuccess", op)
    .catch((error) => report(error, { resource: core.resource.name, action, stage: "onSuccess" }));
  return { result: op.result as T, op };
}

/** Runs the `onFailure` hooks of `op`; their own failures are reported, never thrown. */
export async function failed(core: ServiceCore, op: Op, error: unknown): Promise<void> {
  const { hooks, report } = core.deps;
  if (!hooks.has("onFailure", core.resource.name, op.action)) return;
  const failure = { ...op, error };
  await hooks
    .run("onFailure", failure)
    .catch((e) => report(e, { resource: core.resource.name, action: op.action, stage: "onFailure" }));
}

/** The `onSuccess` hooks of a committed write, if it has any; their failures are reported, not thrown. */
export function successHooks(core: ServiceCore, op: Op): (() => Promise<void>) | undefined {
  const { hooks, report } = core.deps;
  if (!hooks.has("onSuccess", core.resource.name, op.action)) return undefined;
  const done = {
    ...op,
    service: () => {
      throw new Error("onSuccess runs after the commit: use runtime.service(name) for further work");
    },
  } as Op;
  return () =>
    hooks
      .run("onSuccess", done)
      .catch((error) => report(error, { resource: core.resource.name, action: op.action, stage: "onSuccess" }));
}

/** Presents rows and applies the action's transforms. */
export function output(
  core: ServiceCore,
  ctx: RequestContext,
  op: Operation,
  rows: readonly Row[],
  view: OutputView,
): Promise<ResourceRecord[]> {
  return core.deps.hooks.transform(
    op,
    rows.map((row) => present(core, ctx, row, view)),
  );
}
