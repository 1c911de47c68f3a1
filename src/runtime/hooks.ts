/**
 * Lifecycle hooks (AutoCRUD's before / after / on-success / on-failure, CRUDCrate's `transform` and
 * `body`), registered fluently per resource and action:
 *
 *     runtime.on("post").before("create", (op) => { op.input.title = String(op.input.title).trim(); })
 *                       .onSuccess(["update", "patch"], (op) => notify(op.result));
 *
 * Every operation runs: `before` → the body (the default implementation, or a registered `body`) →
 * `after` → (writes: commit) → `onSuccess`; when anything throws, `onFailure` runs and the error goes on
 * to the client. Write hooks run inside the write's transaction: a throw from `before`, the body or
 * `after` rolls the whole write back, and `op.service(name)` gives services bound to that transaction,
 * so what a hook writes is audited, revisioned and rolled back with it. `onSuccess` runs once the data
 * is durable; its failures are reported, never turned into client errors. `transform` maps each record
 * on its way out.
 */
import type { Actor, RequestContext } from "./context.ts";
import type { Row } from "./loaders.ts";
import type { BoundService } from "./bound-service.ts";

/** Actions that change records. */
export const WRITE_ACTIONS = ["create", "update", "patch", "delete", "restore", "revert", "purge", "publish"] as const;
/** One write action. */
export type WriteAction = (typeof WRITE_ACTIONS)[number];
/**
 * Every action hooks can attach to: the writes, `read` (one record), `list`, and `action` (every custom
 * action of the resource; `op.name` says which).
 */
export const ACTIONS = ["read", "list", ...WRITE_ACTIONS, "action"] as const;
/** One action. */
export type Action = (typeof ACTIONS)[number];

/** Hook kinds, in the order they run. */
export const HOOK_KINDS = ["before", "after", "onSuccess", "onFailure"] as const;
/** One hook kind. */
export type HookKind = (typeof HOOK_KINDS)[number];

/** What a hook sees of an operation. */
export interface Operation {
  readonly action: Action;
  /** Resource name, e.g. `post`. */
  readonly resource: string;
  /** The custom action's name (`close`) when `action` is `"action"`; undefined otherwise. */
  readonly name?: string | undefined;
  readonly context: RequestContext;
  /** Who acts (the anonymous actor when no one is signed in). */
  readonly actor: Actor;
  /** The target id (create: set once written). */
  id: string | number | undefined;
  /**
   * Writes: the checked values about to be written (mutable in `before`; validation runs after it).
   * `list`: the list parameters (`filter`, `sort`, `offset`, `limit`), mutable in `before`. `revert`:
   * `{ revision }`. `action`: the parsed input (mutable in `before`). Otherwise empty.
   */
  input: Record<string, unknown>;
  /** The row before the write (all writes but create), or undefined; a record action's record. */
  readonly existing: Row | undefined;
  /**
   * The outcome, set from `after` on: the written row (writes), the row or null (`read`), the rows
   * (`list`), what `run` returned (`action`). Mutable in `after`.
   */
  result: unknown;
  /** The failure (`onFailure` only). */
  readonly error?: unknown;
  /**
   * The service of a resource, bound to this operation's transaction (writes) or request (reads):
   * what it writes is audited, revisioned and committed or rolled back with this operation.
   */
  service(name: string): BoundService;
}

/** A hook function. */
export type Hook = (operation: Operation) => void | Promise<void>;
/** Maps one presented record on its way to the client. */
export type Transform = (
  record: Record<string, unknown>,
  operation: Operation,
) => Record<string, unknown> | Promise<Record<string, unknown>>;
/**
 * Replaces an operation's default implementation. `proceed` runs the default. Writes return the
 * written row; `read` the row or null; `list` the rows (the total, when asked for, still comes from
 * the default count).
 */
export type Body = (operation: Operation, proceed: () => Promise<unknown>) => unknown;

type Actions = Action | readonly Action[] | "*";

/** The fluent registration of one resource's hooks (see {@link HookRegistry.on}). */
export interface ResourceHooks {
  before(actions: Actions, hook: Hook): ResourceHooks;
  after(actions: Actions, hook: Hook): ResourceHooks;
  onSuccess(actions: Actions, hook: Hook): ResourceHooks;
  onFailure(actions: Actions, hook: Hook): ResourceHooks;
  transform(actions: Actions, transform: Transform): ResourceHooks;
  /** Replaces the default implementation of these actions; the last registered body wins. */
  body(actions: Actions, body: Body): ResourceHooks;
  /** Removes every hook registered through this chain. */
  off(): void;
}

/** Hooks registered per resource, kind and action. */
export class HookRegistry {
  readonly #hooks = new Map<string, Hook[]>();
  readonly #transforms = new Map<string, Transform[]>();
  readonly #bodies = new Map<string, Body[]>();

  /**
   * Starts registering hooks of a resource ("*" for every resource).
   * @example runtime.on("post").before("create", (op) => { op.input.slug ??= slugify(op.input.title); });
   */
  on(resource: string): ResourceHooks {
    const removers: (() => void)[] = [];
    const add = <T>(map: Map<string, T[]>, key: string, value: T) => {
      const list = map.get(key) ?? [];
      list.push(value);
      map.set(key, list);
      removers.push(() => {
        const at = list.indexOf(value);
        if (at >= 0) list.splice(at, 1);
      });
    };
    const each = (actions: Actions): readonly Action[] => {
      const list = actions === "*" ? ACTIONS : typeof actions === "string" ? [actions] : actions;
      for (const a of list)
        if (!(ACTIONS as readonly string[]).includes(a))
          throw new Error(`Hooks of "${resource}": unknown action "${a}"; actions are ${ACTIONS.join(", ")} or "*"`);
      return list;
    };
    /** Adds `value` under `${resource}${infix}${action}` for each action, and answers the chain. */
    const register = <T>(map: Map<string, T[]>, infix: string, actions: Actions, value: T): ResourceHooks => {
      for (const a of each(actions)) add(map, `${resource}${infix}${a}`, value);
      return chain;
    };
    const chain: ResourceHooks = {
      before: (actions, hook) => register(this.#hooks, ":before:", actions, hook),
      after: (actions, hook) => register(this.#hooks, ":after:", actions, hook),
      onSuccess: (actions, hook) => register(this.#hooks, ":onSuccess:", actions, hook),
      onFailure: (actions, hook) => register(this.#hooks, ":onFailure:", actions, hook),
      transform: (actions, transform) => register(this.#transforms, ":", actions, transform),
      body: (actions, body) => register(this.#bodies, ":", actions, body),
      off: () => {
        for (const remove of removers.splice(0)) remove();
      },
    };
    return chain;
  }

  /** Runs the hooks of a kind in registration order: the resource's first, then "*"'s. */
  async run(kind: HookKind, operation: Operation): Promise<void> {
    for (const hook of this.#list(this.#hooks, `:${kind}:${operation.action}`, operation.resource))
      await hook(operation);
  }

  /** Whether any hook of this kind is registered for the operation (skips building what it would see). */
  has(kind: HookKind, resource: string, action: Action): boolean {
    return this.#list(this.#hooks, `:${kind}:${action}`, resource).length > 0;
  }

  /** Whether anything (a hook of any kind, a transform or a body) is registered for the action: then reads give it whole records. */
  any(resource: string, action: Action): boolean {
    if (this.body(resource, action)) return true;
    if (this.#list(this.#transforms, `:${action}`, resource).length > 0) return true;
    return (["before", "after", "onSuccess", "onFailure"] as const).some((kind) => this.has(kind, resource, action));
  }

  /** Applies the transforms of the operation's action to each record, in registration order. */
  async transform<R extends Record<string, unknown>>(operation: Operation, records: R[]): Promise<R[]> {
    const transforms = this.#list(this.#transforms, `:${operation.action}`, operation.resource);
    if (transforms.length === 0) return records;
    const out: R[] = [];
    for (let record of records) {
      for (const t of transforms) record = (await t(record, operation)) as R;
      out.push(record);
    }
    return out;
  }

  /** The body replacing the action's default implementation, if one is registered (the resource's before "*"'s). */
  body(resource: string, action: Action): Body | undefined {
    return this.#bodies.get(`${resource}:${action}`)?.at(-1) ?? this.#bodies.get(`*:${action}`)?.at(-1);
  }

  #list<T>(map: Map<string, T[]>, suffix: string, resource: string): T[] {
    return [...(map.get(`${resource}${suffix}`) ?? []), ...(map.get(`*${suffix}`) ?? [])];
  }
}
