// Longer than 400 lines: the facade of every resource operation, each method a few lines that check
// what is served and hand over to the module holding its rule; splitting it would split one interface.
/**
 * The resource service: the one place resource operations happen, for every transport. Reads select
 * only readable fields, leave out the trash, and present records per view (hidden fields never leave);
 * relations load through the request's loaders; writes run the lifecycle pipeline (hooks, validation,
 * audit, soft delete with its relation rules, revisions, optimistic concurrency) in one transaction.
 *
 * This class is the facade: each method reads its arguments (ids, write input, what the resource
 * supports) and hands over to the module that holds its rule (docs/design/architecture.md lists
 * them): read.ts, keyset.ts, aggregate.ts, history.ts, write.ts, batch.ts, present.ts, locks.ts.
 */
import type { ServedOperation } from "../metadata/definition.ts";
import type { ResolvedResource } from "../metadata/resolved.ts";
import type { EdgePart } from "../storage/sql/read-sql.ts";
import type { Store } from "../storage/store.ts";
import { runAction } from "./actions.ts";
import { type AggregateGroup, type AggregateSpec, aggregate } from "./aggregate.ts";
import { type BatchAction, type BatchOptions, type BatchResult, batch } from "./batch.ts";
import type { RequestContext } from "./context.ts";
import { type DeleteWhereOptions, type DeleteWhereResult, deleteWhere } from "./delete-where.ts";
import { AppError } from "./errors.ts";
import {
  diff,
  parseRevisionNumber,
  type RevisionDiff,
  type RevisionRecord,
  revision,
  revisions,
  sawGone,
  seesSnapshot,
} from "./history.ts";
import { readWriteInput, type WriteInputOptions } from "./input.ts";
import { page, pageText } from "./keyset.ts";
import { writeNested } from "./nested.ts";
import { splitNested } from "./nested-input.ts";
import { getLock, type LockOptions, listLocks, lock, type RecordLock, unlock } from "./locks.ts";
import type { Row } from "./loaders.ts";
import { type Nesting, present, related } from "./present.ts";
import type { Filter } from "./query.ts";
import { count, get, getMany, getText, list, listText, rowsWhereIn } from "./read.ts";
import { checkServed } from "./served.ts";
import type { ServiceCore } from "./service-core.ts";
import type {
  DeletedMode,
  GetOptions,
  ListParams,
  ListText,
  OutputView,
  Page,
  PageParams,
  PageText,
  Projection,
  RelatedList,
  ResourceOperations,
  ResourceRecord,
  Selection,
  SelectionFormat,
  VersionOptions,
  WriteOptions,
} from "./service-types.ts";
import { write } from "./write.ts";

/** The operation a batch action is: a batch follows its single-record write. */
const BATCH_OPERATION = {
  create: "create",
  update: "update",
  patch: "update",
  delete: "delete",
  restore: "restore",
  purge: "purge",
} as const satisfies Record<BatchAction, ServedOperation>;

/** Operations on one resource. Get one through `runtime.service(name)`. */
export class ResourceService implements ResourceOperations {
  readonly resource: ResolvedResource;
  readonly #core: ServiceCore;

  constructor(core: ServiceCore) {
    this.resource = core.resource;
    this.#core = core;
  }

  /** Parses a client id (REST path segment, GraphQL ID) to the id column's type; 400 when it cannot be one. */
  parseId(raw: unknown): string | number {
    return this.#core.parseId(raw);
  }

  /** Whether the actor of `ctx` may see the field `name` of this resource's records. */
  canRead(ctx: RequestContext, name: string): boolean {
    const field = this.resource.field.get(name);
    return field !== undefined && this.#core.view(ctx).canRead(this.resource, field);
  }

  /**
   * Throws unless the resource serves change events (they follow `list`) and the actor may read it (for
   * transports that stream it: subscriptions, SSE).
   */
  async authorizeRead(ctx: RequestContext): Promise<void> {
    checkServed(ctx, this.resource, "list");
    await this.#core.deps.access.check(ctx, this.resource, "read", {});
  }

  /** Lists records matching a filter, sorted (id as tie-breaker) and paged; optionally with the total. */
  async list(
    ctx: RequestContext,
    params: ListParams = {},
    projection?: Projection,
  ): Promise<{ records: ResourceRecord[]; total: number | undefined }> {
    checkServed(ctx, this.resource, "list");
    return list(this.#core, ctx, params, projection);
  }

  /**
   * {@link ResourceService.list} as JSON text shaped by `selection`, built by PostgreSQL in one statement
   * and never parsed in JS; undefined when something needs records instead (a hook or transform of
   * `list`, a relation the selection cannot load here): call `list` then.
   */
  async listText(
    ctx: RequestContext,
    params: ListParams,
    selection: Selection,
    format: SelectionFormat,
  ): Promise<ListText | undefined> {
    checkServed(ctx, this.resource, "list");
    return listText(this.#core, ctx, params, selection, format);
  }

  /**
   * {@link ResourceService.get} as JSON text shaped by `selection` (`null` when there is no such record),
   * or undefined when something needs the record instead (see {@link ResourceService.listText}).
   */
  async getText(
    ctx: RequestContext,
    rawId: unknown,
    deleted: DeletedMode | undefined,
    selection: Selection,
    format: SelectionFormat,
  ): Promise<string | undefined> {
    checkServed(ctx, this.resource, "get");
    return getText(this.#core, ctx, rawId, deleted, selection, format);
  }

  /**
   * Keyset (cursor) pagination: pages cost the same however deep, because each continues from the
   * previous page's last sort values instead of skipping rows. Works with any declared sort, on own
   * fields or through required to-one relations (the id is the tie-breaker); cursors are opaque and
   * tamper-checked. Runs the `list` hooks, with the page parameters as the input.
   */
  async page(ctx: RequestContext, params: PageParams = {}, projection?: Projection): Promise<Page> {
    checkServed(ctx, this.resource, "list");
    return page(this.#core, ctx, params, projection);
  }

  /**
   * {@link ResourceService.page} as JSON text shaped by `selection`, built by PostgreSQL in one statement
   * and never parsed in JS: `nodes`, the page's rows as a JSON array, and with `edge` also `edges`, each
   * row as an edge object (`cursor`, `node` as the row, constant strings) under the given keys.
   * Undefined when something needs records instead (see {@link ResourceService.listText}).
   */
  async pageText(
    ctx: RequestContext,
    params: PageParams,
    selection: Selection,
    format: SelectionFormat,
    edge?: readonly EdgePart[],
  ): Promise<PageText | undefined> {
    checkServed(ctx, this.resource, "list");
    return pageText(this.#core, ctx, params, selection, format, edge);
  }

  /**
   * Aggregates over the rows a filter matches, optionally grouped: count, and sum / avg / min / max of
   * fields declared for them. The filter obeys the same rules and limits as lists; the trash is left out.
   */
  async aggregate(ctx: RequestContext, filter: Filter | undefined, spec: AggregateSpec): Promise<AggregateGroup[]> {
    checkServed(ctx, this.resource, "list");
    return aggregate(this.#core, ctx, filter, spec);
  }

  /** Counts records matching a filter (live ones, unless `deleted` says otherwise). */
  async count(ctx: RequestContext, filter?: Filter, deleted?: DeletedMode): Promise<number> {
    checkServed(ctx, this.resource, "list");
    return count(this.#core, ctx, filter, deleted);
  }

  /** One record by id; 404 when there is none (or it is in the trash). With `asOf`, the record as it was. */
  async get(
    ctx: RequestContext,
    rawId: unknown,
    options: GetOptions = {},
    projection?: Projection,
  ): Promise<ResourceRecord> {
    checkServed(ctx, this.resource, "get");
    return get(this.#core, ctx, rawId, options, projection);
  }

  /** The records with these ids (missing and trashed ids are skipped), in the order asked. Runs the `list` hooks with `{ ids }` as the input. */
  async getMany(ctx: RequestContext, rawIds: readonly unknown[], projection?: Projection): Promise<ResourceRecord[]> {
    checkServed(ctx, this.resource, "list");
    return getMany(this.#core, ctx, rawIds, projection);
  }

  /**
   * Whether the actor of `ctx` may learn that a record went away (a delete or purge change event):
   * they may read this resource, and the record was inside their tenant and scope. A record still in
   * the trash is checked in the database; a purged one against its last revision's snapshot (without
   * revisions there is nothing to check, so a restricted actor is not told).
   */
  sawGone(ctx: RequestContext, rawId: unknown, revisionNumber: number | null): Promise<boolean> {
    return sawGone(this.#core, ctx, rawId, revisionNumber);
  }

  /**
   * A change's record as the actor of `ctx` may see it, decided on `snapshot` (the record as that write
   * left it): undefined when they may not see it, null when only the database can decide (a scope on relations).
   */
  seesSnapshot(ctx: RequestContext, rawId: unknown, snapshot: Row): Promise<ResourceRecord | null | undefined> {
    return seesSnapshot(this.#core, ctx, rawId, snapshot);
  }

  /** Every revision of a record (also in the trash), oldest first. */
  async revisions(ctx: RequestContext, rawId: unknown): Promise<RevisionRecord[]> {
    checkServed(ctx, this.resource, "get");
    return revisions(this.#core, ctx, rawId);
  }

  /** One revision of a record by number. */
  async revision(ctx: RequestContext, rawId: unknown, rawNumber: unknown): Promise<RevisionRecord> {
    checkServed(ctx, this.resource, "get");
    return revision(this.#core, ctx, rawId, rawNumber);
  }

  /**
   * What changed from revision `from` to revision `to` (default: from its parent to `from`), over the
   * fields clients may see, both snapshots upgraded to the current schemaVersion.
   */
  async diff(ctx: RequestContext, rawId: unknown, rawNumber: unknown, rawAgainst?: unknown): Promise<RevisionDiff> {
    checkServed(ctx, this.resource, "get");
    return diff(this.#core, ctx, rawId, rawNumber, rawAgainst);
  }

  /**
   * Locks a record for the actor of `ctx` (renews their own lock); 409 when another actor holds it
   * (locks.ts, docs/guides/locks.md).
   */
  async lock(ctx: RequestContext, rawId: unknown, options?: LockOptions): Promise<RecordLock> {
    checkServed(ctx, this.resource, "update");
    return lock(this.#core, ctx, rawId, options);
  }

  /** Releases the actor's lock of a record (the admin role breaks anyone's); no lock is no error. */
  async unlock(ctx: RequestContext, rawId: unknown): Promise<void> {
    checkServed(ctx, this.resource, "update");
    return unlock(this.#core, ctx, rawId);
  }

  /** The live lock of a record, or null when it has none. */
  async getLock(ctx: RequestContext, rawId: unknown): Promise<RecordLock | null> {
    checkServed(ctx, this.resource, "update");
    return getLock(this.#core, ctx, rawId);
  }

  /** The live locks of the records of this resource the actor can read, oldest first. */
  async locks(ctx: RequestContext): Promise<RecordLock[]> {
    checkServed(ctx, this.resource, "update");
    return listLocks(this.#core, ctx);
  }

  /** Creates a record, and with nested writes the related records and links it names (nested.ts). */
  async create(ctx: RequestContext, input: unknown, options?: WriteInputOptions): Promise<ResourceRecord> {
    checkServed(ctx, this.resource, "create");
    const nested = splitNested(this.resource, input, options);
    if (nested) return writeNested(this.#core, "create", ctx, undefined, nested, options ?? {});
    const { data, errors, echoes } = readWriteInput(this.resource, input, "create", options);
    return write(this.#core, "create", ctx, undefined, data, errors, { ...options, echoes });
  }

  /** Replaces every writable field of a record (missing optional fields become null). */
  async update(ctx: RequestContext, rawId: unknown, input: unknown, options?: WriteOptions): Promise<ResourceRecord> {
    checkServed(ctx, this.resource, "update");
    const id = this.parseId(rawId);
    const nested = splitNested(this.resource, input, options);
    if (nested) return writeNested(this.#core, "update", ctx, id, nested, options ?? {});
    const { data, errors, echoes } = readWriteInput(this.resource, input, "update", options);
    return write(this.#core, "update", ctx, id, data, errors, { ...options, echoes });
  }

  /** Changes only the fields given. */
  async patch(ctx: RequestContext, rawId: unknown, input: unknown, options?: WriteOptions): Promise<ResourceRecord> {
    checkServed(ctx, this.resource, "update");
    const id = this.parseId(rawId);
    const nested = splitNested(this.resource, input, options);
    if (nested) return writeNested(this.#core, "patch", ctx, id, nested, options ?? {});
    const { data, errors, echoes } = readWriteInput(this.resource, input, "patch", options);
    return write(this.#core, "patch", ctx, id, data, errors, { ...options, echoes });
  }

  /**
   * Deletes a record and returns it as it was. A soft-deleted resource moves it to the trash instead
   * (it can be restored, or purged); the relations' `onDelete` rules apply either way.
   */
  async delete(ctx: RequestContext, rawId: unknown, options?: VersionOptions): Promise<ResourceRecord> {
    checkServed(ctx, this.resource, "delete");
    return write(this.#core, "delete", ctx, this.parseId(rawId), {}, {}, options);
  }

  /**
   * Deletes the live records a filter matches (a filter is required), at most `limit` of them (default
   * and most: `maxBatchSize`), lowest ids first, each through the whole pipeline of a delete, in one
   * transaction. Answers how many, their ids, and whether more matched.
   * @example await service.deleteWhere(ctx, { field: "status", op: "eq", value: "archived" }, { limit: 50 })
   */
  deleteWhere(
    ctx: RequestContext,
    filter: Filter | undefined,
    options?: DeleteWhereOptions,
  ): Promise<DeleteWhereResult> {
    checkServed(ctx, this.resource, "deleteWhere");
    return deleteWhere(this.#core, ctx, filter, options);
  }

  /** Brings a record back from the trash, with the records its delete cascaded to. */
  async restore(ctx: RequestContext, rawId: unknown, options?: VersionOptions): Promise<ResourceRecord> {
    checkServed(ctx, this.resource, "restore");
    const id = this.parseId(rawId);
    if (!this.resource.softDelete)
      throw new AppError("BAD_REQUEST", `${this.resource.plural} are not soft-deleted: there is nothing to restore.`);
    return write(this.#core, "restore", ctx, id, {}, {}, options);
  }

  /** Deletes a record for good, live or in the trash (a hard delete); the relations' `onDelete` rules apply. */
  async purge(ctx: RequestContext, rawId: unknown, options?: VersionOptions): Promise<ResourceRecord> {
    checkServed(ctx, this.resource, "purge");
    return write(this.#core, "purge", ctx, this.parseId(rawId), {}, {}, options);
  }

  /**
   * Makes a record equal to one of its revisions again (AutoCRUD's switch): a new revision with that
   * revision's values of every field clients may write, upgraded to the current schemaVersion.
   */
  async revert(
    ctx: RequestContext,
    rawId: unknown,
    rawNumber: unknown,
    options?: VersionOptions,
  ): Promise<ResourceRecord> {
    checkServed(ctx, this.resource, "revert");
    const id = this.parseId(rawId);
    const number = parseRevisionNumber(rawNumber);
    this.#core.log();
    return write(this.#core, "revert", ctx, id, {}, {}, options, number);
  }

  /** Draft mode: makes the record's latest draft revision a stable one. */
  async publish(ctx: RequestContext, rawId: unknown): Promise<ResourceRecord> {
    checkServed(ctx, this.resource, "publish");
    const id = this.parseId(rawId);
    if (!this.#core.log() || !this.resource.revisions?.draft)
      throw new AppError(
        "BAD_REQUEST",
        `${this.resource.plural} have no draft mode: every revision is stable already.`,
      );
    return write(this.#core, "publish", ctx, id, {}, {});
  }

  /**
   * Runs the custom action `name` (the definition's `actions`, rest-dialect.md §27) on the record `rawId`
   * (ignored by collection actions) with the client's `input`: the record read back (null when the actor
   * can no longer see it) or the action's declared output.
   */
  action(ctx: RequestContext, name: string, rawId: unknown, input: unknown): Promise<unknown> {
    return runAction(this.#core, ctx, name, rawId, input);
  }

  /**
   * Many writes of one kind. Items: objects to create; `{ id, ...fields }` to update or patch (a
   * `version` field is the expected version on a versioned resource); ids or `{ id, version }` to
   * delete, restore or purge. All-or-nothing in one transaction by default (the first failing item
   * fails the batch, with its index); with `partial`, each item on its own.
   */
  async batch(
    ctx: RequestContext,
    action: BatchAction,
    items: unknown,
    options: BatchOptions = {},
  ): Promise<BatchResult> {
    const operation = BATCH_OPERATION[action];
    if (operation) checkServed(ctx, this.resource, operation); // an unknown action is batch's own 400
    return batch(this.#core, ctx, action, items, options);
  }

  /**
   * Loads a relation of a record this service presented, through the request's loaders (batched:
   * call it for many records in the same tick and it costs one query). With `list`, a to-many relation's
   * records that match it, in its order, paged (checked against the related resource's rules).
   * @example await users.related(ctx, user, "posts", { sort: [{ field: "views", direction: "desc" }], limit: 3 })
   */
  related(
    ctx: RequestContext,
    record: ResourceRecord,
    relationName: string,
    list?: RelatedList,
  ): Promise<ResourceRecord | ResourceRecord[] | null> {
    return related(this.#core, ctx, record, relationName, list);
  }

  /**
   * Turns a row into the record a client may see in `view`. Relation bookkeeping rides along under a
   * symbol key, which JSON and GraphQL never serialise.
   */
  present(
    ctx: RequestContext,
    row: Row,
    view: OutputView,
    nesting: Nesting = { depth: 0, maxDepth: this.resource.maxDepth },
  ): ResourceRecord {
    return present(this.#core, ctx, row, view, nesting);
  }

  /** Rows whose `field` is one of `values` that exist for the actor of `ctx` (loader batches), read through `store` (a transaction's, or the runtime's). Internal to the runtime. */
  rowsWhereIn(
    ctx: RequestContext,
    field: string,
    values: readonly unknown[],
    store: Store = this.#core.store(ctx),
  ): Promise<Row[]> {
    return rowsWhereIn(this.#core, ctx, field, values, store);
  }
}
