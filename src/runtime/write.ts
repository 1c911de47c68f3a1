/**
 * The write pipeline, in named stages: {@link prepare} (authorize → load → stamp → `before` hooks →
 * validate; write-prepare.ts) → persist the row (with the relations' rules) → the revision and the
 * outbox event → `after` hooks; `onSuccess` waits for the commit. A write runs one of two ways
 * (docs/design/write-path.md): as one compiled statement when nothing needs to run inside its
 * transaction ({@link isDirect}), otherwise through Prisma in a transaction.
 */
import { classifyStorageError } from "../storage/storage-failure.ts";
import { OUTBOX_LINKS, type WriteAlongside } from "../storage/store.ts";
import { type Alongside, TransactionRequired, WriteDeclined } from "./alongside.ts";
import { bindService } from "./bound-service.ts";
import { cascade, checkParentsLive } from "./cascade.ts";
import type { RequestContext, Transaction } from "./context.ts";
import { AppError } from "./errors.ts";
import type { WriteAction } from "./hooks.ts";
import type { Row } from "./loaders.ts";
import { failed, newOperation, type Op, output, successHooks } from "./operation.ts";
import { both } from "./query.ts";
import { sameValue } from "./same-value.ts";
import type { ServiceCore } from "./service-core.ts";
import type { ResourceRecord, WriteOptions } from "./service-types.ts";
import { releaseLock } from "./lock-check.ts";
import { inTransaction } from "./transaction.ts";
import { actorValue, prepare, type WritePlan } from "./write-prepare.ts";

/** One write as the pipeline runs it: the operation, its input errors, its options. */
interface WriteRun {
  readonly core: ServiceCore;
  readonly ctx: RequestContext;
  readonly op: Op;
  readonly inputErrors: Record<string, string>;
  readonly options: WriteOptions;
  /** Nested to-many writes (nested.ts): run after the row, before the `after` hooks; the relations whose links they changed. */
  readonly children?: Children | undefined;
  /** Work that commits with this write (alongside.ts); the one-statement path only. */
  readonly alongside?: Alongside | undefined;
}

/** The to-many writes of a nested write, run with the parent's id in its transaction; the relations whose links changed. */
export type Children = (ctx: RequestContext, id: string | number) => Promise<readonly string[]>;

/**
 * A write: its pipeline as one statement where it can be, otherwise in the transaction of `ctx` (or a
 * new one); then the record as the client sees it. `onFailure` hooks run on a throw.
 */
export async function write(
  core: ServiceCore,
  action: WriteAction,
  given: RequestContext,
  id: string | number | undefined,
  data: Record<string, unknown>,
  inputErrors: Record<string, string>,
  options: WriteOptions = {},
  revision?: number,
  children?: Children,
): Promise<ResourceRecord> {
  const direct = !children && isDirect(core, given, action);
  // Work that must commit with this write needs the write to be one statement (alongside.ts).
  const { alongside } = given;
  if (alongside && !(direct && alongside.datasource === core.resource.datasource))
    throw new TransactionRequired(`A ${action} of ${core.resource.name}`);
  // It is this write's alone: hooks, and writes they make with `op.context`, never see it.
  const ctx = alongside ? { ...given, alongside: undefined } : given;
  // From here on the request reads from the primary: the record as it stands, the references the write
  // checks, and its read-back (a read replica may be behind: read-routing.ts).
  ctx.reads?.wrote();
  const op = newOperation(core, action, ctx, id, data, undefined);
  try {
    if (direct)
      return await core.translate(() => writeDirect({ core, ctx, op, inputErrors, options, alongside }), action);
    const row = await inTransaction(
      core,
      ctx,
      (tx) => writeIn({ core, ctx: tx, op, inputErrors, options, children }, revision),
      action,
    );
    return (await output(core, ctx, op, [row], "one"))[0] as ResourceRecord;
  } catch (error) {
    // Declined before it began (a command's receipt answered it already): not a failure of the write.
    if (!(error instanceof WriteDeclined)) await failed(core, op, error);
    throw error;
  }
}

/**
 * Whether a write runs as one compiled statement (docs/design/write-path.md): a create, update, patch
 * or delete that is not part of a transaction already (a batch, a hook's `op.service`), of a resource
 * with no hook that runs inside the transaction (`before`, `after`, a `body`) for it, no draft
 * revisions, and for a delete no relation rule to apply; on a model the write compiler can write.
 * Everything else takes the transaction of {@link writeIn}.
 */
function isDirect(core: ServiceCore, ctx: RequestContext, action: WriteAction): boolean {
  if (ctx.transaction) return false;
  if (action !== "create" && action !== "update" && action !== "patch" && action !== "delete") return false;
  const { hooks, store } = core.deps;
  const name = core.resource.name;
  if (hooks.body(name, action) || hooks.has("before", name, action) || hooks.has("after", name, action)) return false;
  if (core.resource.revisions?.draft) return false;
  if (action === "delete" && core.deleteRules) return false;
  return store.canWrite(core.resource.model);
}

/**
 * The pipeline as one statement: {@link prepare} reading on the pool, then the row write, its
 * revision and its outbox event in one compiled statement between BEGIN and COMMIT on a connection of
 * the pool (storage's `write`), with the context's work alongside it (alongside.ts), then the event
 * dispatcher's wake-up and `onSuccess`; then the record as the client sees it.
 */
async function writeDirect(run: WriteRun): Promise<ResourceRecord> {
  const { core, ctx, op } = run;
  const now = new Date();
  const plan = await prepare(core, ctx, op, run.inputErrors, run.options, undefined, now);
  const written = (row: Row): string | number => {
    op.id = row[core.resource.id.name] as string | number;
    op.result = row;
    return op.id;
  };
  // Work alongside gets the record as the client will, before the commit (its transforms run there).
  let record: ResourceRecord | undefined;
  const { alongside } = run;
  const row = await persistDirect(
    run,
    plan,
    now,
    alongside && {
      before: (tables) => alongside.before(tables),
      after: async (tables, row) => {
        written(row);
        record = (await output(core, ctx, op, [row], "one"))[0] as ResourceRecord;
        await alongside.after(tables, record);
      },
    },
  );
  const id = written(row);
  // After the commit, so a failure here must not fail the delete: the lock would only outlive its
  // record until it expires.
  if (op.action === "delete") await releaseLock(core, ctx, id, plan.lock).catch(() => {});
  core.deps.onCommitted();
  await successHooks(core, op)?.();
  return record ?? ((await output(core, ctx, op, [row], "one"))[0] as ResourceRecord);
}

/** Stage persist, direct: the row, its revision and its outbox event in one statement (write-sql.ts). */
async function persistDirect(
  run: WriteRun,
  plan: WritePlan,
  now: Date,
  alongside: WriteAlongside | undefined,
): Promise<Row> {
  const { core, ctx, op } = run;
  const { resource } = core;
  const { action } = op;
  const soft = resource.softDelete;
  const version = resource.version;
  const kind = action === "create" ? "insert" : action === "delete" && !soft ? "delete" : "update";
  const values =
    action === "delete"
      ? soft
        ? {
            ...op.input,
            [soft.field]: now,
            ...(soft.by ? { [soft.by]: actorValue(resource.field.get(soft.by), plan.actor) } : {}),
          }
        : {}
      : op.input;
  const actorId = String(plan.actor);
  const result = await core.deps.store.write(
    {
      model: resource.model,
      kind,
      values,
      increment: kind === "update" && version ? [version.field] : [],
      id: op.id,
      where: kind === "insert" ? undefined : plan.where,
      fields: core.rowFields,
      inside: plan.staysInside ? plan.guard : undefined,
      now,
      eventFields: core.logFields,
      revision: core.revisions?.compiled(action as WriteAction, actorId),
      event: core.announces ? { resource: resource.name, action: action as WriteAction, actorId } : undefined,
    },
    alongside,
  );
  if (result.status === "missing") {
    // The row changed or went between the read and the write (the read found it).
    const current = await currentVersion(core, ctx, op.id);
    if (version && current !== undefined) throw plan.mismatch(current);
    throw new AppError("NOT_FOUND", `The ${resource.name} does not exist (any more).`);
  }
  if (result.status === "outside") throw outside(core, action);
  return result.row;
}

/**
 * The pipeline inside a transaction (every write {@link isDirect} does not take): {@link prepare} →
 * persist (or the `body` hook) with the relations' delete rules → the row still inside the actor's
 * scope → the revision and the outbox event (appended at the commit) → `after` hooks; `onSuccess`
 * waits for the commit.
 */
async function writeIn(run: WriteRun, revisionNumber: number | undefined): Promise<Row> {
  const { core, ctx, op } = run;
  const tx = ctx.transaction as Transaction;
  op.context = ctx;
  op.service = (name) => bindService(core.deps.resource(name), ctx);
  const plan = await prepare(core, ctx, op, run.inputErrors, run.options, revisionNumber, tx.now);
  // The record as the `before` hooks left `op.id`: the one the relations' rules follow.
  const id = op.id as string | number;
  // Every column, hidden ones too, for the outbox event (the log replay rebuilds tables from); the rest
  // of the pipeline, the revision included, sees the columns it may ever show.
  const full = await persist(run, plan, tx, id);
  const row = core.shown(full);
  op.id = row[core.resource.id.name] as string | number;
  op.result = row;
  await checkInside(run, plan);
  if (op.action === "delete" || op.action === "purge") await releaseLock(core, ctx, id, plan.lock);
  const logged: Row = { ...full };
  const changed = await record(run, plan, tx, row, logged);
  // A nested write's to-many part: after the parent's event (children's events follow it), before its `after` hooks.
  if (run.children) {
    const relations = await run.children(ctx, op.id);
    changed.push(...relations);
    await logLinks(core, tx, op.id, relations, logged);
  }
  await after(run, tx);
  return op.result as Row;
}

/** Stage persist: the row write of the action, or the registered `body` around it. */
async function persist(run: WriteRun, plan: WritePlan, tx: Transaction, id: string | number): Promise<Row> {
  const { core, op } = run;
  const body = core.deps.hooks.body(core.resource.name, op.action);
  const proceed = () => persistRow(run, plan, tx, id);
  const row = (body ? await body(op, proceed) : await proceed()) as Row;
  if (!row || typeof row !== "object")
    throw new Error(`The ${op.action} body of ${core.resource.name} returned no row`);
  return row;
}

/** The default row write of each action, with the relations' rules for deletes, purges and restores. */
async function persistRow(run: WriteRun, plan: WritePlan, tx: Transaction, id: string | number): Promise<Row> {
  const { core, ctx, op } = run;
  const { resource } = core;
  const select = core.logSelect;
  const model = tx.store.model(resource.delegate);
  const soft = resource.softDelete;
  const { existing, where, actor } = plan;
  const bump = resource.version ? { [resource.version.field]: { increment: 1 } } : {};
  const moved = (error: unknown) => versionMoved(run, plan, id, error);
  switch (op.action) {
    case "create":
      return model.create({ data: op.input, select });
    case "update":
    case "patch":
    case "revert":
      return model.update({ where, data: { ...op.input, ...bump }, select }).catch(moved);
    case "publish":
      return existing as Row;
    case "restore": {
      await checkParentsLive(core, ctx, existing as Row);
      if (!soft) throw new Error(`restore of ${resource.name}, which has no soft delete`);
      const row = await model
        .update({
          where,
          data: { ...op.input, [soft.field]: null, ...(soft.by ? { [soft.by]: null } : {}), ...bump },
          select,
        })
        .catch(moved);
      await cascade(core, ctx, "restore", id, existing?.[soft.field] as Date);
      return row;
    }
    case "delete":
      if (soft) {
        await cascade(core, ctx, "delete", id, tx.now);
        const by = soft.by ? { [soft.by]: actorValue(resource.field.get(soft.by), actor) } : {};
        return model
          .update({ where, data: { ...op.input, [soft.field]: tx.now, ...by, ...bump }, select })
          .catch(moved);
      }
      await cascade(core, ctx, "purge", id, tx.now, "delete");
      return model.delete({ where, select }).catch(moved);
    case "purge":
      await cascade(core, ctx, "purge", id, tx.now);
      return model.delete({ where, select }).catch(moved);
  }
  throw new Error(`Unknown action ${op.action}`);
}

/** A row write that found no row: a version that moved on is a mismatch; anything else goes on. */
async function versionMoved(run: WriteRun, plan: WritePlan, id: string | number, error: unknown): Promise<never> {
  if (run.core.resource.version && classifyStorageError(error)?.kind === "notFound") {
    const current = await currentVersion(run.core, run.ctx, id);
    if (current !== undefined) throw plan.mismatch(current);
  }
  throw error;
}

/** Stage inside: a scoped actor's write must leave the record inside what they may see. */
async function checkInside(run: WriteRun, plan: WritePlan): Promise<void> {
  const { core, ctx, op } = run;
  if (!plan.staysInside) return;
  const where = both({ [core.resource.id.name]: op.id }, plan.guard);
  const inside = await core.run(ctx, core.countQuery(where));
  if (!inside.total) throw outside(core, op.action);
}

/**
 * Stage record: the revision (resources that keep them) and the outbox event, appended at the commit.
 * Gives the event's `changed` list, which a nested write extends with the relations whose links it changed.
 */
async function record(run: WriteRun, plan: WritePlan, tx: Transaction, row: Row, full: Row): Promise<string[]> {
  const { core, op } = run;
  const action = op.action as WriteAction;
  const actorId = String(plan.actor);
  const revision = core.revisions
    ? await core.revisions.record(tx.store, { action, recordId: op.id as string | number, row, actorId })
    : undefined;
  const changed = changedFields(plan.existing, row);
  if (core.announces)
    tx.events.push({
      resource: core.resource.name,
      recordId: String(op.id),
      action,
      revisionId: revision?.id ?? null,
      revisionNumber: revision?.number ?? null,
      actorId,
      changed,
      record: full,
    });
  return changed;
}

/**
 * The links of the many-to-many `relations` a nested write changed, as they are after it, into the
 * event's snapshot ({@link OUTBOX_LINKS}): the join table has no events of its own, and replay
 * (docs/guides/replay.md) rebuilds it from these.
 */
async function logLinks(
  core: ServiceCore,
  tx: Transaction,
  id: string | number,
  relations: readonly string[],
  logged: Row,
): Promise<void> {
  const links: Record<string, unknown[]> = {};
  for (const name of relations) {
    const relation = core.resource.relations.find((r) => r.name === name);
    if (relation?.kind !== "manyToMany") continue;
    const far = relation.joinTargetField;
    const rows = await tx.store.model(relation.joinDelegate).findMany({
      where: { [relation.joinLocalField]: id },
      select: { [far]: true },
    });
    links[name] = rows.map((r) => r[far]);
  }
  if (Object.keys(links).length > 0) logged[OUTBOX_LINKS] = links;
}

/** Stage after: the `after` hooks in the transaction; `onSuccess` waits for the commit. */
async function after(run: WriteRun, tx: Transaction): Promise<void> {
  const { core, op } = run;
  await core.deps.hooks.run("after", op);
  const onSuccess = successHooks(core, op);
  if (onSuccess) tx.afterCommit.push(onSuccess);
}

/** The version the record with `id` is at now (undefined when it is gone), read in `ctx`'s store. */
async function currentVersion(core: ServiceCore, ctx: RequestContext, id: unknown): Promise<unknown> {
  const field = core.resource.version?.field;
  if (!field) return undefined;
  const { rows } = await core.run(ctx, {
    level: { model: core.resource.model, fields: [field], relations: [] },
    where: { [core.resource.id.name]: id },
    orderBy: [],
    offset: 0,
    limit: 1,
    total: false,
  });
  return rows[0]?.[field];
}

/** The error of a write that would leave the record outside what its actor may see. */
function outside(core: ServiceCore, action: string): AppError {
  const { resource } = core;
  // Without a scope limiting the actor, only the resource's `ensure` can have refused it: a rule of the data, not of access.
  if (resource.ensure && !resource.scope && !resource.tenant)
    return new AppError(
      "VALIDATION_FAILED",
      `This ${action} would leave the ${resource.name} outside the records ${resource.plural} hold (their \`ensure\` condition): change the values it writes.`,
    );
  return new AppError(
    "FORBIDDEN",
    `This ${action} would put the ${core.resource.name} outside the records you may see.`,
  );
}

/** The fields whose values differ between the row before and after a write (every field the row has, on create). */
function changedFields(before: Row | undefined, after: Row): string[] {
  if (!before) return Object.keys(after).filter((k) => after[k] !== null && after[k] !== undefined);
  return Object.keys(after).filter((k) => !sameValue(before[k], after[k]));
}
