/**
 * The resource service: the one place resource operations happen, for every transport. Reads select
 * only readable fields, leave out the trash, and present records per view (hidden fields never leave);
 * relations load through the request's loaders; writes run the lifecycle pipeline (hooks, validation,
 * audit, soft delete with its relation rules, revisions, optimistic concurrency) in one transaction.
 */
import { randomUUID } from "node:crypto";
import type { ValueSource } from "../metadata/definition.ts";
import type { BelongsToRelation, ResolvedField, ResolvedRelation, ResolvedResource } from "../metadata/resolved.ts";
import type { EdgePart, OrderKey, ReadLevel, ReadOutput, ReadQuery, ReadRelation } from "../storage/sql/read-sql.ts";
import { CURSOR_KEY, EDGE_CURSOR } from "../storage/sql/read-sql.ts";
import { hasSearch, topSearch } from "../storage/sql/search.ts";
import { classifyStorageError, type ReadResult, type Store } from "../storage/store.ts";
import { type AccessPolicy, type ActorView, asSystem } from "./access.ts";
import { type AggregateGroup, type AggregateSpec, compileAggregate, toGroup } from "./aggregate.ts";
import { bindService } from "./bound-service.ts";
import type { RequestContext, Transaction } from "./context.ts";
import type { CursorCodec } from "./cursor.ts";
import { AppError, isAppError, show } from "./errors.ts";
import type { Action, HookRegistry, Operation, WriteAction } from "./hooks.ts";
import { checkEchoes, readWriteInput, type WriteInputOptions } from "./input.ts";
import { cacheKey, type Row } from "./loaders.ts";
import { type Revision, RevisionLog } from "./revisions.ts";
import { validateWrite } from "./validate.ts";
import { decidable, matchesWhere } from "./where-match.ts";
import {
  both,
  checkPage,
  coerceValue,
  compileFilter,
  compileSort,
  liveCondition,
  sortPath,
  tieBreakerDirection,
  type Filter,
  type QueryLimits,
  type Sort,
} from "./query.ts";

/**
 * What a read loads of each record: the fields wanted (undefined: every field the actor may see) and
 * the relations to load with them, each with its own projection. A read compiles it, with the filter,
 * sort, page and the actor's view, into one SQL statement (see docs/design/read-compiler.md).
 * Relations it cannot load (not in the view's relations, nested too deep) are left out: asking for them
 * through {@link ResourceService.related} then gives the reason.
 * @example { fields: new Set(["title"]), relations: new Map([["author", { fields: new Set(["name"]) }]]) }
 */
export interface Projection {
  readonly fields?: ReadonlySet<string> | undefined;
  readonly relations?: ReadonlyMap<string, Projection> | undefined;
}

/**
 * The exact JSON a client gets of each record, key by key: a field, a relation (with its own
 * selection), or a constant type name. Reads given one return PostgreSQL's JSON text as it is.
 * @example [{ key: "id", field: "id" }, { key: "writer", relation: "author", selection: [{ key: "name", field: "name" }] }]
 */
export type Selection = readonly SelectionEntry[];

/** One key of a {@link Selection}. */
export type SelectionEntry =
  | { readonly key: string; readonly field: string }
  | { readonly key: string; readonly relation: string; readonly selection: Selection }
  | { readonly key: string; readonly typename: true };

/**
 * How values are written in a {@link Selection}'s JSON: `rest` as REST sends records (fields the actor
 * may not see left out, bigints and decimals as strings), `graphql` as GraphQL serialises them (fields
 * the actor may not see as null, IDs as strings, bigints and decimals as numbers).
 */
export type SelectionFormat = "rest" | "graphql";

/** A list as JSON text: the array, how many records it holds, and the total when asked for. */
export interface ListText {
  readonly json: string;
  readonly count: number;
  readonly total: number | undefined;
}

/** A keyset page as JSON text ({@link ResourceService.pageText}), with what a connection shows beside its rows. */
export interface PageText extends Pick<Page, "cursors" | "pageInfo" | "totalCount"> {
  /** The page's rows: a JSON array. */
  readonly nodes: string;
  /** The page's rows as edges: a JSON array; only when asked for. */
  readonly edges: string | undefined;
}

/** Where a record is shown: a single record or an item of a list. Decides which fields it carries. */
export type OutputView = "one" | "list";

/** A record as it leaves the runtime: only the fields visible in its view. */
export type ResourceRecord = Record<string, unknown>;

/**
 * Which records a read sees on a soft-deleted resource: the live ones (default), live and trashed
 * (`include`), or the trash alone (`only`).
 */
export type DeletedMode = "exclude" | "include" | "only";

const META = Symbol("autograph.record");
interface RecordMeta {
  readonly resource: ResolvedResource;
  readonly row: Row;
  readonly view: OutputView;
  readonly depth: number;
  readonly maxDepth: number;
}

/** Parameters of {@link ResourceService.list}. */
export interface ListParams {
  filter?: Filter | undefined;
  sort?: readonly Sort[] | undefined;
  offset?: number | undefined;
  limit?: number | undefined;
  /** Also count all matching rows (for Content-Range / totals). @default false */
  withTotal?: boolean | undefined;
  /** Soft-deleted resources: whether the trash is seen. @default "exclude" */
  deleted?: DeletedMode | undefined;
}

/** Options of update, patch and delete on a resource with optimistic concurrency. */
export interface VersionOptions {
  /** The version the client read; the write fails when the row has moved on. */
  expectedVersion?: number | undefined;
  /** The code of a version mismatch: CONFLICT (a version in the body, GraphQL) or PRECONDITION_FAILED (HTTP If-Match). @default "CONFLICT" */
  mismatch?: "CONFLICT" | "PRECONDITION_FAILED";
}

/** Options of {@link ResourceService.get}. */
export interface GetOptions {
  /** Soft-deleted resources: `include` or `only` also finds a record in the trash. @default "exclude" */
  deleted?: DeletedMode | undefined;
  /**
   * The record as it was: at a revision number, or at a time (a Date or an ISO 8601 string); needs
   * `revisions`. Gives the revision's snapshot.
   */
  asOf?: number | string | Date | undefined;
}

/** Parameters of {@link ResourceService.page} (Relay-style keyset pagination). */
export interface PageParams {
  filter?: Filter | undefined;
  sort?: readonly Sort[] | undefined;
  /** Page size going forward (after `after`). */
  first?: number | undefined;
  after?: string | undefined;
  /** Page size going backward (before `before`). */
  last?: number | undefined;
  before?: string | undefined;
  /** Also count all matching rows. @default false */
  withTotal?: boolean | undefined;
  /** Soft-deleted resources: whether the trash is seen. @default "exclude" */
  deleted?: DeletedMode | undefined;
}

/** One page of a keyset-paginated list. */
export interface Page {
  readonly records: ResourceRecord[];
  /** The cursor of each record, in the same order. */
  readonly cursors: string[];
  readonly pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | undefined;
    endCursor: string | undefined;
  };
  readonly totalCount: number | undefined;
}

/** A revision as clients see it: its snapshot presented like a single record (hidden fields left out). */
export interface RevisionRecord extends Omit<Revision, "data"> {
  readonly data: ResourceRecord;
}

/** What changed between two revisions, field by field (after upgrading both snapshots). */
export interface RevisionDiff {
  readonly from: number;
  readonly to: number;
  readonly changes: readonly { readonly field: string; readonly from: unknown; readonly to: unknown }[];
}

/** Write actions a batch can carry. */
export const BATCH_ACTIONS = ["create", "update", "patch", "delete", "restore", "purge"] as const;
/** One batch action. */
export type BatchAction = (typeof BATCH_ACTIONS)[number];

/** Options of {@link ResourceService.batch}. */
export interface BatchOptions {
  /**
   * Process the items independently (each in its own transaction) and report each outcome, instead of
   * all-or-nothing in one transaction. @default false
   */
  partial?: boolean | undefined;
  /** HTTP If-Match style version mismatches. @default "CONFLICT" */
  mismatch?: VersionOptions["mismatch"];
  /** See {@link WriteInputOptions.ignoreReadOnly}. */
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

/** Where the runtime reports what it cannot hand to a client (failing onSuccess / onFailure hooks, masked batch items). */
export type ErrorReporter = (
  error: unknown,
  where: { resource: string; action: Action; stage: "onSuccess" | "onFailure" | "batch" },
) => void;

/** What the runtime gives each service. */
export interface ServiceDependencies {
  readonly store: Store;
  readonly hooks: HookRegistry;
  readonly limits: QueryLimits;
  readonly resource: (name: string) => ResourceService;
  readonly cursors: CursorCodec;
  /** A context like `ctx` that reads and writes in `transaction` (loaders included). */
  readonly bind: (ctx: RequestContext, transaction: Transaction) => RequestContext;
  /** Who writes are recorded as when no one is signed in. */
  readonly defaultActor: string;
  /** Called after a transaction that appended outbox events commits (wakes the event dispatcher). */
  readonly onCommitted: () => void;
  readonly report: ErrorReporter;
  /** Permissions, tenants and scopes. */
  readonly access: AccessPolicy;
}

/** An operation as the pipeline builds it (hooks see it as {@link Operation}). */
type Op = { -readonly [K in keyof Operation]: Operation[K] };

/** Internal write options: a version, input leniency, and for cascades the parent's revision of the trash. */
type WriteOptions = WriteInputOptions & VersionOptions & { echoes?: Record<string, unknown> };

/** What a write settled before anything is written (see `#prepare`). */
interface WritePlan {
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
}

/** Operations on one resource. Get one through `runtime.service(name)`. */
export class ResourceService {
  readonly resource: ResolvedResource;
  readonly #deps: ServiceDependencies;
  /** Prisma `select` of every field that may ever be shown, plus foreign keys relations need. */
  readonly #select: Record<string, true>;
  /** The fields of {@link ResourceService.#select}, as compiled reads select them. */
  readonly #rowFields: readonly string[];
  /** Fields every read selects whatever its projection: the id, the keys relations follow, the trash column. */
  readonly #internal: ReadonlySet<string>;
  readonly #revisions: RevisionLog | undefined;
  /** A delete of this resource has relation rules to apply (cascade, restrict, and on a hard delete setNull). */
  readonly #deleteRules: boolean;

  constructor(resource: ResolvedResource, deps: ServiceDependencies) {
    this.resource = resource;
    this.#deps = deps;
    const select: Record<string, true> = {};
    for (const f of resource.fields) if (!(f.hidden.one && f.hidden.list) || f.isId) select[f.name] = true;
    for (const r of resource.relations) if (r.kind === "belongsTo") select[r.localField] = true;
    if (resource.softDelete) select[resource.softDelete.field] = true;
    this.#select = select;
    this.#rowFields = Object.keys(select);
    const internal = new Set([resource.id.name]);
    for (const r of resource.relations) if (r.kind === "belongsTo") internal.add(r.localField);
    if (resource.softDelete) internal.add(resource.softDelete.field);
    this.#internal = internal;
    this.#revisions = resource.revisions ? new RevisionLog(resource) : undefined;
    // A soft delete leaves the links of setNull relations alone (a trashed parent reads as absent).
    this.#deleteRules = resource.relations.some(
      (r) => r.kind === "hasMany" && r.onDelete !== undefined && (r.onDelete !== "setNull" || !resource.softDelete),
    );
  }

  readonly #lookup = (name: string) => this.#deps.resource(name).resource;

  /** The store of `ctx`: its transaction's inside a write, the runtime's otherwise. */
  #store(ctx: RequestContext | undefined): Store {
    return ctx?.transaction?.store ?? this.#deps.store;
  }

  /** Parses a client id (REST path segment, GraphQL ID) to the id column's type; 400 when it cannot be one. */
  parseId(raw: unknown): string | number {
    const c = coerceValue({ ...this.resource.id, isRequired: true }, raw);
    if (!c.ok) throw new AppError("BAD_REQUEST", `Invalid ${this.resource.name} id: ${c.message}.`);
    return c.value as string | number;
  }

  /** The actor's view: which fields they may use, which rows exist for them (access.ts). */
  #view(ctx: RequestContext): ActorView {
    return this.#deps.access.view(ctx);
  }

  /** `where` narrowed to the records `mode` sees (the live ones by default) inside the actor's tenant and scope. */
  #scoped(ctx: RequestContext, where: object, mode: DeletedMode | undefined = "exclude"): object {
    const soft = this.resource.softDelete;
    if (mode !== "exclude" && mode !== "include" && mode !== "only")
      throw new AppError("BAD_REQUEST", `deleted must be exclude, include or only; got ${show(mode)}.`);
    if (!soft && mode === "only")
      throw new AppError("BAD_REQUEST", `${this.resource.plural} have no trash: they are not soft-deleted.`);
    const condition = !soft
      ? undefined
      : mode === "exclude"
        ? liveCondition(this.resource)
        : mode === "only"
          ? { [soft.field]: { not: null } }
          : undefined;
    return both(both(where, condition), this.#view(ctx).guard(this.resource));
  }

  /** Whether the actor of `ctx` may see the field `name` of this resource's records. */
  canRead(ctx: RequestContext, name: string): boolean {
    const field = this.resource.field.get(name);
    return field !== undefined && this.#view(ctx).canRead(this.resource, field);
  }

  /** Throws unless the actor may read this resource (for transports that stream it: subscriptions, SSE). */
  async authorizeRead(ctx: RequestContext): Promise<void> {
    await this.#deps.access.check(ctx, this.resource, "read", {});
  }

  /** Runs a read with its hooks: before → body (or `work`) → after → onSuccess; onFailure on a throw. */
  async #read<T>(
    action: "read" | "list",
    ctx: RequestContext,
    input: Record<string, unknown>,
    id: string | number | undefined,
    work: (op: Operation) => Promise<T>,
  ): Promise<{ result: T; op: Op }> {
    const { hooks } = this.#deps;
    const op = this.#operation(action, ctx, id, input, undefined);
    try {
      await this.#deps.access.check(ctx, this.resource, "read", id === undefined ? {} : { id });
      await hooks.run("before", op);
      const body = hooks.body(this.resource.name, action);
      op.result = body ? await body(op, () => work(op)) : await work(op);
      await hooks.run("after", op);
    } catch (error) {
      await this.#failed(op, error);
      throw error;
    }
    await hooks
      .run("onSuccess", op)
      .catch((error) => this.#deps.report(error, { resource: this.resource.name, action, stage: "onSuccess" }));
    return { result: op.result as T, op };
  }

  #operation(
    action: Action,
    ctx: RequestContext,
    id: string | number | undefined,
    input: Record<string, unknown>,
    existing: Row | undefined,
  ): Op {
    return {
      action,
      resource: this.resource.name,
      context: ctx,
      actor: ctx.actor,
      id,
      input,
      existing,
      result: undefined,
      service: (name) => bindService(this.#deps.resource(name), ctx),
    };
  }

  async #failed(op: Op, error: unknown): Promise<void> {
    if (!this.#deps.hooks.has("onFailure", this.resource.name, op.action)) return;
    const failed = { ...op, error };
    await this.#deps.hooks
      .run("onFailure", failed)
      .catch((e) => this.#deps.report(e, { resource: this.resource.name, action: op.action, stage: "onFailure" }));
  }

  /** Presents rows and applies the action's transforms. */
  async #output(ctx: RequestContext, op: Operation, rows: readonly Row[], view: OutputView): Promise<ResourceRecord[]> {
    return this.#deps.hooks.transform(
      op,
      rows.map((row) => this.present(ctx, row, view)),
    );
  }

  /** Lists records matching a filter, sorted (id as tie-breaker) and paged; optionally with the total. */
  async list(
    ctx: RequestContext,
    params: ListParams = {},
    projection?: Projection,
  ): Promise<{ records: ResourceRecord[]; total: number | undefined }> {
    let total: number | undefined;
    const { result, op } = await this.#read("list", ctx, { ...params }, undefined, async (op) => {
      const found = await this.#list(ctx, op.input as ListParams, projection);
      total = found.total;
      return found.rows;
    });
    return { records: await this.#output(ctx, op, result, "list"), total };
  }

  async #list(ctx: RequestContext, params: ListParams, projection: Projection | undefined): Promise<ReadResult> {
    return this.#run(ctx, this.#listQuery(ctx, params, this.#level(ctx, "list", projection, "list")));
  }

  /** The read of a list: its filter, sort and page checked against the metadata and the actor's view. */
  #listQuery(ctx: RequestContext, params: ListParams, level: ReadLevel): ReadQuery {
    const view = this.#view(ctx);
    const where = this.#scoped(
      ctx,
      compileFilter(this.resource, params.filter, this.#deps.limits, this.#lookup, view),
      params.deleted,
    );
    compileSort(this.resource, params.sort, this.#lookup, view); // checks the keys, with the same messages everywhere
    const { offset, limit } = checkPage(this.resource, params, this.#deps.limits);
    // Unsorted full-text results come ranked by relevance.
    const rank = params.sort?.length ? undefined : topSearch(where);
    if (hasSearch(where) && params.sort?.some((k) => k.field.includes(".")))
      throw new AppError("BAD_REQUEST", "Search results can be sorted by this resource's own fields only.");
    const orderBy = rank ? [] : this.#orderKeys(ctx, params.sort);
    return { level, where, orderBy, rank, offset, limit, total: Boolean(params.withTotal) };
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
    if (this.#deps.hooks.any(this.resource.name, "list")) return undefined;
    const level = this.#outputLevel(ctx, "list", selection, format);
    if (!level) return undefined;
    await this.#deps.access.check(ctx, this.resource, "read", {});
    const query = this.#listQuery(ctx, params, level);
    return this.#translate(() => this.#store(ctx).readText(query));
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
    const id = this.parseId(rawId);
    if (this.#deps.hooks.any(this.resource.name, "read")) return undefined;
    const level = this.#outputLevel(ctx, "one", selection, format);
    if (!level) return undefined;
    await this.#deps.access.check(ctx, this.resource, "read", { id });
    const where = this.#scoped(ctx, { [this.resource.id.name]: id }, deleted ?? "exclude");
    const found = await this.#translate(() =>
      this.#store(ctx).readText({ level, where, orderBy: [], offset: 0, limit: 1, total: false }),
    );
    return found.count === 0 ? "null" : found.json.slice(1, -1);
  }

  /**
   * The level of a {@link Selection}: every key in order, fields the actor may not see left out (REST)
   * or null (GraphQL); undefined when a relation cannot be loaded in this view or at this depth.
   */
  #outputLevel(
    ctx: RequestContext,
    view: OutputView,
    selection: Selection,
    format: SelectionFormat,
    depth = 0,
  ): ReadLevel | undefined {
    const actorView = this.#view(ctx);
    const outputs: ReadOutput[] = [];
    const relations: ReadLevel["relations"][number][] = [];
    for (const entry of selection) {
      if ("typename" in entry) {
        outputs.push({ key: entry.key, constant: this.resource.names.type });
      } else if ("field" in entry) {
        const field = this.resource.field.get(entry.field);
        const visible = field !== undefined && !field.hidden[view] && actorView.canRead(this.resource, field);
        if (!visible) {
          if (format === "graphql") outputs.push({ key: entry.key });
          continue;
        }
        const numeric = field.kind === "BigInt" || field.kind === "Decimal";
        outputs.push({
          key: entry.key,
          field: field.name,
          as: format === "graphql" ? (field.isId ? "text" : numeric ? "number" : undefined) : undefined,
        });
      } else {
        const read = this.#relationRead(ctx, entry.relation, view, depth);
        if (!read) return undefined;
        const level = read.target.#outputLevel(ctx, read.childView, entry.selection, format, depth + 1);
        if (!level) return undefined;
        relations.push({ ...read.relation, key: entry.key, level });
        outputs.push({ key: entry.key, relation: entry.key });
      }
    }
    return { model: this.resource.model, fields: [], relations, outputs };
  }

  /** Runs a compiled read in the transaction of `ctx` (or on the pool), storage failures translated. */
  #run(ctx: RequestContext, query: ReadQuery): Promise<ReadResult> {
    return this.#translate(() => this.#store(ctx).read(query));
  }

  /** The sort keys of a read, then the id as the tie-breaker (running the same way as the last key). */
  #orderKeys(ctx: RequestContext, sort: readonly Sort[] | undefined): OrderKey[] {
    const view = this.#view(ctx);
    const keys: OrderKey[] = (sort ?? []).map((s) => {
      const { path, field } = sortPath(this.resource, s.field, this.#lookup, view);
      return {
        path,
        field: field.name,
        direction: s.direction,
        nulls: field.isRequired ? undefined : s.direction === "asc" ? "first" : "last",
      };
    });
    if (!keys.some((k) => k.path.length === 0 && k.field === this.resource.id.name))
      keys.push({ path: [], field: this.resource.id.name, direction: tieBreakerDirection(sort ?? []) });
    return keys;
  }

  /**
   * The projection of this resource's rows in `view` for the actor of `ctx`: the fields asked for that
   * they may see (all of them without a projection, or when hooks of `action` will see the records),
   * the keys relations need, and the relations the projection names that this view and depth allow,
   * each limited to the related rows that exist for the actor.
   */
  #level(
    ctx: RequestContext,
    view: OutputView,
    projection: Projection | undefined,
    action: Action | undefined,
    depth = 0,
  ): ReadLevel {
    const actorView = this.#view(ctx);
    const whole = !projection?.fields || (action !== undefined && this.#deps.hooks.any(this.resource.name, action));
    const fields = whole
      ? this.#rowFields
      : this.#rowFields.filter((name) => this.#internal.has(name) || projection?.fields?.has(name));
    const visible = fields.filter((name) => {
      const field = this.resource.field.get(name);
      return !field || this.#internal.has(name) || (!field.hidden[view] && actorView.canRead(this.resource, field));
    });
    const relations: ReadLevel["relations"][number][] = [];
    for (const [name, below] of projection?.relations ?? []) {
      const read = this.#relationRead(ctx, name, view, depth);
      if (read)
        relations.push({
          ...read.relation,
          key: name,
          level: read.target.#level(ctx, read.childView, below, undefined, depth + 1),
        });
    }
    return { model: this.resource.model, fields: visible, relations };
  }

  /**
   * How a read loads the relation `name` of records shown in `view` at `depth`: its link, and the rows
   * of the target that exist for the actor; undefined when this view or the depth does not allow it.
   */
  #relationRead(
    ctx: RequestContext,
    name: string,
    view: OutputView,
    depth: number,
  ): { relation: Omit<ReadRelation, "key" | "level">; target: ResourceService; childView: OutputView } | undefined {
    const relation = this.resource.relation.get(name);
    if (!relation?.views[view] || depth + 1 > this.resource.maxDepth) return undefined;
    const target = this.#deps.resource(relation.target);
    const many = relation.kind !== "belongsTo";
    return {
      relation: {
        field: relation.name,
        through: relation.kind === "manyToMany" ? relation.joinTargetRelation : undefined,
        many,
        where: this.#view(ctx).rows(target.resource),
      },
      target,
      childView: many ? "list" : "one",
    };
  }

  /**
   * Keyset (cursor) pagination: pages cost the same however deep, because each continues from the
   * previous page's last sort values instead of skipping rows. Works with any declared sort, on own
   * fields or through required to-one relations (the id is the tie-breaker); cursors are opaque and
   * tamper-checked. Runs the `list` hooks, with the page parameters as the input.
   */
  async page(ctx: RequestContext, params: PageParams = {}, projection?: Projection): Promise<Page> {
    let page: Omit<Page, "records"> | undefined;
    const { result, op } = await this.#read("list", ctx, { ...params }, undefined, async (op) => {
      const found = await this.#page(ctx, op.input as PageParams, projection);
      page = found;
      return found.rows;
    });
    const records = await this.#output(ctx, op, result, "list");
    if (!page)
      throw new AppError(
        "INTERNAL",
        "A list body replaced a cursor page: cursor pages need the default implementation.",
      );
    return { ...page, records };
  }

  async #page(
    ctx: RequestContext,
    params: PageParams,
    projection: Projection | undefined,
  ): Promise<Omit<Page, "records"> & { rows: Row[] }> {
    const plan = this.#pagePlan(ctx, params);
    const found = await this.#run(ctx, {
      ...plan.query,
      level: this.#level(ctx, "list", projection, "list"),
      cursorKeys: plan.query.orderBy,
    });
    const rows = found.rows;
    const more = rows.length > plan.size;
    const pageRows = rows.slice(0, plan.size);
    if (plan.backward) pageRows.reverse();
    const keys = pageRows.map((row) => {
      const values = row[CURSOR_KEY] as unknown[];
      delete row[CURSOR_KEY];
      return values;
    });
    return { rows: pageRows, ...plan.finish(keys, more), totalCount: found.total };
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
    if (this.#deps.hooks.any(this.resource.name, "list")) return undefined;
    const level = this.#outputLevel(ctx, "list", selection, format);
    if (!level) return undefined;
    await this.#deps.access.check(ctx, this.resource, "read", {});
    const plan = this.#pagePlan(ctx, params);
    const found = await this.#translate(() =>
      this.#store(ctx).readText({
        ...plan.query,
        level,
        cursorKeys: plan.query.orderBy,
        page: { size: plan.size, reverse: plan.backward, edge },
      }),
    );
    const { cursors, pageInfo } = plan.finish(found.keys ?? [], found.count > plan.size);
    let edges: string | undefined;
    if (found.edges !== undefined) {
      const parts = found.edges.split(EDGE_CURSOR);
      edges = parts.map((part, i) => (i === 0 ? part : `${cursors[i - 1]}${part}`)).join("");
    }
    return { nodes: found.json, edges, cursors, pageInfo, totalCount: found.total };
  }

  /**
   * What a keyset page reads (one row more than it shows, to know whether more follow) and how its
   * cursors and PageInfo come out of the keys of the rows it shows (in the order it shows them).
   */
  #pagePlan(
    ctx: RequestContext,
    params: PageParams,
  ): {
    query: Omit<ReadQuery, "level">;
    size: number;
    backward: boolean;
    finish: (keys: readonly unknown[][], more: boolean) => Pick<Page, "cursors" | "pageInfo">;
  } {
    if (params.first !== undefined && params.last !== undefined)
      throw new AppError("BAD_REQUEST", "Ask for `first` or `last`, not both.");
    if (params.after !== undefined && params.before !== undefined)
      throw new AppError("BAD_REQUEST", "Give `after` or `before`, not both.");
    const backward = params.last !== undefined || (params.before !== undefined && params.first === undefined);
    const size = (backward ? params.last : params.first) ?? this.resource.defaultPageSize;
    checkPage(this.resource, { limit: size }, this.#deps.limits);
    const keys = this.#keysetKeys(ctx, params.sort);
    const signature = keys.map((k) => `${[...k.path, k.field].join(".")}:${k.direction}`).join(",");
    const cursor = backward ? params.before : params.after;
    const where = this.#scoped(
      ctx,
      compileFilter(this.resource, params.filter, this.#deps.limits, this.#lookup, this.#view(ctx)),
      params.deleted,
    );
    // With a search, pages follow the keyset order, not relevance.
    if (hasSearch(where) && keys.some((k) => k.path.length > 0))
      throw new AppError("BAD_REQUEST", "Search results can be sorted by this resource's own fields only.");
    const boundary =
      cursor === undefined ? undefined : keysetWhere(keys, this.#deps.cursors.decode(signature, cursor), backward);
    const orderBy: OrderKey[] = keys.map((k) => {
      const direction = backward ? (k.direction === "asc" ? "desc" : "asc") : k.direction;
      // Nulls sort first ascending and last descending (compileSort's rule), mirrored when going backward.
      return {
        path: k.path,
        field: k.field,
        direction,
        nulls: k.required ? undefined : direction === "asc" ? "first" : "last",
      };
    });
    const query = {
      where: boundary ? { AND: [where, boundary] } : where,
      countWhere: where, // the total counts the whole list, not what lies beyond the cursor
      orderBy,
      offset: 0,
      limit: size === 0 ? 0 : size + 1,
      total: Boolean(params.withTotal),
    };
    const finish = (rowKeys: readonly unknown[][], more: boolean) => {
      const cursors = rowKeys.map((values) =>
        this.#deps.cursors.encode(
          signature,
          keys.map((k, i) => (k.isDate && typeof values[i] === "string" ? new Date(values[i]) : values[i])),
        ),
      );
      return {
        cursors,
        pageInfo: {
          hasNextPage: backward ? cursor !== undefined : more,
          hasPreviousPage: backward ? more : cursor !== undefined,
          startCursor: cursors[0],
          endCursor: cursors.at(-1),
        },
      };
    };
    return { query, size, backward, finish };
  }

  /** Sort keys of a keyset page: the client's (own fields, or through required to-one relations), then the id. */
  #keysetKeys(ctx: RequestContext, sort: readonly Sort[] | undefined): KeysetKey[] {
    const view = this.#view(ctx);
    compileSort(this.resource, sort, this.#lookup, view); // the same checks and messages as lists
    const keys: KeysetKey[] = (sort ?? []).map((s) => {
      const { path, field } = sortPath(this.resource, s.field, this.#lookup, view);
      let owner = this.resource;
      const relations: BelongsToRelation[] = [];
      for (const name of path) {
        const relation = owner.relation.get(name) as BelongsToRelation;
        // A missing related record would have no value to continue from: only required relations page by cursor.
        if (!relation.isRequired)
          throw new AppError(
            "BAD_REQUEST",
            `Cursor pages cannot sort by "${s.field}": "${name}" may be empty. Use offset pages for it.`,
          );
        relations.push(relation);
        owner = this.#lookup(relation.target);
      }
      return {
        path,
        relations,
        field: field.name,
        direction: s.direction,
        required: field.isRequired,
        isDate: field.kind === "DateTime",
        ...(field.enum ? { enumValues: field.enum.values } : {}),
      };
    });
    if (!keys.some((k) => k.path.length === 0 && k.field === this.resource.id.name)) {
      keys.push({
        path: [],
        relations: [],
        field: this.resource.id.name,
        direction: tieBreakerDirection(sort ?? []),
        required: true,
        isDate: this.resource.id.kind === "DateTime",
      });
    }
    return keys;
  }

  /**
   * Aggregates over the rows a filter matches, optionally grouped: count, and sum / avg / min / max of
   * fields declared for them. The filter obeys the same rules and limits as lists; the trash is left out.
   */
  async aggregate(ctx: RequestContext, filter: Filter | undefined, spec: AggregateSpec): Promise<AggregateGroup[]> {
    await this.authorizeRead(ctx);
    const view = this.#view(ctx);
    const where = this.#scoped(ctx, compileFilter(this.resource, filter, this.#deps.limits, this.#lookup, view));
    const { grouped, args, by } = compileAggregate(this.resource, spec, view);
    const rows = await this.#translate(() =>
      this.#store(ctx).aggregate({ model: this.resource.model, where, by: grouped ? by : [], args }),
    );
    return rows.map((row) => toGroup(row, by));
  }

  /** Counts records matching a filter (live ones, unless `deleted` says otherwise). */
  async count(ctx: RequestContext, filter?: Filter, deleted?: DeletedMode): Promise<number> {
    await this.authorizeRead(ctx);
    const where = this.#scoped(
      ctx,
      compileFilter(this.resource, filter, this.#deps.limits, this.#lookup, this.#view(ctx)),
      deleted,
    );
    return (await this.#run(ctx, this.#countQuery(where))).total ?? 0;
  }

  /** One record by id; 404 when there is none (or it is in the trash). With `asOf`, the record as it was. */
  async get(
    ctx: RequestContext,
    rawId: unknown,
    options: GetOptions = {},
    projection?: Projection,
  ): Promise<ResourceRecord> {
    const id = this.parseId(rawId);
    const mode = options.deleted ?? "exclude";
    this.#scoped(ctx, {}, mode);
    const asOf = options.asOf === undefined ? undefined : parseAsOf(options.asOf);
    const log = asOf === undefined ? undefined : this.#log();
    // Read hooks run for time travel too (input `{ asOf }`): a rule on reads holds for past states.
    const { result, op } = await this.#read("read", ctx, asOf === undefined ? {} : { asOf }, id, async () => {
      if (log && asOf !== undefined) {
        await this.#exists(ctx, id, mode);
        const store = this.#store(ctx);
        return (
          await this.#translate(() => (typeof asOf === "number" ? log.find(store, id, asOf) : log.at(store, id, asOf)))
        ).data;
      }
      // Without relations to load, gets of the same request batch through its loaders (one statement for many ids).
      const row =
        mode === "exclude" && !projection?.relations?.size
          ? await this.#translate(() => ctx.loaders.byId(this.resource.name).load(id))
          : (
              await this.#run(ctx, {
                level: this.#level(ctx, "one", projection, "read"),
                where: this.#scoped(ctx, { [this.resource.id.name]: id }, mode),
                orderBy: [],
                offset: 0,
                limit: 1,
                total: false,
              })
            ).rows[0];
      if (!row) throw this.#notFound(id);
      return row;
    });
    return (await this.#output(ctx, op, [result as Row], "one"))[0] as ResourceRecord;
  }

  /** The records with these ids (missing and trashed ids are skipped), in the order asked. Runs the `list` hooks with `{ ids }` as the input. */
  async getMany(ctx: RequestContext, rawIds: readonly unknown[], projection?: Projection): Promise<ResourceRecord[]> {
    if (!Array.isArray(rawIds)) throw new AppError("BAD_REQUEST", `Expected a list of ids, got ${show(rawIds)}.`);
    if (rawIds.length > this.#deps.limits.maxInValues)
      throw new AppError("BAD_REQUEST", `Too many ids: at most ${this.#deps.limits.maxInValues}.`);
    const ids = rawIds.map((id) => this.parseId(id));
    const { result, op } = await this.#read("list", ctx, { ids }, undefined, async (op) => {
      const wanted = op.input.ids as unknown[];
      if (!Array.isArray(wanted) || wanted.length === 0) return [];
      const idField = this.resource.id.name;
      const { rows } = await this.#run(ctx, {
        level: this.#level(ctx, "list", projection, "list"),
        where: this.#scoped(ctx, { [idField]: { in: wanted } }),
        orderBy: [],
        offset: 0,
        limit: wanted.length,
        total: false,
      });
      const byId = new Map(rows.map((row) => [cacheKey(row[idField]), row]));
      return wanted.map((id) => byId.get(cacheKey(id))).filter((r): r is Row => r !== undefined);
    });
    return this.#output(ctx, op, result, "list");
  }

  /** 404 unless the record exists among what `mode` sees (the actor's read permission checked first). */
  async #exists(ctx: RequestContext, id: string | number, mode: DeletedMode = "include"): Promise<void> {
    await this.#deps.access.check(ctx, this.resource, "read", { id });
    const found = await this.#run(ctx, this.#countQuery(this.#scoped(ctx, { [this.resource.id.name]: id }, mode)));
    if (!found.total) throw this.#notFound(id);
  }

  /** A read that only counts the rows `where` matches. */
  #countQuery(where: object, model = this.resource.model): ReadQuery {
    return { level: { model, fields: [], relations: [] }, where, orderBy: [], offset: 0, limit: 0, total: true };
  }

  #log(): RevisionLog {
    if (!this.#revisions) throw new AppError("BAD_REQUEST", `${this.resource.plural} keep no revisions.`);
    return this.#revisions;
  }

  /**
   * Whether the actor of `ctx` may learn that a record went away (a delete or purge change event):
   * they may read this resource, and the record was inside their tenant and scope. A record still in
   * the trash is checked in the database; a purged one against its last revision's snapshot (without
   * revisions there is nothing to check, so a restricted actor is not told).
   */
  /**
   * A change's record as the actor of `ctx` may see it, decided on `snapshot` (the record as that write
   * left it) rather than on the record now: undefined when the write left it outside their tenant or
   * scope, or they may not read the resource; null when their scope has conditions only the database
   * decides (on relations): ask it then.
   */
  async seesSnapshot(ctx: RequestContext, rawId: unknown, snapshot: Row): Promise<ResourceRecord | null | undefined> {
    const id = this.parseId(rawId);
    const guard = this.#view(ctx).guard(this.resource);
    if (guard && !decidable(snapshot, guard)) return null;
    try {
      // Read hooks run as for a get: a rule on reads holds for the records events carry too.
      const { result, op } = await this.#read("read", ctx, {}, id, async () => {
        if (guard && !matchesWhere(snapshot, guard)) throw this.#notFound(id);
        return snapshot;
      });
      return (await this.#output(ctx, op, [result], "one"))[0] as ResourceRecord;
    } catch (error) {
      if (isAppError(error) && ["NOT_FOUND", "FORBIDDEN", "UNAUTHENTICATED"].includes(error.code)) return undefined;
      throw error;
    }
  }

  async sawGone(ctx: RequestContext, rawId: unknown, revisionNumber: number | null): Promise<boolean> {
    const id = this.parseId(rawId);
    const guard = this.#view(ctx).guard(this.resource);
    try {
      // An actor no tenant or scope limits heard of the record whatever it was: no query needed.
      if (guard) await this.#exists(ctx, id);
      else await this.authorizeRead(ctx);
      return true;
    } catch (error) {
      if (!isAppError(error)) throw error;
      if (error.code !== "NOT_FOUND" || !guard || !this.#revisions || revisionNumber === null) return false;
    }
    const revision = await this.#translate(() =>
      (this.#revisions as RevisionLog).find(this.#store(ctx), id, revisionNumber),
    ).catch(() => undefined);
    return revision !== undefined && matchesWhere(revision.data, guard);
  }

  /** Every revision of a record (also in the trash), oldest first. */
  async revisions(ctx: RequestContext, rawId: unknown): Promise<RevisionRecord[]> {
    const id = this.parseId(rawId);
    const log = this.#log();
    await this.#exists(ctx, id);
    const revisions = await this.#translate(() => log.list(this.#store(ctx), id));
    return revisions.map((r) => this.#presentRevision(ctx, r));
  }

  /** One revision of a record by number. */
  async revision(ctx: RequestContext, rawId: unknown, rawNumber: unknown): Promise<RevisionRecord> {
    const id = this.parseId(rawId);
    const number = parseRevisionNumber(rawNumber);
    const log = this.#log();
    await this.#exists(ctx, id);
    return this.#presentRevision(ctx, await this.#translate(() => log.find(this.#store(ctx), id, number)));
  }

  /**
   * What changed from revision `from` to revision `to` (default: from its parent to `from`), over the
   * fields clients may see, both snapshots upgraded to the current schemaVersion.
   */
  async diff(ctx: RequestContext, rawId: unknown, rawNumber: unknown, rawAgainst?: unknown): Promise<RevisionDiff> {
    const id = this.parseId(rawId);
    const number = parseRevisionNumber(rawNumber);
    const log = this.#log();
    await this.#exists(ctx, id);
    const store = this.#store(ctx);
    const target = await this.#translate(() => log.find(store, id, number));
    const againstNumber = rawAgainst === undefined ? target.parentNumber : parseRevisionNumber(rawAgainst);
    const base = againstNumber === null ? undefined : await this.#translate(() => log.find(store, id, againstNumber));
    const before = base ? this.present(ctx, base.data, "one") : {};
    const after = this.present(ctx, target.data, "one");
    const changes = [...new Set([...Object.keys(before), ...Object.keys(after)])]
      .filter((field) => !sameValue(before[field], after[field]))
      .map((field) => ({ field, from: before[field] ?? null, to: after[field] ?? null }));
    return { from: againstNumber ?? 0, to: number, changes };
  }

  #presentRevision(ctx: RequestContext, revision: Revision): RevisionRecord {
    return { ...revision, data: this.present(ctx, revision.data, "one") };
  }

  /** Creates a record. */
  async create(ctx: RequestContext, input: unknown, options?: WriteInputOptions): Promise<ResourceRecord> {
    const { data, errors, echoes } = readWriteInput(this.resource, input, "create", options);
    return this.#write("create", ctx, undefined, data, errors, { ...options, echoes });
  }

  /** Replaces every writable field of a record (missing optional fields become null). */
  async update(ctx: RequestContext, rawId: unknown, input: unknown, options?: WriteOptions): Promise<ResourceRecord> {
    const id = this.parseId(rawId);
    const { data, errors, echoes } = readWriteInput(this.resource, input, "update", options);
    return this.#write("update", ctx, id, data, errors, { ...options, echoes });
  }

  /** Changes only the fields given. */
  async patch(ctx: RequestContext, rawId: unknown, input: unknown, options?: WriteOptions): Promise<ResourceRecord> {
    const id = this.parseId(rawId);
    const { data, errors, echoes } = readWriteInput(this.resource, input, "patch", options);
    return this.#write("patch", ctx, id, data, errors, { ...options, echoes });
  }

  /**
   * Deletes a record and returns it as it was. A soft-deleted resource moves it to the trash instead
   * (it can be restored, or purged); the relations' `onDelete` rules apply either way.
   */
  async delete(ctx: RequestContext, rawId: unknown, options?: VersionOptions): Promise<ResourceRecord> {
    return this.#write("delete", ctx, this.parseId(rawId), {}, {}, options);
  }

  /** Brings a record back from the trash, with the records its delete cascaded to. */
  async restore(ctx: RequestContext, rawId: unknown, options?: VersionOptions): Promise<ResourceRecord> {
    const id = this.parseId(rawId);
    if (!this.resource.softDelete)
      throw new AppError("BAD_REQUEST", `${this.resource.plural} are not soft-deleted: there is nothing to restore.`);
    return this.#write("restore", ctx, id, {}, {}, options);
  }

  /** Deletes a record for good, live or in the trash (a hard delete); the relations' `onDelete` rules apply. */
  async purge(ctx: RequestContext, rawId: unknown, options?: VersionOptions): Promise<ResourceRecord> {
    return this.#write("purge", ctx, this.parseId(rawId), {}, {}, options);
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
    const id = this.parseId(rawId);
    const number = parseRevisionNumber(rawNumber);
    this.#log();
    return this.#write("revert", ctx, id, {}, {}, options, number);
  }

  /** Draft mode: makes the record's latest draft revision a stable one. */
  async publish(ctx: RequestContext, rawId: unknown): Promise<ResourceRecord> {
    const id = this.parseId(rawId);
    if (!this.#log() || !this.resource.revisions?.draft)
      throw new AppError(
        "BAD_REQUEST",
        `${this.resource.plural} have no draft mode: every revision is stable already.`,
      );
    return this.#write("publish", ctx, id, {}, {});
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
    if (!(BATCH_ACTIONS as readonly string[]).includes(action))
      throw new AppError("BAD_REQUEST", `Unknown batch action ${show(action)}: use ${BATCH_ACTIONS.join(", ")}.`);
    if (!Array.isArray(items)) throw new AppError("BAD_REQUEST", `Expected a JSON array of items, got ${show(items)}.`);
    const max = this.resource.maxBatchSize;
    if (items.length > max)
      throw new AppError(
        "PAYLOAD_TOO_LARGE",
        `Too many items: ${items.length}, at most ${max} in one batch of ${this.resource.plural}.`,
        { details: { maxBatchSize: max } },
      );
    const one = (c: RequestContext, item: unknown) => this.#batchItem(c, action, item, options);
    if (!options.partial) {
      const records = await this.#inTransaction(ctx, async (tx) => {
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
        if (!isAppError(error)) this.#deps.report(error, { resource: this.resource.name, action, stage: "batch" });
        result.failed.push({ index, error: describe(error) });
      }
    }
    return result;
  }

  async #batchItem(
    ctx: RequestContext,
    action: BatchAction,
    item: unknown,
    options: BatchOptions,
  ): Promise<ResourceRecord> {
    const lenient = { ignoreReadOnly: Boolean(options.ignoreReadOnly) };
    if (action === "create") return this.create(ctx, item, lenient);
    const { id, version, rest } = this.#itemTarget(item, action === "update" || action === "patch");
    const versioned = { expectedVersion: version, ...(options.mismatch ? { mismatch: options.mismatch } : {}) };
    switch (action) {
      case "update":
        return this.update(ctx, id, rest, { ...lenient, ...versioned });
      case "patch":
        return this.patch(ctx, id, rest, { ...lenient, ...versioned });
      case "delete":
        return this.delete(ctx, id, versioned);
      case "restore":
        return this.restore(ctx, id, versioned);
      case "purge":
        return this.purge(ctx, id, versioned);
    }
  }

  /** The id, expected version and other fields of a batch item. */
  #itemTarget(
    item: unknown,
    withFields: boolean,
  ): { id: unknown; version: number | undefined; rest: Record<string, unknown> } {
    const idName = this.resource.id.name;
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
    const versionField = this.resource.version?.field;
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

  /** Runs `work` in the transaction of `ctx`, or in a new one whose `onSuccess` hooks run after it commits. */
  async #inTransaction<T>(
    ctx: RequestContext,
    work: (tx: RequestContext) => Promise<T>,
    action?: WriteAction,
  ): Promise<T> {
    if (ctx.transaction) return this.#translate(() => work(ctx as RequestContext), action);
    let bound: RequestContext | undefined;
    const result = await this.#translate(
      () =>
        this.#deps.store.transaction(async (store) => {
          bound = this.#deps.bind(ctx, { store, afterCommit: [], now: new Date(), events: [] });
          const result = await work(bound);
          // Last, so the outbox lock is held only for the insert and the commit.
          await store.appendEvents(bound.transaction?.events ?? []);
          return result;
        }),
      action,
    );
    if (bound?.transaction?.events.length) this.#deps.onCommitted();
    // The writes are durable now: each onSuccess reports its own failure instead of failing the request.
    for (const run of bound?.transaction?.afterCommit ?? []) await run();
    return result;
  }

  /**
   * A write: its pipeline as one statement where it can be (see {@link ResourceService.#direct}),
   * otherwise in the transaction of `ctx` (or a new one); then the record as the client sees it.
   */
  async #write(
    action: WriteAction,
    ctx: RequestContext,
    id: string | number | undefined,
    data: Record<string, unknown>,
    errors: Record<string, string>,
    options: WriteOptions = {},
    revision?: number,
  ): Promise<ResourceRecord> {
    const op = this.#operation(action, ctx, id, data, undefined);
    try {
      const row = this.#direct(ctx, action)
        ? await this.#translate(() => this.#writeDirect(ctx, op, errors, options), action)
        : await this.#inTransaction(ctx, (tx) => this.#writeIn(tx, op, errors, options, revision), action);
      return (await this.#output(ctx, op, [row], "one"))[0] as ResourceRecord;
    } catch (error) {
      await this.#failed(op, error);
      throw error;
    }
  }

  /**
   * Whether a write runs as one compiled statement (docs/design/write-path.md): a create, update, patch
   * or delete that is not part of a transaction already (a batch, a hook's `op.service`), of a resource
   * with no hook that runs inside the transaction (`before`, `after`, a `body`) for it, no draft
   * revisions, and for a delete no relation rule to apply; on a model the write compiler can write.
   * Everything else takes the transaction of {@link ResourceService.#writeIn}.
   */
  #direct(ctx: RequestContext, action: WriteAction): boolean {
    if (ctx.transaction) return false;
    if (action !== "create" && action !== "update" && action !== "patch" && action !== "delete") return false;
    const { hooks, store } = this.#deps;
    const name = this.resource.name;
    if (hooks.body(name, action) || hooks.has("before", name, action) || hooks.has("after", name, action)) return false;
    if (this.resource.revisions?.draft) return false;
    if (action === "delete" && this.#deleteRules) return false;
    return store.canWrite(this.resource.model);
  }

  /**
   * The checks and values of a write, before anything is written: read the row (locking nothing: the
   * write itself checks the version) → check what the action needs (live, in the trash, the expected
   * version) → stamp the values the runtime fills in → `before` hooks → validation → references.
   * Reads go through `ctx`'s store: the transaction's on the Prisma path, the pool's on the direct one.
   */
  async #prepare(
    ctx: RequestContext,
    op: Op,
    inputErrors: Record<string, string>,
    options: WriteOptions,
    revisionNumber: number | undefined,
    now: Date,
  ): Promise<WritePlan> {
    const { action } = op;
    const idField = this.resource.id.name;
    const soft = this.resource.softDelete;
    const version = this.resource.version;
    const expected = options.expectedVersion;
    const access = this.#deps.access;
    const view = this.#view(ctx);
    const operation = action === "patch" ? "update" : (action as Exclude<WriteAction, "patch">);
    // Roles first (a denied operation says so without looking at the row), then the scope's write rule.
    await access.check(ctx, this.resource, operation);
    if (view.scoped(this.resource) && !this.resource.scopedWrites) {
      throw new AppError(
        "FORBIDDEN",
        `Your access to ${this.resource.plural} is scoped: you may read them, not write them.`,
      );
    }
    const guard = view.guard(this.resource);

    if (version && action !== "create" && action !== "publish") {
      if (expected === undefined && version.required && action !== "restore" && action !== "purge") {
        throw new AppError(
          "BAD_REQUEST",
          `Send the ${version.field} you read (If-Match or "${version.field}"): ${this.resource.plural} require it on ${action}.`,
        );
      }
      if (expected !== undefined && !Number.isSafeInteger(expected))
        throw new AppError("BAD_REQUEST", `Expected version must be a whole number, got ${show(expected)}.`);
    }
    const id = op.id;
    // Outside the actor's tenant or scope, the record does not exist for them.
    const existing =
      id === undefined
        ? undefined
        : (
            await this.#run(ctx, {
              level: { model: this.resource.model, fields: this.#rowFields, relations: [] },
              where: both({ [idField]: id }, guard),
              orderBy: [],
              offset: 0,
              limit: 1,
              total: false,
            })
          ).rows[0];
    const trashed = Boolean(soft && existing && existing[soft.field] != null);
    if (id !== undefined) {
      if (!existing) throw this.#notFound(id);
      if (action === "restore" && !trashed)
        throw new AppError("CONFLICT", `This ${this.resource.name} is not in the trash: there is nothing to restore.`);
      if (trashed && action !== "restore" && action !== "purge")
        throw new AppError(
          "NOT_FOUND",
          `No ${this.resource.name} with id ${show(id)}: it is in the trash (restore it first).`,
        );
    }
    op.existing = existing;
    await access.check(ctx, this.resource, operation, { id, input: op.input, existing });
    const mismatch = (current: unknown) =>
      new AppError(
        options.mismatch ?? "CONFLICT",
        `This ${this.resource.name} was changed by someone else: you sent version ${String(expected)}, it is now at ${String(current)}. Reload it and try again.`,
        {
          details: { currentVersion: current },
        },
      );
    if (version && existing && expected !== undefined && existing[version.field] !== expected)
      throw mismatch(existing[version.field]);
    // After the version: a stale record's echoes differ because it is stale, and that is the 409 to give.
    checkEchoes(this.resource, view, op.input, options.echoes ?? {}, existing, Boolean(options.ignoreReadOnly));

    const actor = ctx.actor.id ?? this.#deps.defaultActor;
    const values = { ctx, now, actor };
    if (action === "create") {
      for (const f of this.resource.fields)
        if (f.onCreate !== undefined) op.input[f.name] = evaluate(f.onCreate, f, values);
      if (this.resource.tenant) op.input[this.resource.tenant] = view.tenantFor(this.resource);
      const gen = this.resource.idGenerator;
      if (gen === "uuid") op.input[idField] = randomUUID();
      else if (typeof gen === "function") op.input[idField] = gen();
    } else if (action === "revert") {
      const revision = await this.#log().find(this.#store(ctx), id as string | number, revisionNumber as number);
      op.input = this.#revertValues(revision.data);
    }
    if (action !== "create" && action !== "purge" && action !== "publish") {
      for (const f of this.resource.fields)
        if (f.onUpdate !== undefined) op.input[f.name] = evaluate(f.onUpdate, f, values);
    }

    await this.#deps.hooks.run("before", op);
    if (action === "create" || action === "update" || action === "patch" || action === "revert") {
      // Validation sees the merged record this transaction would write; failing here writes nothing.
      await validateWrite(this.resource, {
        action: action === "revert" ? "update" : action,
        data: op.input,
        existing,
        actorId: ctx.actor.id,
        errors: action === "revert" ? {} : inputErrors,
      });
      await this.#checkReferences(ctx, op.input, existing);
    }

    // With an expected version, the write itself checks it (WHERE version = expected) and bumps it, so
    // two writers that read the same version cannot both win, whatever the timing.
    // Without an expected version the bump alone is atomic (SET version = version + 1).
    // The tenant and scope hold in the write's own where-clause too, not only in the read before it.
    const where = both(
      version && expected !== undefined ? { [idField]: id, [version.field]: expected } : { [idField]: id },
      guard,
    );
    return {
      existing,
      guard,
      where,
      actor,
      mismatch,
      staysInside: Boolean(guard && view.scoped(this.resource) && action !== "delete" && action !== "purge"),
    };
  }

  /** The version the record with `id` is at now (undefined when it is gone), read in `ctx`'s store. */
  async #currentVersion(ctx: RequestContext, id: unknown): Promise<unknown> {
    const field = this.resource.version?.field;
    if (!field) return undefined;
    const { rows } = await this.#run(ctx, {
      level: { model: this.resource.model, fields: [field], relations: [] },
      where: { [this.resource.id.name]: id },
      orderBy: [],
      offset: 0,
      limit: 1,
      total: false,
    });
    return rows[0]?.[field];
  }

  /** The `onSuccess` hooks of a committed write, if it has any; their failures are reported, not thrown. */
  #onSuccess(op: Op): (() => Promise<void>) | undefined {
    const { hooks } = this.#deps;
    if (!hooks.has("onSuccess", this.resource.name, op.action)) return undefined;
    const done = {
      ...op,
      service: () => {
        throw new Error("onSuccess runs after the commit: use runtime.service(name) for further work");
      },
    } as Op;
    return () =>
      hooks
        .run("onSuccess", done)
        .catch((error) =>
          this.#deps.report(error, { resource: this.resource.name, action: op.action, stage: "onSuccess" }),
        );
  }

  /**
   * The write pipeline as one statement (docs/design/write-path.md): {@link ResourceService.#prepare}
   * reading on the pool, then the row write, its revision and its outbox event in one compiled
   * statement between BEGIN and COMMIT on a connection of the pool (storage's `write`), then the event
   * dispatcher's wake-up and `onSuccess`.
   */
  async #writeDirect(
    ctx: RequestContext,
    op: Op,
    inputErrors: Record<string, string>,
    options: WriteOptions,
  ): Promise<Row> {
    const { action } = op;
    const now = new Date();
    const plan = await this.#prepare(ctx, op, inputErrors, options, undefined, now);
    const soft = this.resource.softDelete;
    const version = this.resource.version;
    const kind = action === "create" ? "insert" : action === "delete" && !soft ? "delete" : "update";
    const values =
      action === "delete"
        ? soft
          ? {
              ...op.input,
              [soft.field]: now,
              ...(soft.by ? { [soft.by]: stamp(this.resource.field.get(soft.by), plan.actor) } : {}),
            }
          : {}
        : op.input;
    const actorId = String(plan.actor);
    const result = await this.#deps.store.write({
      model: this.resource.model,
      kind,
      values,
      increment: kind === "update" && version ? [version.field] : [],
      id: op.id,
      where: kind === "insert" ? undefined : plan.where,
      fields: this.#rowFields,
      inside: plan.staysInside ? plan.guard : undefined,
      now,
      revision: this.#revisions?.compiled(action, actorId),
      event: { resource: this.resource.name, action, actorId },
    });
    if (result.status === "missing") {
      // The row changed or went between the read and the write (the read found it).
      const current = await this.#currentVersion(ctx, op.id);
      if (version && current !== undefined) throw plan.mismatch(current);
      throw new AppError("NOT_FOUND", `The ${this.resource.name} does not exist (any more).`);
    }
    if (result.status === "outside")
      throw new AppError(
        "FORBIDDEN",
        `This ${action} would put the ${this.resource.name} outside the records you may see.`,
      );
    op.id = result.row[this.resource.id.name] as string | number;
    op.result = result.row;
    this.#deps.onCommitted();
    await this.#onSuccess(op)?.();
    return result.row;
  }

  /**
   * The write pipeline inside a transaction (every write {@link ResourceService.#direct} does not take):
   * {@link ResourceService.#prepare} → the row write (or the `body` hook) with the relations' delete
   * rules → the revision → the outbox event (appended at the commit) → `after` hooks; `onSuccess` waits
   * for the commit.
   */
  async #writeIn(
    ctx: RequestContext,
    op: Op,
    inputErrors: Record<string, string>,
    options: WriteOptions,
    revisionNumber: number | undefined,
  ): Promise<Row> {
    const tx = ctx.transaction as Transaction;
    const { hooks } = this.#deps;
    const { action } = op;
    const idField = this.resource.id.name;
    const soft = this.resource.softDelete;
    const version = this.resource.version;
    const model = tx.store.model(this.resource.delegate);
    op.context = ctx;
    op.service = (name) => bindService(this.#deps.resource(name), ctx);
    const plan = await this.#prepare(ctx, op, inputErrors, options, revisionNumber, tx.now);
    const { existing, where, actor } = plan;
    const id = op.id;
    const bump = version ? { [version.field]: { increment: 1 } } : {};
    const versionMoved = async (error: unknown): Promise<never> => {
      if (version && classifyStorageError(error)?.kind === "notFound") {
        const current = await this.#currentVersion(ctx, id);
        if (current !== undefined) throw plan.mismatch(current);
      }
      throw error;
    };
    const proceed = async (): Promise<Row> => {
      switch (action) {
        case "create":
          return model.create({ data: op.input, select: this.#select });
        case "update":
        case "patch":
        case "revert":
          return model.update({ where, data: { ...op.input, ...bump }, select: this.#select }).catch(versionMoved);
        case "publish":
          return existing as Row;
        case "restore": {
          await this.#checkParentsLive(ctx, existing as Row);
          if (!soft) throw new Error(`restore of ${this.resource.name}, which has no soft delete`);
          const row = await model
            .update({
              where,
              data: { ...op.input, [soft.field]: null, ...(soft.by ? { [soft.by]: null } : {}), ...bump },
              select: this.#select,
            })
            .catch(versionMoved);
          await this.#cascade(ctx, "restore", id as string | number, existing?.[soft.field] as Date);
          return row;
        }
        case "delete":
          if (soft) {
            await this.#cascade(ctx, "delete", id as string | number, tx.now);
            return model
              .update({
                where,
                data: {
                  ...op.input,
                  [soft.field]: tx.now,
                  ...(soft.by ? { [soft.by]: stamp(this.resource.field.get(soft.by), actor) } : {}),
                  ...bump,
                },
                select: this.#select,
              })
              .catch(versionMoved);
          }
          await this.#cascade(ctx, "purge", id as string | number, tx.now, "delete");
          return model.delete({ where, select: this.#select }).catch(versionMoved);
        case "purge":
          await this.#cascade(ctx, "purge", id as string | number, tx.now);
          return model.delete({ where, select: this.#select }).catch(versionMoved);
      }
      throw new Error(`Unknown action ${action}`);
    };
    const body = hooks.body(this.resource.name, action);
    const row = (body ? await body(op, proceed) : await proceed()) as Row;
    if (!row || typeof row !== "object") throw new Error(`The ${action} body of ${this.resource.name} returned no row`);
    op.id = row[idField] as string | number;
    op.result = row;
    if (plan.staysInside) {
      const inside = await this.#run(ctx, this.#countQuery(both({ [idField]: op.id }, plan.guard)));
      if (!inside.total)
        throw new AppError(
          "FORBIDDEN",
          `This ${action} would put the ${this.resource.name} outside the records you may see.`,
        );
    }
    const revision = this.#revisions
      ? await this.#revisions.record(tx.store, { action, recordId: op.id, row, actorId: String(actor) })
      : undefined;
    tx.events.push({
      resource: this.resource.name,
      recordId: String(op.id),
      action,
      revisionId: revision?.id ?? null,
      revisionNumber: revision?.number ?? null,
      actorId: String(actor),
      changed: changedFields(existing, row),
      record: row,
    });
    await hooks.run("after", op);
    const onSuccess = this.#onSuccess(op);
    if (onSuccess) tx.afterCommit.push(onSuccess);
    return op.result as Row;
  }

  /** The values a revert writes: the snapshot's values of every field clients may write on update. */
  #revertValues(snapshot: Row): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const f of this.resource.fields) {
      if (f.readOnly || f.hidden.update || f.isId || !(f.name in snapshot)) continue;
      const c = coerceValue(f, snapshot[f.name]);
      if (c.ok) out[f.name] = c.value;
    }
    return out;
  }

  /**
   * The relations' delete rules, for a delete (soft: the live children), a purge (hard: every child,
   * also trashed ones) or a restore (the children the delete cascaded to: trashed at the same instant).
   */
  async #cascade(
    actorCtx: RequestContext,
    action: "delete" | "purge" | "restore",
    id: string | number,
    at: Date,
    verb: string = action,
  ): Promise<void> {
    // The parent's checks cover its children: they follow it whoever may see or write them.
    const ctx = asSystem(actorCtx);
    for (const relation of this.resource.relations) {
      if (relation.kind !== "hasMany" || !relation.onDelete) continue;
      const child = this.#deps.resource(relation.target);
      const childSoft = child.resource.softDelete;
      const model = this.#store(ctx).model(child.resource.delegate);
      const byParent = { [relation.foreignField]: id };
      const childId = child.resource.id.name;
      if (action === "restore") {
        if (relation.onDelete !== "cascade" || !childSoft) continue;
        const rows = await model.findMany({
          where: { ...byParent, [childSoft.field]: at },
          select: { [childId]: true },
        });
        for (const row of rows) await child.restore(ctx, row[childId]);
        continue;
      }
      // A soft delete leaves the trash of children alone; a purge counts and removes it too.
      const where = action === "delete" ? child.#scoped(ctx, byParent) : byParent;
      switch (relation.onDelete) {
        case "restrict": {
          const count = await model.count({ where });
          if (count > 0)
            throw new AppError(
              "CONFLICT",
              `Cannot ${verb} this ${this.resource.name}: ${count} ${count === 1 ? `${child.resource.name} still refers` : `${child.resource.plural} still refer`} to it (${relation.name}). Delete or move them first.`,
              { details: { relation: relation.name, count } },
            );
          break;
        }
        case "cascade": {
          const rows = await model.findMany({ where, select: { [childId]: true } });
          for (const row of rows)
            await (action === "delete" ? child.delete(ctx, row[childId]) : child.purge(ctx, row[childId]));
          break;
        }
        case "setNull":
          // A trashed parent reads as absent already; the link is cleared when it is purged.
          if (action === "purge") await model.updateMany({ where, data: { [relation.foreignField]: null } });
          break;
      }
    }
  }

  /**
   * The records a write points at must exist for the actor: a foreign key into a resource limited by
   * tenant or scope is checked inside that tenant and scope (and a tenant row may only point at a row of
   * its own tenant, whoever writes). A miss gets the database's own "does not exist" answer, so the write
   * tells nothing about rows the actor cannot see — and cannot attach anything to them.
   */
  async #checkReferences(
    ctx: RequestContext,
    input: Record<string, unknown>,
    existing: Row | undefined,
  ): Promise<void> {
    const view = this.#view(ctx);
    const tenant = this.resource.tenant ? (input[this.resource.tenant] ?? existing?.[this.resource.tenant]) : undefined;
    for (const relation of this.resource.relations) {
      if (relation.kind !== "belongsTo" || !(relation.localField in input)) continue;
      const key = input[relation.localField];
      if (key === null || key === undefined) continue;
      const target = this.#deps.resource(relation.target).resource;
      const sameTenant = target.tenant && tenant !== undefined ? { [target.tenant]: tenant } : undefined;
      const guard = view.guard(target);
      const condition = guard ? both(guard, sameTenant) : sameTenant;
      if (!condition) continue;
      const found = await this.#run(
        ctx,
        this.#countQuery(both({ [relation.targetField]: key }, condition), target.model),
      );
      if (!found.total) {
        throw new AppError(
          "VALIDATION_FAILED",
          `Invalid ${this.resource.name}: ${relation.localField} refers to a ${target.name} that does not exist.`,
          { fields: { [relation.localField]: `no ${target.name} with this id` } },
        );
      }
    }
  }

  /**
   * A restore must not bring back a record whose required parent is still in the trash (it would
   * point at nothing); an optional parent in the trash just reads as absent.
   */
  async #checkParentsLive(ctx: RequestContext, row: Row): Promise<void> {
    for (const relation of this.resource.relations) {
      if (relation.kind !== "belongsTo" || !relation.isRequired) continue;
      const parent = this.#deps.resource(relation.target);
      const parentSoft = parent.resource.softDelete;
      const key = row[relation.localField];
      if (!parentSoft || key === null || key === undefined) continue;
      const found = await this.#run(
        ctx,
        this.#countQuery({ [relation.targetField]: key, [parentSoft.field]: null }, parent.resource.model),
      );
      if (!found.total)
        throw new AppError(
          "CONFLICT",
          `Cannot restore this ${this.resource.name}: its ${relation.name} (${parent.resource.name} ${show(key)}) is in the trash. Restore that first.`,
          { details: { relation: relation.name } },
        );
    }
  }

  /**
   * Loads a relation of a record this service presented, through the request's loaders (batched:
   * call it for many records in the same tick and it costs one query).
   */
  async related(
    ctx: RequestContext,
    record: ResourceRecord,
    relationName: string,
  ): Promise<ResourceRecord | ResourceRecord[] | null> {
    const meta = (record as { [META]?: RecordMeta })[META];
    if (!meta || meta.resource !== this.resource)
      throw new Error(`related(): not a ${this.resource.name} record presented by the runtime`);
    // Loaded with the record by its read (one statement for the whole tree).
    if (Object.hasOwn(record, relationName)) return record[relationName] as ResourceRecord | ResourceRecord[] | null;
    const relation = this.resource.relation.get(relationName);
    if (!relation)
      throw new AppError(
        "BAD_REQUEST",
        `${this.resource.name} has no relation "${relationName}". Relations: ${this.resource.relations.map((r) => r.name).join(", ") || "(none)"}.`,
      );
    if (!relation.views[meta.view]) {
      throw new AppError(
        "BAD_REQUEST",
        `Relation "${relationName}" of ${this.resource.name} is only available on ${meta.view === "list" ? "a single record" : "list items"}.`,
      );
    }
    if (meta.depth + 1 > meta.maxDepth) {
      // meta.resource is the parent of this relation, not the top-level record the depth counts from.
      throw new AppError(
        "BAD_REQUEST",
        `Relations nest too deeply: "${relationName}" of ${this.resource.name} would be level ${meta.depth + 1}; at most ${meta.maxDepth} levels below the top-level record.`,
      );
    }
    const target = this.#deps.resource(relation.target);
    const child = { depth: meta.depth + 1, maxDepth: meta.maxDepth };
    const loaded = await this.#translate(() => this.#load(ctx, relation, meta.row));
    if (Array.isArray(loaded)) return loaded.map((row) => target.present(ctx, row, "list", child));
    return loaded ? target.present(ctx, loaded, "one", child) : null;
  }

  #load(ctx: RequestContext, relation: ResolvedRelation, row: Row): Promise<Row | Row[] | null> {
    const id = row[this.resource.id.name];
    switch (relation.kind) {
      case "belongsTo": {
        const key = row[relation.localField];
        if (key === null || key === undefined) return Promise.resolve(null);
        const target = this.#deps.resource(relation.target).resource;
        return relation.targetField === target.id.name
          ? ctx.loaders.byId(relation.target).load(key)
          : ctx.loaders
              .byField(relation.target, relation.targetField)
              .load(key)
              .then((rows) => rows[0] ?? null);
      }
      case "hasMany":
        return ctx.loaders.byField(relation.target, relation.foreignField).load(id);
      case "manyToMany":
        return ctx.loaders
          .through(relation.joinModel, relation.joinLocalField, relation.joinTargetField, relation.target)
          .load(id);
    }
  }

  /**
   * Turns a row into the record a client may see in `view`. Relation bookkeeping rides along under a
   * symbol key, which JSON and GraphQL never serialise.
   */
  present(
    ctx: RequestContext,
    row: Row,
    view: OutputView,
    nesting = { depth: 0, maxDepth: this.resource.maxDepth },
  ): ResourceRecord {
    const record: ResourceRecord = {};
    const actorView = this.#view(ctx);
    for (const f of this.resource.fields)
      if (!f.hidden[view] && f.name in row && actorView.canRead(this.resource, f)) record[f.name] = row[f.name];
    // Relations a read loaded with the row (its projection's): presented as the related service would.
    for (const relation of this.resource.relations) {
      if (!Object.hasOwn(row, relation.name)) continue;
      const value = row[relation.name] as Row | Row[] | null;
      const target = this.#deps.resource(relation.target);
      const child = { depth: nesting.depth + 1, maxDepth: nesting.maxDepth };
      record[relation.name] = Array.isArray(value)
        ? value.map((r) => target.present(ctx, r, "list", child))
        : value
          ? target.present(ctx, value, "one", child)
          : null;
    }
    const meta: RecordMeta = { resource: this.resource, row, view, ...nesting };
    Object.defineProperty(record, META, { value: meta, enumerable: false });
    return record;
  }

  /** Rows whose `field` is one of `values` that exist for the actor of `ctx` (loader batches), read through `store` (a transaction's, or the runtime's). Internal to the runtime. */
  async rowsWhereIn(
    ctx: RequestContext,
    field: string,
    values: readonly unknown[],
    store: Store = this.#deps.store,
  ): Promise<Row[]> {
    const query: ReadQuery = {
      level: this.#level(ctx, "list", undefined, undefined),
      where: this.#scoped(ctx, { [field]: { in: [...values] } }),
      orderBy: [],
      offset: 0,
      limit: null,
      total: false,
    };
    return (await store.read(query)).rows;
  }

  #notFound(id: unknown): AppError {
    return new AppError("NOT_FOUND", `No ${this.resource.name} with id ${show(id)}.`);
  }

  /** Runs storage work, turning storage failures into {@link AppError}s. */
  async #translate<T>(work: () => Promise<T>, action?: WriteAction): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof AppError) throw error;
      const failure = classifyStorageError(error);
      if (!failure) throw error;
      switch (failure.kind) {
        case "unique": {
          const fields = failure.fields.length > 0 ? failure.fields : ["(unknown)"];
          throw new AppError("CONFLICT", `A ${this.resource.name} with this ${fields.join(" + ")} already exists.`, {
            fields: Object.fromEntries(fields.map((f) => [f, "must be unique"])),
            cause: error,
          });
        }
        case "notFound":
          throw new AppError("NOT_FOUND", `The ${this.resource.name} does not exist (any more).`, { cause: error });
        case "foreignKey": {
          if (action === "delete") {
            throw new AppError(
              "CONFLICT",
              `Cannot delete this ${this.resource.name}: other records still refer to it${referrer(failure.constraint)}.`,
              { cause: error },
            );
          }
          const field = this.resource.relations.find(
            (r) => r.kind === "belongsTo" && failure.constraint?.includes(`_${r.localField}_`),
          );
          const fk = field?.kind === "belongsTo" ? field.localField : undefined;
          throw new AppError(
            "VALIDATION_FAILED",
            fk
              ? `Invalid ${this.resource.name}: ${fk} refers to a ${field?.target} that does not exist.`
              : `Invalid ${this.resource.name}: a reference points to a record that does not exist.`,
            {
              ...(fk ? { fields: { [fk]: `no ${field?.target} with this id` } } : {}),
              cause: error,
            },
          );
        }
        case "valueOutOfRange":
          throw new AppError(
            "VALIDATION_FAILED",
            `Invalid ${this.resource.name}: a value is too long or out of range.`,
            { cause: error },
          );
        case "invalidValue":
          // A read's filter value (400) or a written value (422) the database refused, e.g. text too long to index.
          throw action
            ? new AppError(
                "VALIDATION_FAILED",
                `Invalid ${this.resource.name}: the database refused a value (too large or out of range).`,
                { cause: error },
              )
            : new AppError(
                "BAD_REQUEST",
                `The database refused a filter value of ${this.resource.plural} (too large or out of range).`,
                { cause: error },
              );
        case "unavailable":
          throw new AppError("UNAVAILABLE", "The database is unavailable; try again shortly.", { cause: error });
      }
    }
  }
}

/**
 * The rows strictly after (or, going backward, before) the cursor's values in the sort order:
 * OR over each key i of (every earlier key equal AND key i beyond its value), with NULL placement
 * following the sort (nulls first ascending, last descending).
 */
/** One sort key of a keyset page. Enums compare by declaration order (PostgreSQL's enum order). */
interface KeysetKey {
  /** Relations from this resource to the field's resource (empty for its own fields). */
  path: string[];
  relations: BelongsToRelation[];
  field: string;
  direction: "asc" | "desc";
  required: boolean;
  /** Its values are times (cursors carry them as Dates). */
  isDate: boolean;
  enumValues?: readonly string[];
}

/** Wraps a condition or order in its relation path: `author` + `{ name: … }` → `{ author: { name: … } }`. */
function nest(path: readonly string[], inner: object): object {
  return path.reduceRight((acc, relation) => ({ [relation]: acc }), inner);
}

function keysetWhere(keys: readonly KeysetKey[], values: readonly unknown[], backward: boolean): object {
  if (values.length !== keys.length)
    throw new AppError("BAD_REQUEST", "Invalid cursor: use a cursor exactly as a previous page returned it.");
  const terms: object[] = [];
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as (typeof keys)[number];
    const direction = backward ? (key.direction === "asc" ? "desc" : "asc") : key.direction;
    const nullsFirst = direction === "asc";
    const value = values[i];
    let beyond: object | undefined;
    if (value === null) beyond = nullsFirst ? { [key.field]: { not: null } } : undefined;
    else {
      // Prisma has no gt/lt on enums: "after" is the set of values declared after (or before) this one.
      const position = key.enumValues?.indexOf(String(value)) ?? -1;
      const compare = key.enumValues
        ? {
            [key.field]: {
              in:
                direction === "asc"
                  ? key.enumValues.slice(position + 1)
                  : key.enumValues.slice(0, Math.max(position, 0)),
            },
          }
        : { [key.field]: { [direction === "asc" ? "gt" : "lt"]: value } };
      beyond = nullsFirst || key.required ? compare : { OR: [compare, { [key.field]: null }] };
    }
    if (beyond)
      terms.push({
        AND: [
          ...keys
            .slice(0, i)
            .map((k, j) => nest(k.path, { [k.field]: values[j] === null ? null : { equals: values[j] } })),
          nest(key.path, beyond),
        ],
      });
  }
  // A redundant bound on the first key (first >= / <= its value) that PostgreSQL can use as an index
  // condition; the OR above alone is only a filter, which would scan every earlier row.
  const first = keys[0];
  if (
    first?.required &&
    first.path.length === 0 &&
    !first.enumValues &&
    values[0] !== null &&
    values[0] !== undefined
  ) {
    const direction = backward ? (first.direction === "asc" ? "desc" : "asc") : first.direction;
    return { AND: [{ [first.field]: { [direction === "asc" ? "gte" : "lte"]: values[0] } }, { OR: terms }] };
  }
  return { OR: terms };
}

function referrer(constraint: string | undefined): string {
  const model = constraint?.split("_")[0];
  return model ? ` (${model} rows)` : "";
}

/** What a value source gives, for `field`. */
function evaluate(
  source: ValueSource,
  field: ResolvedField,
  values: { ctx: RequestContext; now: Date; actor: string | number },
): unknown {
  if (source === "now") return values.now;
  if (source === "uuid") return randomUUID();
  if (source === "actor") return stamp(field, values.actor);
  if (typeof source === "object") return source.constant;
  return source({ actorId: values.ctx.actor.id, actor: values.actor, now: values.now });
}

/** The actor as the column stores it: text on a String column. */
function stamp(field: ResolvedField | undefined, actor: string | number): unknown {
  return field?.kind === "String" ? String(actor) : actor;
}

function parseRevisionNumber(raw: unknown): number {
  const n = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 1)
    throw new AppError("BAD_REQUEST", `A revision number is a whole number from 1, got ${show(raw)}.`);
  return n;
}

/** `asOf`: a revision number, or a time (Date or ISO 8601 text). */
function parseAsOf(raw: number | string | Date): number | Date {
  if (typeof raw === "number" || (typeof raw === "string" && /^\d+$/.test(raw))) return parseRevisionNumber(raw);
  const time = raw instanceof Date ? raw : new Date(raw);
  if (Number.isNaN(time.getTime()) || (typeof raw === "string" && !/^\d{4}-\d{2}-\d{2}/.test(raw)))
    throw new AppError("BAD_REQUEST", `asOf must be a revision number or an ISO 8601 time, got ${show(raw)}.`);
  return time;
}

/** The fields whose values differ between the row before and after a write (every field the row has, on create). */
function changedFields(before: Row | undefined, after: Row): string[] {
  if (!before) return Object.keys(after).filter((k) => after[k] !== null && after[k] !== undefined);
  return Object.keys(after).filter((k) => !sameValue(before[k], after[k]));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  // A decimal is text where a compiled read gave it ("1.50") and a Decimal where Prisma did (1.5).
  if (a != null && b != null && (isDecimal(a) || isDecimal(b)))
    return String(a) === String(b) || Number(String(a)) === Number(String(b));
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null)
    return JSON.stringify(a) === JSON.stringify(b);
  return (a ?? null) === (b ?? null);
}

/** Whether `value` is a Prisma Decimal (decimal.js). */
function isDecimal(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    !(value instanceof Date) &&
    typeof (value as { toFixed?: unknown }).toFixed === "function"
  );
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
