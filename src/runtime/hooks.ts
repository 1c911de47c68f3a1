/**
 * Named hook points of the write pipeline. Every write runs:
 * input check → `beforeWrite` → (one transaction: row write → `afterWrite`) → commit → `afterCommit`.
 * `beforeWrite` and `afterWrite` run inside the transaction (a throw rolls the write back); `afterCommit`
 * runs once the data is durable (side effects such as notifications belong there).
 */
import type { RequestContext } from "./context.ts";
import type { Store } from "../storage/store.ts";

/** Write actions that pass through the pipeline. */
export type WriteAction = "create" | "update" | "patch" | "delete";

/** Hook points, in the order they run. */
export const HOOK_POINTS = ["beforeWrite", "afterWrite", "afterCommit"] as const;
/** One hook point. */
export type HookPoint = (typeof HOOK_POINTS)[number];

/** What a hook sees of the operation. `data` is mutable in `beforeWrite`. */
export interface WriteOperation {
  readonly action: WriteAction;
  /** Resource name, e.g. `post`. */
  readonly resource: string;
  readonly context: RequestContext;
  /** Target id (update, patch, delete; create once written). */
  id: string | number | undefined;
  /** The checked values about to be written (create, update, patch). */
  data: Record<string, unknown>;
  /** The row before the write (update, patch, delete). */
  readonly existing: Record<string, unknown> | undefined;
  /** The row after the write (create, update, patch) or the deleted row; set from `afterWrite` on. */
  result: Record<string, unknown> | undefined;
  /** The store of the current transaction (unset in `afterCommit`). */
  readonly store: Store | undefined;
}

/** A hook function. */
export type Hook = (operation: WriteOperation) => void | Promise<void>;

/** Hooks registered per resource and point. */
export class HookRegistry {
  readonly #hooks = new Map<string, Hook[]>();

  /**
   * Registers a hook for a resource ("*" for all) at a point.
   * @example runtime.hooks.on("post", "beforeWrite", (op) => { op.data.title = op.data.title?.trim(); });
   */
  on(resource: string, point: HookPoint, hook: Hook): () => void {
    const key = `${resource}:${point}`;
    const list = this.#hooks.get(key) ?? [];
    list.push(hook);
    this.#hooks.set(key, list);
    return () => list.splice(list.indexOf(hook), 1);
  }

  /** Runs the hooks of a point in registration order: resource-specific first, then "*". */
  async run(point: HookPoint, operation: WriteOperation): Promise<void> {
    for (const hook of [...(this.#hooks.get(`${operation.resource}:${point}`) ?? []), ...(this.#hooks.get(`*:${point}`) ?? [])]) {
      await hook(operation);
    }
  }
}
