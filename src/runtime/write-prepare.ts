/**
 * What a write settles before anything is written, in named stages: authorize (roles, then the
 * scope's write rule) → the version the client sent → load the row (locking nothing: the write itself
 * checks the version) and what the action needs of it (live, in the trash) → authorize the record and
 * the fields written → the version the row is at → another actor's record lock (lock-check.ts) → stamp
 * the values the runtime fills in → `before` hooks → validate (the merged record, and the records it
 * points at). Both write paths (write.ts)
 * share these stages; reads go through `ctx`'s store (the transaction's, or the pool's).
 */
import { randomUUID } from "node:crypto";
import type { AccessOperation, ValueSource } from "../metadata/definition.ts";
import type { ResolvedField } from "../metadata/resolved.ts";
import type { RequestContext } from "./context.ts";
import { AppError, show } from "./errors.ts";
import type { WriteAction } from "./hooks.ts";
import { revertValues } from "./history.ts";
import type { Row } from "./loaders.ts";
import type { Op } from "./operation.ts";
import { both } from "./query.ts";
import { checkReferences } from "./references.ts";
import type { ServiceCore } from "./service-core.ts";
import type { WriteOptions } from "./service-types.ts";
import { validateWrite } from "./validate.ts";
import { checkEchoes } from "./input.ts";
import { checkLock } from "./lock-check.ts";
import { coerceValue } from "./coerce.ts";
import type { StoredLock } from "../storage/record-locks.ts";

/** What a write settled before anything is written (see {@link prepare}). */
export interface WritePlan {
  /** The row before the write (all writes but create). */
  readonly existing: Row | undefined;
  /** The actor's tenant and scope condition on this resource. */
  readonly guard: object | undefined;
  /** The row the write may change: its id, the expected version, the guard. */
  readonly where: object;
  /** Who the write is recorded as. */
  readonly actor: string | number;
  /** The error of a version that moved on, given the current one. */
  readonly mismatch: (current: unknown) => AppError;
  /** The written row must still meet the guard (a scoped actor's writes, but for deletes and purges). */
  readonly staysInside: boolean;
  /** The record's lock row, the actor's own or an expired one (another's live lock refused the write): a delete or purge releases it. */
  readonly lock: StoredLock | undefined;
}

/** Runs the stages before the write itself, in order; a throw from any of them writes nothing. */
export async function prepare(
  core: ServiceCore,
  ctx: RequestContext,
  op: Op,
  inputErrors: Record<string, string>,
  options: WriteOptions,
  revisionNumber: number | undefined,
  now: Date,
): Promise<WritePlan> {
  const { resource } = core;
  const action = op.action as WriteAction;
  // The row the write changes is the one asked for, whatever a `before` hook does to `op.id`.
  const id = op.id;
  const operation: AccessOperation = action === "patch" ? "update" : action;
  const expected = options.expectedVersion;
  const guard = await authorize(core, ctx, operation);
  checkVersionSent(core, action, expected);
  const existing = await load(core, ctx, op, guard);
  await authorizeRecord(core, ctx, op, operation);
  const mismatch = (current: unknown) =>
    new AppError(
      options.mismatch ?? "CONFLICT",
      `This ${resource.name} was changed by someone else: you sent version ${String(expected)}, it is now at ${String(current)}. Reload it and try again.`,
      {
        details: { currentVersion: current },
      },
    );
  const version = resource.version;
  if (version && existing && expected !== undefined && existing[version.field] !== expected)
    throw mismatch(existing[version.field]);
  // After the version: a stale write is refused as such, without looking for a lock.
  const lock = await checkLock(core, ctx, id);
  // After the version: a stale record's echoes differ because it is stale, and that is the 409 to give.
  checkEchoes(resource, core.view(ctx), op.input, options.echoes ?? {}, existing, Boolean(options.ignoreReadOnly));
  const actor = ctx.actor.id ?? core.deps.defaultActor;
  await stamp(core, ctx, op, { now, actor }, revisionNumber);
  await core.deps.hooks.run("before", op);
  await validate(core, ctx, op, existing, inputErrors);
  // With an expected version, the write itself checks it (WHERE version = expected) and bumps it, so
  // two writers that read the same version cannot both win, whatever the timing.
  // Without an expected version the bump alone is atomic (SET version = version + 1).
  // The tenant and scope hold in the write's own where-clause too, not only in the read before it.
  const idField = resource.id.name;
  const where = both(
    version && expected !== undefined ? { [idField]: id, [version.field]: expected } : { [idField]: id },
    guard,
  );
  const scoped = core.view(ctx).scoped(resource);
  return {
    existing,
    guard,
    where,
    actor,
    mismatch,
    staysInside: Boolean(guard && (scoped || resource.ensure) && action !== "delete" && action !== "purge"),
    lock,
  };
}

/**
 * Stage authorize: roles first (a denied operation says so without looking at the row), then the
 * scope's write rule. Gives the actor's tenant and scope condition on this resource. Locking a record
 * (locks.ts) asks the same as updating it.
 */
export async function authorize(
  core: ServiceCore,
  ctx: RequestContext,
  operation: AccessOperation,
): Promise<object | undefined> {
  const { resource } = core;
  const view = core.view(ctx);
  await core.deps.access.check(ctx, resource, operation);
  if (view.scoped(resource) && !resource.scopedWrites) {
    throw new AppError("FORBIDDEN", `Your access to ${resource.plural} is scoped: you may read them, not write them.`);
  }
  return view.guard(resource);
}

/** Stage version sent: a versioned resource may require the version the client read, as a whole number. */
function checkVersionSent(core: ServiceCore, action: WriteAction, expected: number | undefined): void {
  const { resource } = core;
  const version = resource.version;
  if (!version || action === "create" || action === "publish") return;
  if (expected === undefined && version.required && action !== "restore" && action !== "purge") {
    throw new AppError(
      "BAD_REQUEST",
      `Send the ${version.field} you read (If-Match or "${version.field}"): ${resource.plural} require it on ${action}.`,
    );
  }
  if (expected !== undefined && !Number.isSafeInteger(expected))
    throw new AppError("BAD_REQUEST", `Expected version must be a whole number, got ${show(expected)}.`);
}

/**
 * Stage load: the row the write targets, inside the actor's tenant and scope (outside them, the
 * record does not exist for them), and whether the action may touch it (live, or in the trash).
 */
async function load(
  core: ServiceCore,
  ctx: RequestContext,
  op: Op,
  guard: object | undefined,
): Promise<Row | undefined> {
  const { resource } = core;
  const { action, id } = op;
  const soft = resource.softDelete;
  const existing =
    id === undefined
      ? undefined
      : (
          await core.run(ctx, {
            level: { model: resource.model, fields: core.rowFields, relations: [] },
            where: both({ [resource.id.name]: id }, guard),
            orderBy: [],
            offset: 0,
            limit: 1,
            total: false,
          })
        ).rows[0];
  const trashed = Boolean(soft && existing && existing[soft.field] != null);
  if (id !== undefined) {
    if (!existing) throw core.notFound(id);
    if (action === "restore" && !trashed)
      throw new AppError("CONFLICT", `This ${resource.name} is not in the trash: there is nothing to restore.`);
    if (trashed && action !== "restore" && action !== "purge")
      throw new AppError(
        "NOT_FOUND",
        `No ${resource.name} with id ${show(id)}: it is in the trash (restore it first).`,
      );
  }
  op.existing = existing;
  return existing;
}

/** Stage authorize record: the access rules that look at the row and input (the fields the actor may write: checkEchoes). */
async function authorizeRecord(
  core: ServiceCore,
  ctx: RequestContext,
  op: Op,
  operation: AccessOperation,
): Promise<void> {
  await core.deps.access.check(ctx, core.resource, operation, { id: op.id, input: op.input, existing: op.existing });
}

/**
 * Stage stamp: the values the runtime fills in. A create gets its `onCreate` values, tenant and
 * generated id; a revert the revision's values; every write that keeps the row its `onUpdate` values.
 */
async function stamp(
  core: ServiceCore,
  ctx: RequestContext,
  op: Op,
  values: { now: Date; actor: string | number },
  revisionNumber: number | undefined,
): Promise<void> {
  const { resource } = core;
  const { action } = op;
  const sources = { ctx, ...values };
  if (action === "create" || action === "update") {
    // Computed defaults: only for what the client did not send (input.ts leaves such fields out).
    for (const f of resource.fields)
      if (typeof f.default === "function" && !(f.name in op.input) && !f.readOnly && !f.hidden[action])
        op.input[f.name] = evaluate(f.default as ValueSource, f, sources);
  }
  if (action === "create") {
    for (const f of resource.fields) if (f.onCreate !== undefined) op.input[f.name] = evaluate(f.onCreate, f, sources);
    if (resource.tenant) op.input[resource.tenant] = core.view(ctx).tenantFor(resource);
    const gen = resource.idGenerator;
    if (gen === "uuid") op.input[resource.id.name] = randomUUID();
    else if (typeof gen === "function") op.input[resource.id.name] = gen();
  } else if (action === "revert") {
    const revision = await core.log().find(core.store(ctx), op.id as string | number, revisionNumber as number);
    op.input = revertValues(core, revision.data);
  }
  if (action !== "create" && action !== "purge" && action !== "publish") {
    for (const f of resource.fields) if (f.onUpdate !== undefined) op.input[f.name] = evaluate(f.onUpdate, f, sources);
  }
}

/**
 * Stage validate: the merged record this write would leave, and the records it points at. Failing
 * here writes nothing. Only writes that set values validate.
 */
async function validate(
  core: ServiceCore,
  ctx: RequestContext,
  op: Op,
  existing: Row | undefined,
  inputErrors: Record<string, string>,
): Promise<void> {
  const { action } = op;
  if (action !== "create" && action !== "update" && action !== "patch" && action !== "revert") return;
  await validateWrite(core.resource, {
    action: action === "revert" ? "update" : action,
    data: op.input,
    existing,
    actorId: ctx.actor.id,
    errors: action === "revert" ? {} : inputErrors,
  });
  await checkReferences(core, ctx, op.input, existing);
}

/** What a value source gives, for `field`. */
function evaluate(
  source: ValueSource,
  field: ResolvedField,
  values: { ctx: RequestContext; now: Date; actor: string | number },
): unknown {
  if (source === "now") return values.now;
  if (source === "uuid") return randomUUID();
  if (source === "actor") return actorValue(field, values.actor);
  const claims = values.ctx.actor.claims ?? {};
  if (typeof source === "object") return "claim" in source ? claimValue(field, source.claim, claims) : source.constant;
  return source({ actorId: values.ctx.actor.id, actor: values.actor, now: values.now, claims });
}

/** A claim of the actor's credentials as the column stores it: null when they carry none, 422 when it does not fit. */
function claimValue(field: ResolvedField, claim: string, claims: Readonly<Record<string, unknown>>): unknown {
  const raw = claims[claim];
  if (raw === undefined || raw === null) return null;
  const c = coerceValue(
    { ...field, isRequired: false },
    field.kind === "String" && typeof raw !== "string" ? String(raw) : raw,
  );
  if (c.ok) return c.value;
  throw new AppError(
    "VALIDATION_FAILED",
    `The "${claim}" claim of your credentials does not fit ${field.name}: ${c.message}.`,
    { fields: { [field.name]: `the "${claim}" claim does not fit: ${c.message}` } },
  );
}

/** The actor as the column stores it: text on a String column. */
export function actorValue(field: ResolvedField | undefined, actor: string | number): unknown {
  return field?.kind === "String" ? String(actor) : actor;
}
