/**
 * What every module of a resource service shares: the resolved resource, the runtime's parts
 * (store, hooks, access, limits, cursors), the columns reads select, and the few rules every read and
 * write applies the same way (the actor's view, the trash and scope of a read, storage errors). The
 * service's modules (read, keyset, write, cascade, …) are functions over one {@link ServiceCore}.
 */
import type { ResolvedResource } from "../metadata/resolved.ts";
import type { ReadQuery } from "../storage/sql/read-sql.ts";
import { OUTBOX_LINKS, type ReadResult, type Store } from "../storage/store.ts";
import type { AccessPolicy, ActorView } from "./access.ts";
import { announcesChanges } from "./announced.ts";
import type { RequestContext, Transaction } from "./context.ts";
import type { CursorCodec } from "./cursor.ts";
import { AppError, show } from "./errors.ts";
import type { Action, HookRegistry, WriteAction } from "./hooks.ts";
import { coerceValue } from "./coerce.ts";
import { both, liveCondition, type QueryLimits } from "./query.ts";
import { RevisionLog } from "./revisions.ts";
import { notFound, type TimeoutReporter, translate } from "./service-errors.ts";
import type { DeletedMode, ResourceOperations } from "./service-types.ts";

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
  /** The service of a resource by name, for work that runs its whole pipeline (cascades, hooks' `op.service`). */
  readonly resource: (name: string) => ResourceOperations;
  /** The core of a resource by name, for reads that follow a relation into it. */
  readonly core: (name: string) => ServiceCore;
  readonly cursors: CursorCodec;
  /** A context like `ctx` that reads and writes in `transaction` (loaders included). */
  readonly bind: (ctx: RequestContext, transaction: Transaction) => RequestContext;
  /** Who writes are recorded as when no one is signed in. */
  readonly defaultActor: string;
  /** Called after a transaction that appended outbox events commits (wakes the event dispatcher). */
  readonly onCommitted: () => void;
  readonly report: ErrorReporter;
  /** Told of each statement cancelled by the database's statement timeout. */
  readonly onTimeout: TimeoutReporter | undefined;
  /** Permissions, tenants and scopes. */
  readonly access: AccessPolicy;
  /** Where file fields' bytes are served (the REST base path), for the `url` records carry. */
  readonly blobUrlBase: string;
  /** How long a record lock lasts when the request names no ttl, in seconds (locks.ts). */
  readonly lockTtlSeconds: number;
}

/** One resource's service state, and the rules every read and write of it shares. */
export class ServiceCore {
  readonly resource: ResolvedResource;
  readonly deps: ServiceDependencies;
  /** Prisma `select` of every field that may ever be shown, plus foreign keys relations need. */
  readonly select: Record<string, true>;
  /** The fields of {@link ServiceCore.select}, as compiled reads select them. */
  readonly rowFields: readonly string[];
  /**
   * Prisma `select` of every column, hidden ones too: what a write's outbox event keeps, so that the
   * outbox can rebuild the table (docs/guides/replay.md). Never presented: {@link ServiceCore.shown}.
   */
  readonly logSelect: Record<string, true>;
  /** The fields of {@link ServiceCore.logSelect}. */
  readonly logFields: readonly string[];
  /** Fields every read selects whatever its projection: the id, the keys relations follow, the trash column. */
  readonly internal: ReadonlySet<string>;
  readonly revisions: RevisionLog | undefined;
  /** A delete of this resource has relation rules to apply (cascade, restrict, and on a hard delete setNull). */
  readonly deleteRules: boolean;

  constructor(resource: ResolvedResource, deps: ServiceDependencies) {
    this.resource = resource;
    this.deps = deps;
    const select: Record<string, true> = {};
    for (const f of resource.fields) if (!(f.hidden.one && f.hidden.list) || f.isId) select[f.name] = true;
    for (const r of resource.relations) if (r.kind === "belongsTo") select[r.localField] = true;
    if (resource.softDelete) select[resource.softDelete.field] = true;
    this.select = select;
    this.rowFields = Object.keys(select);
    this.logSelect = { ...select };
    for (const f of resource.fields) this.logSelect[f.name] = true;
    this.logFields = Object.keys(this.logSelect);
    const internal = new Set([resource.id.name]);
    for (const r of resource.relations) if (r.kind === "belongsTo") internal.add(r.localField);
    if (resource.softDelete) internal.add(resource.softDelete.field);
    this.internal = internal;
    this.revisions = resource.revisions ? new RevisionLog(resource) : undefined;
    // A soft delete leaves the links of setNull relations alone (a trashed parent reads as absent).
    this.deleteRules = resource.relations.some(
      (r) => r.kind === "hasMany" && r.onDelete !== undefined && (r.onDelete !== "setNull" || !resource.softDelete),
    );
  }

  /** The resolved resource of another name (filters and sorts that follow relations). */
  readonly lookup = (name: string): ResolvedResource => this.deps.core(name).resource;

  /** This resource's own service, for work that runs its whole pipeline again (batch items). */
  get service(): ResourceOperations {
    return this.deps.resource(this.resource.name);
  }

  /**
   * The store of `ctx`: its transaction's inside a write (on this resource's datasource); otherwise
   * this resource's datasource's, reading on the primary once the request wrote (read-routing.ts).
   */
  store(ctx: RequestContext | undefined): Store {
    const tx = ctx?.transaction;
    // A transaction on another datasource: its writes are refused (transaction.ts), its reads go to ours.
    if (tx && tx.datasource === this.resource.datasource) return tx.store;
    return tx || ctx?.reads?.primary ? this.deps.store.primary : this.deps.store;
  }

  /** Whether its writes append change events: those of the default datasource only (docs/guides/datasources.md). */
  get announces(): boolean {
    return announcesChanges(this.resource);
  }

  /** The actor's view: which fields they may use, which rows exist for them (access.ts). */
  view(ctx: RequestContext): ActorView {
    return this.deps.access.view(ctx);
  }

  /**
   * `row` (read with {@link ServiceCore.logSelect}, or an outbox snapshot) without what
   * {@link ServiceCore.select} leaves out: hidden columns, and a snapshot's links ({@link OUTBOX_LINKS}).
   */
  shown(row: Record<string, unknown>): Record<string, unknown> {
    if (this.logFields.length === this.rowFields.length && !(OUTBOX_LINKS in row)) return row;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(row))
      if (this.select[key] || !(this.logSelect[key] || key === OUTBOX_LINKS)) out[key] = row[key];
    return out;
  }

  /** Parses a client id (REST path segment, GraphQL ID) to the id column's type; 400 when it cannot be one. */
  parseId(raw: unknown): string | number {
    const c = coerceValue({ ...this.resource.id, isRequired: true }, raw);
    if (!c.ok) throw new AppError("BAD_REQUEST", `Invalid ${this.resource.name} id: ${c.message}.`);
    return c.value as string | number;
  }

  /** `where` narrowed to the records `mode` sees (the live ones by default) inside the actor's tenant and scope. */
  scoped(ctx: RequestContext, where: object, mode: DeletedMode | undefined = "exclude"): object {
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
    return both(both(where, condition), this.view(ctx).guard(this.resource));
  }

  /** Runs a compiled read in the transaction of `ctx` (or on the pool), storage failures translated. */
  run(ctx: RequestContext, query: ReadQuery): Promise<ReadResult> {
    return this.translate(() => this.store(ctx).read(query));
  }

  /** Runs storage work, turning storage failures into {@link AppError}s (service-errors.ts). */
  translate<T>(work: () => Promise<T>, action?: WriteAction): Promise<T> {
    return translate(this.resource, work, action, this.deps.onTimeout);
  }

  /** 404 unless the record exists among what `mode` sees (the actor's read permission checked first). */
  async exists(ctx: RequestContext, id: string | number, mode: DeletedMode = "include"): Promise<void> {
    await this.deps.access.check(ctx, this.resource, "read", { id });
    const found = await this.run(ctx, this.countQuery(this.scoped(ctx, { [this.resource.id.name]: id }, mode)));
    if (!found.total) throw this.notFound(id);
  }

  /** A read that only counts the rows `where` matches. */
  countQuery(where: object, model = this.resource.model): ReadQuery {
    return { level: { model, fields: [], relations: [] }, where, orderBy: [], offset: 0, limit: 0, total: true };
  }

  /** The 404 of a record of this resource. */
  notFound(id: unknown): AppError {
    return notFound(this.resource, id);
  }

  /** The revision log; 400 when this resource keeps none. */
  log(): RevisionLog {
    if (!this.revisions) throw new AppError("BAD_REQUEST", `${this.resource.plural} keep no revisions.`);
    return this.revisions;
  }
}
