/**
 * The request context every runtime call carries: who acts, and the per-request loaders (never shared
 * across requests, so one user's cache never answers another's).
 */
import type { AccessActor } from "../metadata/definition.ts";
import type { OutboxEntry, Store } from "../storage/store.ts";
import type { Alongside } from "./alongside.ts";
import type { Loaders } from "./loaders.ts";
import type { ReadRouting } from "./read-routing.ts";

/** Who performs an operation: resolved from the request's credentials (server/auth.ts), anonymous without. */
export interface Actor extends AccessActor {}

/** The anonymous actor. */
export const ANONYMOUS: Actor = Object.freeze({ id: undefined, roles: Object.freeze([]) });

/** Per-request state passed to every service call. Make one with `runtime.context()`. */
export interface RequestContext {
  readonly actor: Actor;
  readonly loaders: Loaders;
  /** Correlates logs of one request. */
  readonly requestId: string;
  /**
   * The request's deadline (the server's `REQUEST_TIMEOUT_MS`): once expired, a write that has not
   * committed yet rolls back with TIMEOUT, as its client was already told it timed out.
   */
  readonly deadline?: Deadline | undefined;
  /**
   * Set inside a write: the write's transaction. Services called with this context (hooks'
   * `op.service(name)`) read and write in it, and their `onSuccess` hooks wait for its commit.
   */
  readonly transaction?: Transaction | undefined;
  /**
   * Work that commits with this context's one write, in its one statement's transaction (alongside.ts):
   * a broker command's receipt. A write that cannot run as one statement throws TransactionRequired.
   */
  readonly alongside?: Alongside | undefined;
  /**
   * Where the request's reads go when the database has a read replica: the replica until it writes,
   * the primary after (read your writes). Contexts without one read from the replica.
   */
  readonly reads?: ReadRouting | undefined;
}

/**
 * A request's deadline as the runtime sees it: a flag the server sets when the time is up (a plain
 * object rather than an AbortSignal, which costs about 20 µs a request to make in Node 20).
 */
export interface Deadline {
  readonly expired: boolean;
}

/** The transaction of a write, shared by everything written within it. */
export interface Transaction {
  readonly store: Store;
  /** The datasource it runs on: writes of resources on another one cannot join it (transaction.ts). */
  readonly datasource: string;
  /** Run once the transaction commits (the `onSuccess` hooks of every write in it). */
  readonly afterCommit: (() => Promise<void>)[];
  /** One clock reading for the whole transaction (audit times, soft-delete cascades). */
  readonly now: Date;
  /** The outbox events of the writes in it, appended just before the commit. */
  readonly events: OutboxEntry[];
}
