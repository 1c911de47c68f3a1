/**
 * The runtime: one {@link ResourceService} per resource over one store, the hook registry, and the
 * factory of request contexts. Transports hold a runtime and nothing below it.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { CursorCodec } from "./cursor.ts";
import type { ResolvedSchema } from "../metadata/resolved.ts";
import type { Store } from "../storage/store.ts";
import { ANONYMOUS, type Actor, type RequestContext } from "./context.ts";
import { AppError } from "./errors.ts";
import { HookRegistry, type WriteOperation } from "./hooks.ts";
import { Loaders } from "./loaders.ts";
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from "./query.ts";
import { ResourceService } from "./service.ts";

/** Options of {@link createRuntime}. */
export interface RuntimeOptions {
  schema: ResolvedSchema;
  store: Store;
  /** Query limits shared by every transport. @default DEFAULT_QUERY_LIMITS */
  limits?: Partial<QueryLimits>;
  /**
   * Secret that seals pagination cursors. Set it (the server reads CURSOR_SECRET) so cursors survive
   * restarts and work across instances. @default a random secret per process
   */
  cursorSecret?: string;
  /** Receives errors of `afterCommit` hooks (the write itself succeeded). @default console.error */
  onAfterCommitError?: (error: unknown, operation: WriteOperation) => void;
}

/** The runtime. */
export interface Runtime {
  readonly schema: ResolvedSchema;
  readonly hooks: HookRegistry;
  readonly limits: QueryLimits;
  /** The service of a resource by singular name; throws for an unknown name. */
  service(name: string): ResourceService;
  /** A fresh request context with its own loaders. */
  context(init?: { actor?: Actor; requestId?: string }): RequestContext;
}

/** Builds the runtime over resolved resources and a store. */
export function createRuntime(options: RuntimeOptions): Runtime {
  const { schema, store } = options;
  const hooks = new HookRegistry();
  const limits: QueryLimits = Object.freeze({ ...DEFAULT_QUERY_LIMITS, ...options.limits });
  const services = new Map<string, ResourceService>();
  const service = (name: string): ResourceService => {
    const s = services.get(name);
    if (!s) throw new AppError("NOT_FOUND", `Unknown resource "${name}".`);
    return s;
  };
  const onAfterCommitError = options.onAfterCommitError ?? ((error) => console.error("afterCommit hook failed", error));
  const cursors = new CursorCodec(options.cursorSecret ?? randomBytes(32));
  for (const resource of schema.resources) {
    services.set(resource.name, new ResourceService(resource, { store, hooks, limits, resource: service, cursors, onAfterCommitError }));
  }
  const source = {
    rowsWhereIn: (resource: string, field: string, values: readonly unknown[]) => service(resource).rowsWhereIn(field, values),
    idField: (resource: string) => service(resource).resource.id.name,
    joinPairs: async (joinDelegate: string, localField: string, targetField: string, keys: readonly unknown[]) => {
      const rows = await store.model(joinDelegate).findMany({
        where: { [localField]: { in: [...keys] } },
        select: { [localField]: true, [targetField]: true },
        orderBy: [{ [localField]: "asc" }, { [targetField]: "asc" }],
      });
      return rows.map((r) => [r[localField], r[targetField]] as [unknown, unknown]);
    },
  };
  return {
    schema,
    hooks,
    limits,
    service,
    context: (init = {}) => ({ actor: init.actor ?? ANONYMOUS, requestId: init.requestId ?? randomUUID(), loaders: new Loaders(source) }),
  };
}
