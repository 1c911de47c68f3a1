/**
 * The resource service: the one place resource operations happen, for every transport. Reads select
 * only readable fields and present records per view (hidden fields never leave); relations load through
 * the request's loaders; writes run the hook pipeline inside one transaction.
 */
import { randomUUID } from "node:crypto";
import type { ValueSource } from "../metadata/definition.ts";
import type { BelongsToRelation, ResolvedRelation, ResolvedResource } from "../metadata/resolved.ts";
import { hasSearch } from "../storage/search-sql.ts";
import { classifyStorageError, type Store } from "../storage/store.ts";
import { type AggregateGroup, type AggregateSpec, compileAggregate, toGroup } from "./aggregate.ts";
import type { RequestContext } from "./context.ts";
import type { CursorCodec } from "./cursor.ts";
import { AppError, show } from "./errors.ts";
import type { HookRegistry, WriteAction, WriteOperation } from "./hooks.ts";
import { readWriteInput, type WriteInputOptions } from "./input.ts";
import type { Row } from "./loaders.ts";
import { validateWrite } from "./validate.ts";
import { checkPage, coerceValue, compileFilter, compileSort, sortPath, tieBreakerDirection, type Filter, type QueryLimits, type Sort } from "./query.ts";

/** Where a record is shown: a single record or an item of a list. Decides which fields it carries. */
export type OutputView = "one" | "list";

/** A record as it leaves the runtime: only the fields visible in its view. */
export type ResourceRecord = Record<string, unknown>;

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
}

/** Options of update, patch and delete on a resource with optimistic concurrency. */
export interface VersionOptions {
  /** The version the client read; the write fails when the row has moved on. */
  expectedVersion?: number | undefined;
  /** The code of a version mismatch: CONFLICT (a version in the body, GraphQL) or PRECONDITION_FAILED (HTTP If-Match). @default "CONFLICT" */
  mismatch?: "CONFLICT" | "PRECONDITION_FAILED";
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
}

/** One page of a keyset-paginated list. */
export interface Page {
  readonly records: ResourceRecord[];
  /** The cursor of each record, in the same order. */
  readonly cursors: string[];
  readonly pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | undefined; endCursor: string | undefined };
  readonly totalCount: number | undefined;
}

/** What the runtime gives each service. */
export interface ServiceDependencies {
  readonly store: Store;
  readonly hooks: HookRegistry;
  readonly limits: QueryLimits;
  readonly resource: (name: string) => ResourceService;
  readonly cursors: CursorCodec;
  readonly onAfterCommitError: (error: unknown, operation: WriteOperation) => void;
}

/** Operations on one resource. Get one through `runtime.service(name)`. */
export class ResourceService {
  readonly resource: ResolvedResource;
  readonly #deps: ServiceDependencies;
  /** Prisma `select` of every field that may ever be shown, plus foreign keys relations need. */
  readonly #select: Record<string, true>;

  constructor(resource: ResolvedResource, deps: ServiceDependencies) {
    this.resource = resource;
    this.#deps = deps;
    const select: Record<string, true> = {};
    for (const f of resource.fields) if (!(f.hidden.one && f.hidden.list) || f.isId) select[f.name] = true;
    for (const r of resource.relations) if (r.kind === "belongsTo") select[r.localField] = true;
    this.#select = select;
  }

  readonly #lookup = (name: string) => this.#deps.resource(name).resource;

  get #model() {
    return this.#deps.store.model(this.resource.delegate);
  }

  /** Parses a client id (REST path segment, GraphQL ID) to the id column's type; 400 when it cannot be one. */
  parseId(raw: unknown): string | number {
    const c = coerceValue({ ...this.resource.id, isRequired: true }, raw);
    if (!c.ok) throw new AppError("BAD_REQUEST", `Invalid ${this.resource.name} id: ${c.message}.`);
    return c.value as string | number;
  }

  /** Lists records matching a filter, sorted (id as tie-breaker) and paged; optionally with the total. */
  async list(ctx: RequestContext, params: ListParams = {}): Promise<{ records: ResourceRecord[]; total: number | undefined }> {
    const where = compileFilter(this.resource, params.filter, this.#deps.limits, this.#lookup);
    const orderBy = compileSort(this.resource, params.sort, this.#lookup);
    const { offset, limit } = checkPage(this.resource, params, this.#deps.limits);
    if (hasSearch(where)) {
      // Full-text search runs in SQL (search-sql.ts): ids of the page first, ranked unless sorted.
      if (params.sort?.some((k) => k.field.includes("."))) throw new AppError("BAD_REQUEST", "Search results can be sorted by this resource's own fields only.");
      const found = await this.#translate(() => this.#searchRows(where, params.sort?.length ? orderBy : undefined, offset, limit, Boolean(params.withTotal)));
      return { records: found.rows.map((row) => this.present(ctx, row, "list")), total: found.total };
    }
    const [rows, total] = await this.#translate(() =>
      Promise.all([
        limit === 0 ? Promise.resolve([]) : this.#model.findMany({ where, orderBy, skip: offset, take: limit, select: this.#select }),
        params.withTotal ? this.#model.count({ where }) : Promise.resolve(undefined),
      ]),
    );
    return { records: rows.map((row) => this.present(ctx, row, "list")), total };
  }

  /**
   * Keyset (cursor) pagination: pages cost the same however deep, because each continues from the
   * previous page's last sort values instead of skipping rows. Works with any declared sort, on own
   * fields or through required to-one relations (the id is the tie-breaker); cursors are opaque and
   * tamper-checked.
   */
  async page(ctx: RequestContext, params: PageParams = {}): Promise<Page> {
    if (params.first !== undefined && params.last !== undefined) throw new AppError("BAD_REQUEST", "Ask for `first` or `last`, not both.");
    if (params.after !== undefined && params.before !== undefined) throw new AppError("BAD_REQUEST", "Give `after` or `before`, not both.");
    const backward = params.last !== undefined || (params.before !== undefined && params.first === undefined);
    const size = (backward ? params.last : params.first) ?? this.resource.defaultPageSize;
    checkPage(this.resource, { limit: size }, this.#deps.limits);
    const keys = this.#keysetKeys(params.sort);
    const signature = keys.map((k) => `${[...k.path, k.field].join(".")}:${k.direction}`).join(",");
    const cursor = backward ? params.before : params.after;
    const where = compileFilter(this.resource, params.filter, this.#deps.limits, this.#lookup);
    const boundary = cursor === undefined ? undefined : keysetWhere(keys, this.#deps.cursors.decode(signature, cursor), backward);
    const orderBy = keys.map((k) => {
      const direction = backward ? (k.direction === "asc" ? "desc" : "asc") : k.direction;
      // Nulls sort first ascending and last descending (compileSort's rule), mirrored when going backward.
      return nest(k.path, { [k.field]: k.required ? direction : { sort: direction, nulls: direction === "asc" ? "first" : "last" } });
    });
    const bounded = boundary ? { AND: [where, boundary] } : where;
    const [rows, total] = await this.#translate(async () => {
      if (!hasSearch(where)) {
        return Promise.all([
          size === 0 ? Promise.resolve([]) : this.#model.findMany({ where: bounded, orderBy, take: size + 1, select: this.#select }),
          params.withTotal ? this.#model.count({ where }) : Promise.resolve(undefined),
        ]);
      }
      // With a search the page's ids come from SQL (search-sql.ts), in the keyset order, not by relevance.
      if (keys.some((k) => k.path.length > 0)) throw new AppError("BAD_REQUEST", "Search results can be sorted by this resource's own fields only.");
      // The total counts the whole search, not what lies beyond the cursor.
      const [found, counted] = await Promise.all([
        this.#searchRows(bounded, orderBy, 0, size + 1, false),
        params.withTotal ? this.#searchRows(where, undefined, 0, 0, true) : undefined,
      ]);
      return [found.rows, counted?.total] as const;
    });
    const more = rows.length > size;
    const pageRows = rows.slice(0, size);
    if (backward) pageRows.reverse();
    const values = await this.#translate(() => Promise.all(pageRows.map((row) => Promise.all(keys.map((k) => this.#keyValue(ctx, row, k))))));
    const cursors = values.map((v) => this.#deps.cursors.encode(signature, v));
    return {
      records: pageRows.map((row) => this.present(ctx, row, "list")),
      cursors,
      pageInfo: {
        hasNextPage: backward ? cursor !== undefined : more,
        hasPreviousPage: backward ? more : cursor !== undefined,
        startCursor: cursors[0],
        endCursor: cursors.at(-1),
      },
      totalCount: total,
    };
  }

  /**
   * Rows of a filter holding a full-text search: the page's ids come from SQL (search-sql.ts), ranked
   * unless `orderBy` is given, and the rows then load as usual, in that order.
   */
  async #searchRows(where: object, orderBy: readonly object[] | undefined, offset: number, limit: number, withTotal: boolean): Promise<{ rows: Row[]; total: number | undefined }> {
    const idField = this.resource.id.name;
    const found = await this.#deps.store.search({ model: this.resource.model, where, orderBy, idField, offset, limit }, withTotal);
    const loaded = found.ids.length === 0 ? [] : await this.rowsWhereIn(idField, found.ids);
    const byId = new Map(loaded.map((row) => [row[idField], row]));
    return { rows: found.ids.map((id) => byId.get(id)).filter((row): row is Row => row !== undefined), total: found.total };
  }

  /** Sort keys of a keyset page: the client's (own fields, or through required to-one relations), then the id. */
  #keysetKeys(sort: readonly Sort[] | undefined): KeysetKey[] {
    compileSort(this.resource, sort, this.#lookup); // the same checks and messages as lists
    const keys: KeysetKey[] = (sort ?? []).map((s) => {
      const { path, field } = sortPath(this.resource, s.field, this.#lookup);
      let owner = this.resource;
      const relations: BelongsToRelation[] = [];
      for (const name of path) {
        const relation = owner.relation.get(name) as BelongsToRelation;
        // A missing related record would have no value to continue from: only required relations page by cursor.
        if (!relation.isRequired) throw new AppError("BAD_REQUEST", `Cursor pages cannot sort by "${s.field}": "${name}" may be empty. Use offset pages for it.`);
        relations.push(relation);
        owner = this.#lookup(relation.target);
      }
      return { path, relations, field: field.name, direction: s.direction, required: field.isRequired, ...(field.enum ? { enumValues: field.enum.values } : {}) };
    });
    if (!keys.some((k) => k.path.length === 0 && k.field === this.resource.id.name)) {
      keys.push({ path: [], relations: [], field: this.resource.id.name, direction: tieBreakerDirection(sort ?? []), required: true });
    }
    return keys;
  }

  /** A row's value of a sort key, following its relations through the request's loaders (batched). */
  async #keyValue(ctx: RequestContext, row: Row, key: KeysetKey): Promise<unknown> {
    let current: Row | null = row;
    for (const relation of key.relations) {
      if (!current) return null;
      current = await ctx.loaders.byId(relation.target).load(current[relation.localField]);
    }
    return current?.[key.field] ?? null;
  }

  /**
   * Aggregates over the rows a filter matches, optionally grouped: count, and sum / avg / min / max of
   * fields declared for them. The filter obeys the same rules and limits as lists.
   */
  async aggregate(ctx: RequestContext, filter: Filter | undefined, spec: AggregateSpec): Promise<AggregateGroup[]> {
    void ctx;
    const where = compileFilter(this.resource, filter, this.#deps.limits, this.#lookup);
    const { grouped, args, by } = compileAggregate(this.resource, spec);
    const model = this.#model as unknown as { aggregate(a: object): Promise<Record<string, unknown>>; groupBy(a: object): Promise<Record<string, unknown>[]> };
    const rows = await this.#translate(async () => {
      // Prisma cannot express a full-text condition: with a search, the same aggregate runs in SQL.
      if (hasSearch(where)) return this.#deps.store.searchAggregate({ model: this.resource.model, where, by, args });
      return grouped ? model.groupBy({ by, where, ...args }) : [await model.aggregate({ where, ...args })];
    });
    return rows.map((row) => toGroup(row, by));
  }

  /** Counts records matching a filter. */
  async count(ctx: RequestContext, filter?: Filter): Promise<number> {
    void ctx;
    const where = compileFilter(this.resource, filter, this.#deps.limits, this.#lookup);
    if (hasSearch(where)) return this.#translate(async () => (await this.#searchRows(where, undefined, 0, 0, true)).total ?? 0);
    return this.#translate(() => this.#model.count({ where }));
  }

  /** One record by id; 404 when there is none. */
  async get(ctx: RequestContext, rawId: unknown): Promise<ResourceRecord> {
    const id = this.parseId(rawId);
    const row = await this.#translate(() => ctx.loaders.byId(this.resource.name).load(id));
    if (!row) throw this.#notFound(id);
    return this.present(ctx, row, "one");
  }

  /** The records with these ids (missing ids are skipped), in the order asked. */
  async getMany(ctx: RequestContext, rawIds: readonly unknown[]): Promise<ResourceRecord[]> {
    if (!Array.isArray(rawIds)) throw new AppError("BAD_REQUEST", `Expected a list of ids, got ${show(rawIds)}.`);
    if (rawIds.length > this.#deps.limits.maxInValues) throw new AppError("BAD_REQUEST", `Too many ids: at most ${this.#deps.limits.maxInValues}.`);
    const ids = rawIds.map((id) => this.parseId(id));
    const rows = await this.#translate(() => ctx.loaders.byId(this.resource.name).loadMany(ids));
    return rows.filter((r): r is Row => r !== null && !(r instanceof Error)).map((row) => this.present(ctx, row, "list"));
  }

  /** Creates a record. */
  async create(ctx: RequestContext, input: unknown, options?: WriteInputOptions): Promise<ResourceRecord> {
    const { data, errors } = readWriteInput(this.resource, input, "create", options);
    const now = new Date();
    for (const f of this.resource.fields) if (f.onCreate !== undefined) data[f.name] = evaluate(f.onCreate, ctx, now);
    const gen = this.resource.idGenerator;
    if (gen === "uuid") data[this.resource.id.name] = randomUUID();
    else if (typeof gen === "function") data[this.resource.id.name] = gen();
    return this.#write("create", ctx, undefined, data, errors);
  }

  /** Replaces every writable field of a record (missing optional fields become null). */
  async update(ctx: RequestContext, rawId: unknown, input: unknown, options?: WriteInputOptions & VersionOptions): Promise<ResourceRecord> {
    const id = this.parseId(rawId);
    const { data, errors } = readWriteInput(this.resource, input, "update", options);
    return this.#write("update", ctx, id, this.#stamp(ctx, data), errors, options);
  }

  /** Changes only the fields given. */
  async patch(ctx: RequestContext, rawId: unknown, input: unknown, options?: WriteInputOptions & VersionOptions): Promise<ResourceRecord> {
    const id = this.parseId(rawId);
    const { data, errors } = readWriteInput(this.resource, input, "patch", options);
    return this.#write("patch", ctx, id, this.#stamp(ctx, data), errors, options);
  }

  /** Deletes a record and returns it as it was. */
  async delete(ctx: RequestContext, rawId: unknown, options?: VersionOptions): Promise<ResourceRecord> {
    const id = this.parseId(rawId);
    return this.#write("delete", ctx, id, {}, {}, options);
  }

  /**
   * Loads a relation of a record this service presented, through the request's loaders (batched:
   * call it for many records in the same tick and it costs one query).
   */
  async related(ctx: RequestContext, record: ResourceRecord, relationName: string): Promise<ResourceRecord | ResourceRecord[] | null> {
    const meta = (record as { [META]?: RecordMeta })[META];
    if (!meta || meta.resource !== this.resource) throw new Error(`related(): not a ${this.resource.name} record presented by the runtime`);
    const relation = this.resource.relation.get(relationName);
    if (!relation) throw new AppError("BAD_REQUEST", `${this.resource.name} has no relation "${relationName}". Relations: ${this.resource.relations.map((r) => r.name).join(", ") || "(none)"}.`);
    if (!relation.views[meta.view]) {
      throw new AppError("BAD_REQUEST", `Relation "${relationName}" of ${this.resource.name} is only available on ${meta.view === "list" ? "a single record" : "list items"}.`);
    }
    if (meta.depth + 1 > meta.maxDepth) {
      // meta.resource is the parent of this relation, not the top-level record the depth counts from.
      throw new AppError("BAD_REQUEST", `Relations nest too deeply: "${relationName}" of ${this.resource.name} would be level ${meta.depth + 1}; at most ${meta.maxDepth} levels below the top-level record.`);
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
          : ctx.loaders.byField(relation.target, relation.targetField).load(key).then((rows) => rows[0] ?? null);
      }
      case "hasMany":
        return ctx.loaders.byField(relation.target, relation.foreignField).load(id);
      case "manyToMany":
        return ctx.loaders.through(relation.joinDelegate, relation.joinLocalField, relation.joinTargetField, relation.target).load(id);
    }
  }

  /**
   * Turns a row into the record a client may see in `view`. Relation bookkeeping rides along under a
   * symbol key, which JSON and GraphQL never serialise.
   */
  present(ctx: RequestContext, row: Row, view: OutputView, nesting = { depth: 0, maxDepth: this.resource.maxDepth }): ResourceRecord {
    void ctx;
    const record: ResourceRecord = {};
    for (const f of this.resource.fields) if (!f.hidden[view] && f.name in row) record[f.name] = row[f.name];
    const meta: RecordMeta = { resource: this.resource, row, view, ...nesting };
    Object.defineProperty(record, META, { value: meta, enumerable: false });
    return record;
  }

  /** Rows whose `field` is one of `values` (loader batches). Internal to the runtime. */
  async rowsWhereIn(field: string, values: readonly unknown[]): Promise<Row[]> {
    return this.#model.findMany({ where: { [field]: { in: [...values] } }, select: this.#select, orderBy: { [this.resource.id.name]: "asc" } });
  }

  #stamp(ctx: RequestContext, data: Record<string, unknown>): Record<string, unknown> {
    const now = new Date();
    for (const f of this.resource.fields) if (f.onUpdate !== undefined) data[f.name] = evaluate(f.onUpdate, ctx, now);
    return data;
  }

  /**
   * The write pipeline. `errors` are the input check's per-field messages: they fail the write together
   * with the validation rules', once the existing row is known (so a missing record is a 404 first).
   */
  async #write(action: WriteAction, ctx: RequestContext, id: string | number | undefined, data: Record<string, unknown>, errors: Record<string, string> = {}, options: VersionOptions = {}): Promise<ResourceRecord> {
    const { hooks, store } = this.#deps;
    const idField = this.resource.id.name;
    const version = this.resource.version;
    const expected = options.expectedVersion;
    if (version && action !== "create") {
      if (expected === undefined && version.required) throw new AppError("BAD_REQUEST", `Send the ${version.field} you read (If-Match or "${version.field}"): ${this.resource.plural} require it on ${action}.`);
      if (expected !== undefined && !Number.isSafeInteger(expected)) throw new AppError("BAD_REQUEST", `Expected version must be a whole number, got ${show(expected)}.`);
    }
    const mismatch = (current: unknown) =>
      new AppError(options.mismatch ?? "CONFLICT", `This ${this.resource.name} was changed by someone else: you sent version ${String(expected)}, it is now at ${String(current)}. Reload it and try again.`, {
        details: { currentVersion: current },
      });
    const operation = await this.#translate(
      () =>
        store.transaction(async (tx) => {
          const model = tx.model(this.resource.delegate);
          const existing = id === undefined ? undefined : ((await model.findUnique({ where: { [idField]: id }, select: this.#select })) ?? undefined);
          if (id !== undefined && !existing) throw this.#notFound(id);
          // Validation sees the merged record this transaction would write; failing here writes nothing.
          if (action !== "delete") await validateWrite(this.resource, { action, data, existing, actorId: ctx.actor.id, errors });
          if (version && existing && expected !== undefined && existing[version.field] !== expected) throw mismatch(existing[version.field]);
          const op: WriteOperation = { action, resource: this.resource.name, context: ctx, id, data, existing, result: undefined, store: tx };
          await hooks.run("beforeWrite", op);
          // With an expected version, the write itself checks it (WHERE version = expected) and bumps it, so
          // two writers that read the same version cannot both win, whatever the timing.
          // Without an expected version the bump alone is atomic (SET version = version + 1).
          const where = version && expected !== undefined ? { [idField]: id, [version.field]: expected } : { [idField]: id };
          if (version && action !== "delete" && action !== "create") op.data = { ...op.data, [version.field]: { increment: 1 } };
          const versionMoved = async (error: unknown): Promise<never> => {
            if (version && classifyStorageError(error)?.kind === "notFound") {
              const now = await this.#deps.store.model(this.resource.delegate).findUnique({ where: { [idField]: id }, select: { [version.field]: true } });
              if (now) throw mismatch(now[version.field]);
            }
            throw error;
          };
          op.result =
            action === "create"
              ? await model.create({ data: op.data, select: this.#select })
              : action === "delete"
                ? await model.delete({ where, select: this.#select }).catch(versionMoved)
                : await model.update({ where, data: op.data, select: this.#select }).catch(versionMoved);
          op.id = op.result[idField] as string | number;
          await hooks.run("afterWrite", op);
          return op;
        }),
      action,
    );
    const committed: WriteOperation = { ...operation, store: undefined };
    // The write is durable now: a failing afterCommit hook is reported, not turned into a client error.
    await hooks.run("afterCommit", committed).catch((error) => this.#deps.onAfterCommitError(error, committed));
    return this.present(ctx, operation.result as Row, "one");
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
            throw new AppError("CONFLICT", `Cannot delete this ${this.resource.name}: other records still refer to it${referrer(failure.constraint)}.`, { cause: error });
          }
          const field = this.resource.relations.find((r) => r.kind === "belongsTo" && failure.constraint?.includes(`_${r.localField}_`));
          const fk = field?.kind === "belongsTo" ? field.localField : undefined;
          throw new AppError("VALIDATION_FAILED", fk ? `Invalid ${this.resource.name}: ${fk} refers to a ${field?.target} that does not exist.` : `Invalid ${this.resource.name}: a reference points to a record that does not exist.`, {
            ...(fk ? { fields: { [fk]: `no ${field?.target} with this id` } } : {}),
            cause: error,
          });
        }
        case "valueOutOfRange":
          throw new AppError("VALIDATION_FAILED", `Invalid ${this.resource.name}: a value is too long or out of range.`, { cause: error });
        case "invalidValue":
          // A read's filter value (400) or a written value (422) the database refused, e.g. text too long to index.
          throw action
            ? new AppError("VALIDATION_FAILED", `Invalid ${this.resource.name}: the database refused a value (too large or out of range).`, { cause: error })
            : new AppError("BAD_REQUEST", `The database refused a filter value of ${this.resource.plural} (too large or out of range).`, { cause: error });
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
  enumValues?: readonly string[];
}

/** Wraps a condition or order in its relation path: `author` + `{ name: … }` → `{ author: { name: … } }`. */
function nest(path: readonly string[], inner: object): object {
  return path.reduceRight((acc, relation) => ({ [relation]: acc }), inner);
}

function keysetWhere(keys: readonly KeysetKey[], values: readonly unknown[], backward: boolean): object {
  if (values.length !== keys.length) throw new AppError("BAD_REQUEST", "Invalid cursor: use a cursor exactly as a previous page returned it.");
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
        ? { [key.field]: { in: direction === "asc" ? key.enumValues.slice(position + 1) : key.enumValues.slice(0, Math.max(position, 0)) } }
        : { [key.field]: { [direction === "asc" ? "gt" : "lt"]: value } };
      beyond = nullsFirst || key.required ? compare : { OR: [compare, { [key.field]: null }] };
    }
    if (beyond) terms.push({ AND: [...keys.slice(0, i).map((k, j) => nest(k.path, { [k.field]: values[j] === null ? null : { equals: values[j] } })), nest(key.path, beyond)] });
  }
  // A redundant bound on the first key (first >= / <= its value) that PostgreSQL can use as an index
  // condition; the OR above alone is only a filter, which would scan every earlier row.
  const first = keys[0];
  if (first?.required && first.path.length === 0 && !first.enumValues && values[0] !== null && values[0] !== undefined) {
    const direction = backward ? (first.direction === "asc" ? "desc" : "asc") : first.direction;
    return { AND: [{ [first.field]: { [direction === "asc" ? "gte" : "lte"]: values[0] } }, { OR: terms }] };
  }
  return { OR: terms };
}

function referrer(constraint: string | undefined): string {
  const model = constraint?.split("_")[0];
  return model ? ` (${model} rows)` : "";
}

function evaluate(source: ValueSource, ctx: RequestContext, now: Date): unknown {
  if (source === "now") return now;
  if (source === "uuid") return randomUUID();
  return source({ actorId: ctx.actor.id, now });
}
