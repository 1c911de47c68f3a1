/**
 * The runtime: one {@link ResourceService} per resource over the store of its datasource (the default
 * one, or one of `datasources`: docs/guides/datasources.md), the hook registry, and the factory of
 * request contexts. Transports hold a runtime and nothing below it.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { AccessPolicy } from "./access.ts";
import { CursorCodec } from "./cursor.ts";
import { DEFAULT_DATASOURCE } from "../metadata/definition.ts";
import type { ResolvedSchema } from "../metadata/resolved.ts";
import type { Instrumentation } from "../storage/instrumentation.ts";
import { createStore, type Store, type StoreDatabase } from "../storage/store.ts";
import { ANONYMOUS, type Actor, type Deadline, type RequestContext } from "./context.ts";
import { AppError } from "./errors.ts";
import { HookRegistry, type ResourceHooks } from "./hooks.ts";
import { type LoaderSource, Loaders } from "./loaders.ts";
import { ReadRouting } from "./read-routing.ts";
import { DEFAULT_LOCK_TTL_SECONDS, MAX_LOCK_TTL_SECONDS } from "./locks.ts";
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from "./query.ts";
import { observeService } from "./observed-service.ts";
import { ResourceService } from "./service.ts";
import { type ErrorReporter, ServiceCore } from "./service-core.ts";
import type { TimeoutReporter } from "./service-errors.ts";
import { openTransaction } from "./transaction.ts";

/** Options of {@link createRuntime}: the resolved resources and where their records live. */
export type RuntimeOptions = RuntimeSettings &
  (
    | {
        /** The database the records live in: `createDatabase(url, { prismaClient, datamodel })`. */
        database: StoreDatabase;
        store?: undefined;
      }
    | {
        /**
         * The storage port itself (tests and tools build one over a database, or one that refuses every
         * call). Build it with the same schema, `createStore(database, schema)`, so it speaks the fields' API names.
         */
        store: Store;
        database?: undefined;
      }
  );

/** The options of {@link createRuntime} besides its storage. */
export interface RuntimeSettings {
  /** The resources, from `resolveResources(definitions, datamodel)`. */
  schema: ResolvedSchema;
  /**
   * The other databases, by datasource name: where the resources declaring `datasource: name` live
   * (docs/guides/datasources.md). Each is a database (`createDatabase(url, …)`) or a store over one
   * (`createStore(database, schema)`); `database`/`store` above is the `"default"` one. A resource
   * naming a datasource missing here is an error. @default none: every resource on the default one
   */
  datasources?: Readonly<Record<string, StoreDatabase | Store>>;
  /** Query limits shared by every transport. @default DEFAULT_QUERY_LIMITS */
  limits?: Partial<QueryLimits>;
  /**
   * Secret that seals pagination cursors. Set it (the server reads CURSOR_SECRET) so cursors survive
   * restarts and work across instances. @default a random secret per process
   */
  cursorSecret?: string;
  /**
   * Who writes are recorded as (audit `createdBy`/`updatedBy`, `deletedBy`, revisions) when no one is
   * signed in. @default "system"
   */
  defaultActor?: string;
  /**
   * Receives errors the runtime cannot hand to a client: failing `onSuccess` and `onFailure` hooks
   * (the operation itself went through, or failed for its own reason) and unexpected errors of partial
   * batch items (masked as INTERNAL in the result). @default console.error
   */
  onError?: ErrorReporter;
  /**
   * Told of each statement PostgreSQL cancelled for running past `statement_timeout` (SQLSTATE 57014),
   * with the resource and operation (`read` or the write action); the client gets TIMEOUT (503).
   * The server logs it at warn. @default nothing is told
   */
  onTimeout?: TimeoutReporter;
  /** Called after every transaction that appended outbox events commits (the event dispatcher's wake-up). */
  onCommitted?: () => void;
  /**
   * The role that passes every access rule and sees every tenant and scope (AutoCRUD's admin).
   * @default "admin"
   */
  adminRole?: string;
  /** The REST base path, for the `url` of file fields in records (`/api/posts/1/cover`). @default "/api" */
  blobUrlBase?: string;
  /**
   * How long a record lock lasts when the request names no ttl, in whole seconds from 1 to 86400 (the
   * server reads LOCK_TTL_SECONDS; docs/guides/locks.md). @default 300
   */
  lockTtlSeconds?: number;
  /**
   * Told of every resource operation (resource, action, error code, duration), each run in a span of
   * its own when it has a tracer (src/storage/instrumentation.ts). @default observes nothing
   */
  instrumentation?: Instrumentation;
}

/** The runtime. */
export interface Runtime {
  readonly schema: ResolvedSchema;
  readonly hooks: HookRegistry;
  readonly limits: QueryLimits;
  /**
   * Registers lifecycle hooks of a resource ("*" for all); same as `hooks.on(resource)`.
   * @example runtime.on("post").before("create", (op) => { op.input.title = String(op.input.title).trim(); });
   */
  on(resource: string): ResourceHooks;
  /** Calls `listener` after every transaction that appended outbox events commits; returns an unsubscribe. */
  onCommitted(listener: () => void): () => void;
  /** The service of a resource by singular name; throws for an unknown name. */
  service(name: string): ResourceService;
  /**
   * A fresh request context with its own loaders, reading from the database's replica until it writes
   * (`primary`: on the primary from the start, as the re-reads of change events do).
   */
  context(init?: {
    actor?: Actor;
    requestId?: string;
    primary?: boolean;
    deadline?: Deadline | undefined;
  }): RequestContext;
  /** Whether the actor of `ctx` holds the admin role (`adminRole`), which passes every rule. */
  isAdmin(ctx: RequestContext): boolean;
  /** Whether records can be locked: the schema has the `RecordLock` model (docs/guides/locks.md). */
  readonly locks: boolean;
  /**
   * Runs `work` in one transaction, with a context bound to it: every service call made with that
   * context reads and writes in it, and `tx.transaction.store` runs storage statements in it too (a
   * broker command's receipt commits with its write, docs/guides/messaging.md). Outbox events are
   * appended at the commit; `onSuccess` hooks run after it. Inside a transaction already, joins it.
   * @example await runtime.transaction(ctx, async (tx) => { await posts.create(tx, a); await posts.create(tx, b); });
   */
  transaction<T>(ctx: RequestContext, work: (tx: RequestContext) => Promise<T>): Promise<T>;
  /** The storage port, outside any transaction (the command receipts of broker commands). */
  readonly store: Store;
}

/**
 * Builds the runtime over resolved resources and a database: the services every transport calls, and
 * the hook registry.
 * @example
 * ```ts
 * const database = createDatabase(process.env.DATABASE_URL!, { prismaClient: PrismaClient, datamodel });
 * const runtime = createRuntime({ schema: resolveResources(resources, datamodel), database });
 * runtime.on("post").before("create", (op) => { op.input.title = String(op.input.title).trim(); });
 * const posts = await runtime.service("post").list(runtime.context(), { limit: 10 });
 * ```
 */
export function createRuntime(options: RuntimeOptions): Runtime {
  const { schema } = options;
  const store = options.store ?? createStore(options.database, schema);
  const stores = datasourceStores(schema, store, options.datasources ?? {});
  const storeOf = (datasource: string): Store => stores.get(datasource) ?? store;
  // The datasource of every model the runtime reads: the resources' and their join models'.
  const modelDatasource = new Map<string, string>();
  for (const r of schema.resources) {
    modelDatasource.set(r.model, r.datasource);
    for (const rel of r.relations) if (rel.kind === "manyToMany") modelDatasource.set(rel.joinModel, r.datasource);
  }
  const hooks = new HookRegistry();
  const limits: QueryLimits = Object.freeze({ ...DEFAULT_QUERY_LIMITS, ...options.limits });
  const services = new Map<string, ResourceService>();
  const service = (name: string): ResourceService => {
    const s = services.get(name);
    if (!s) throw new AppError("NOT_FOUND", `Unknown resource "${name}".`);
    return s;
  };
  const report: ErrorReporter =
    options.onError ??
    ((error, where) => console.error(`${where.resource} ${where.action}: ${where.stage} failed`, error));
  const cursors = new CursorCodec(options.cursorSecret ?? randomBytes(32));
  // Loaders read as their context's actor: the rows that exist for them (tenant, scope, trash); `over`
  // is asked at each batch, as a request that wrote since reads from the primary.
  // `over` is given the datasource of the model read.
  const sourceOver = (over: (datasource: string) => Store, ctx: () => RequestContext): LoaderSource => ({
    rowsWhereIn: (resource, field, values) => {
      const target = service(resource);
      return target.rowsWhereIn(ctx(), field, values, over(target.resource.datasource));
    },
    idField: (resource) => service(resource).resource.id.name,
    joinPairs: async (joinModel, localField, targetField, keys) => {
      const { rows } = await over(modelDatasource.get(joinModel) ?? DEFAULT_DATASOURCE).read({
        level: { model: joinModel, fields: [localField, targetField], relations: [] },
        where: { [localField]: { in: [...keys] } },
        orderBy: [
          { path: [], field: localField, direction: "asc" },
          { path: [], field: targetField, direction: "asc" },
        ],
        offset: 0,
        limit: null,
        total: false,
      });
      return rows.map((r) => [r[localField], r[targetField]] as [unknown, unknown]);
    },
  });
  // Inside a write, reads (loaders included) see the write's transaction.
  const bind = (ctx: RequestContext, transaction: NonNullable<RequestContext["transaction"]>): RequestContext => {
    const bound: RequestContext = {
      ...ctx,
      transaction,
      loaders: new Loaders(
        sourceOver(
          (datasource) => (datasource === transaction.datasource ? transaction.store : storeOf(datasource).primary),
          () => bound,
        ),
      ),
    };
    return bound;
  };
  const access = new AccessPolicy(options.adminRole ?? "admin");
  const defaultActor = options.defaultActor ?? "system";
  const committed = new Set<() => void>(options.onCommitted ? [options.onCommitted] : []);
  const cores = new Map<string, ServiceCore>();
  const core = (name: string): ServiceCore => {
    const c = cores.get(name);
    if (!c) throw new AppError("NOT_FOUND", `Unknown resource "${name}".`);
    return c;
  };
  const lockTtlSeconds = options.lockTtlSeconds ?? DEFAULT_LOCK_TTL_SECONDS;
  if (!Number.isInteger(lockTtlSeconds) || lockTtlSeconds < 1 || lockTtlSeconds > MAX_LOCK_TTL_SECONDS)
    throw new Error(`lockTtlSeconds must be a whole number from 1 to ${MAX_LOCK_TTL_SECONDS}, got ${lockTtlSeconds}`);
  const deps = {
    store,
    lockTtlSeconds,
    hooks,
    limits,
    resource: service,
    core,
    cursors,
    bind,
    defaultActor,
    report,
    onTimeout: options.onTimeout,
    access,
    blobUrlBase: (options.blobUrlBase ?? "/api").replace(/\/+$/, ""),
    onCommitted: () => {
      for (const listener of committed) listener();
    },
  };
  for (const resource of schema.resources) {
    const c = new ServiceCore(resource, { ...deps, store: storeOf(resource.datasource) });
    cores.set(resource.name, c);
    const served = new ResourceService(c);
    if (options.instrumentation) observeService(served, options.instrumentation);
    services.set(resource.name, served);
  }
  return {
    schema,
    hooks,
    limits,
    on: (resource) => hooks.on(resource),
    onCommitted: (listener) => {
      committed.add(listener);
      return () => committed.delete(listener);
    },
    service,
    context: (init = {}) => {
      const reads = new ReadRouting(init.primary ?? false);
      const ctx: RequestContext = {
        actor: init.actor ?? ANONYMOUS,
        requestId: init.requestId ?? randomUUID(),
        reads,
        loaders: new Loaders(
          sourceOver(
            (datasource) => (reads.primary ? storeOf(datasource).primary : storeOf(datasource)),
            () => ctx,
          ),
        ),
        ...(init.deadline ? { deadline: init.deadline } : {}),
      };
      return ctx;
    },
    isAdmin: (ctx) => access.view(ctx).privileged,
    locks: store.locks !== undefined,
    // On the default datasource: the one the command receipts live in.
    transaction: (ctx, work) => (ctx.transaction ? work(ctx) : openTransaction(deps, DEFAULT_DATASOURCE, ctx, work)),
    store,
  };
}

/**
 * The store of each datasource the resources name: the default one, and one per entry of `datasources`
 * (a database gets a store of its own). Throws, naming the option, for a datasource given none.
 */
function datasourceStores(
  schema: ResolvedSchema,
  store: Store,
  datasources: Readonly<Record<string, StoreDatabase | Store>>,
): Map<string, Store> {
  const stores = new Map<string, Store>([[DEFAULT_DATASOURCE, store]]);
  for (const [name, source] of Object.entries(datasources))
    stores.set(name, "pool" in source ? createStore(source, schema) : source);
  const missing = [...new Set(schema.resources.map((r) => r.datasource))].filter((d) => !stores.has(d));
  if (missing.length > 0)
    throw new Error(
      `resources name datasources the runtime was given no database for: ${missing
        .map(
          (d) =>
            `"${d}" (${schema.resources
              .filter((r) => r.datasource === d)
              .map((r) => r.name)
              .join(", ")})`,
        )
        .join(
          ", ",
        )}; pass \`datasources: { ${missing[0]}: createDatabase(url, …) }\` to createRuntime (the server reads DATASOURCE_<NAME>_URL)`,
    );
  return stores;
}
