/**
 * Where a write's transaction begins and ends: work joins the transaction of its context (a batch, a
 * hook's `op.service`) or opens one; the outbox events are appended last, just before the commit; once
 * committed, the event dispatcher is woken and the deferred `onSuccess` hooks run.
 */
import type { RequestContext } from "./context.ts";
import { TransactionRequired } from "./alongside.ts";
import { AppError } from "./errors.ts";
import type { WriteAction } from "./hooks.ts";
import type { ServiceCore, ServiceDependencies } from "./service-core.ts";

/** Runs `work` in the transaction of `ctx`, or in a new one whose `onSuccess` hooks run after it commits. */
export async function inTransaction<T>(
  core: ServiceCore,
  ctx: RequestContext,
  work: (tx: RequestContext) => Promise<T>,
  action?: WriteAction,
): Promise<T> {
  if (ctx.transaction) {
    const { datasource } = core.resource;
    // Two databases cannot commit together: refusing is the only answer that never commits half.
    if (ctx.transaction.datasource !== datasource)
      throw new AppError(
        "NOT_IMPLEMENTED",
        `A write of ${core.resource.name} (datasource "${datasource}") cannot join a transaction on datasource "${ctx.transaction.datasource}": a transaction cannot span two databases. Write it outside that transaction (e.g. in an onSuccess hook), or put both resources on one datasource.`,
      );
    return core.translate(() => work(ctx), action);
  }
  return openTransaction(core.deps, core.resource.datasource, ctx, work, (run) => core.translate(run, action));
}

/** What opening a transaction needs of the runtime. */
export type TransactionDependencies = Pick<ServiceDependencies, "store" | "bind" | "onCommitted">;

/**
 * Opens a transaction on `datasource` (whose store `deps` holds) for `work`, with `ctx` bound to it:
 * the outbox events of its writes are appended last, and once it commits the dispatcher is woken and
 * the deferred `onSuccess` hooks run. `translate` turns the storage failures of the whole into client
 * errors.
 */
export async function openTransaction<T>(
  deps: TransactionDependencies,
  datasource: string,
  ctx: RequestContext,
  work: (tx: RequestContext) => Promise<T>,
  translate: (run: () => Promise<T>) => Promise<T> = (run) => run(),
): Promise<T> {
  // Work that must commit with one statement cannot join a Prisma transaction (alongside.ts).
  if (ctx.alongside) throw new TransactionRequired("This operation");
  // Before it begins: should the commit's answer be lost, the request's next reads still see it.
  ctx.reads?.wrote();
  let bound: RequestContext | undefined;
  const result = await translate(() =>
    deps.store.transaction(async (store) => {
      bound = deps.bind(ctx, { store, datasource, afterCommit: [], now: new Date(), events: [] });
      const result = await work(bound);
      // The client was answered TIMEOUT already: writing now would do what it was told did not happen.
      if (ctx.deadline?.expired)
        throw new AppError("TIMEOUT", "The request took longer than the server allows; its write was rolled back.");
      // Last, so the outbox lock is held only for the insert and the commit.
      await store.appendEvents(bound.transaction?.events ?? []);
      return result;
    }),
  );
  if (bound?.transaction?.events.length) deps.onCommitted();
  // The writes are durable now: each onSuccess reports its own failure instead of failing the request.
  for (const run of bound?.transaction?.afterCommit ?? []) await run();
  return result;
}
