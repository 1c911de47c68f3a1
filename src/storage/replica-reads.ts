/**
 * What the store needs of a read replica to send it reads (read-replica.ts makes one), and the routing
 * of one read: to the replica while it serves, and again to the primary when it could not answer.
 */
import type pg from "pg";

/** The store's view of a read replica (`db.replica`). */
export interface ReplicaReads {
  /** A Prisma client on {@link ReplicaReads.pool} (aggregates run through it, decoded as on the primary). */
  readonly prisma: { $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): PromiseLike<T> };
  /** The replica's pool (compiled reads run on it). */
  readonly pool: pg.Pool;
  /** Whether reads go to the replica now: reachable, and not lagging beyond the limit. */
  readonly serving: boolean;
  /**
   * Called with the error of a read the replica failed, and whether the store classified it as the
   * database being unavailable: whether the read should run again on the primary. Unavailability also
   * marks the replica unreachable, so the next reads go straight to the primary until a lag probe
   * reaches it again.
   */
  fallback(error: unknown, unavailable: boolean): boolean;
}

/**
 * A read that runs on the replica while it serves, otherwise on the primary; a read the replica fails
 * for want of a connection (or cancels for a conflict with replay) runs again on the primary, as reads
 * can be repeated.
 */
export function routeRead<A extends unknown[], R>(
  replica: ReplicaReads,
  unavailable: (error: unknown) => boolean,
  onPrimary: (...args: A) => Promise<R>,
  onReplica: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args) => {
    if (!replica.serving) return onPrimary(...args);
    try {
      return await onReplica(...args);
    } catch (error) {
      if (!replica.fallback(error, unavailable(error))) throw error;
      return onPrimary(...args);
    }
  };
}
