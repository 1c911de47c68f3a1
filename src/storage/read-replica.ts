/**
 * A streaming replica that takes reads off the primary (`DATABASE_READ_URL`; docs/guides/read-replicas.md):
 * its own Prisma client and counted pool, a periodic measure of how far its replay is behind, and the
 * state that says whether reads may go to it now (reachable, and not lagging beyond the limit).
 */
import type pg from "pg";
import type { StatementCounter } from "./counting-pool.ts";
import type { ReplicaReads } from "./replica-reads.ts";

/** The replica's Prisma client, as far as reads and closing need it. */
type ReplicaClient = ReplicaReads["prisma"] & { $disconnect(): Promise<void> };

/**
 * Whether reads go to the replica now: `serving`; `unreachable` (a read or a lag probe failed to reach it;
 * the next successful probe brings it back); `lagging` (its replay is further behind than `maxLagMs`).
 */
export type ReplicaState = "serving" | "unreachable" | "lagging";

/** A read replica of a database (`db.replica`, prisma.ts). */
export interface ReadReplica extends ReplicaReads {
  readonly prisma: ReplicaClient;
  /**
   * The statements sent through the replica's pool: the reads routed to it. The primary's
   * `db.statements` counts everything else (writes, transactions, reads that fell back or were routed
   * to the primary); the lag probes run on a connection of their own and are counted by neither.
   */
  readonly statements: StatementCounter;
  /** Whether reads go to it now, and if not why. */
  readonly state: ReplicaState;
  /**
   * How far the replica's replay is behind, in seconds, as last measured (every `lagIntervalMs`): 0
   * when it has replayed all it received, else the age of the last transaction it replayed. Undefined
   * before the first measure and while the replica cannot be reached. Exported as the gauge
   * `autograph_replica_lag_seconds`.
   * @example const lag = db.replica?.lagSeconds(); // 0.004
   */
  lagSeconds(): number | undefined;
  /** WAL bytes the replica has received but not replayed yet, as last measured; undefined as for {@link ReadReplica.lagSeconds}. */
  lagBytes(): number | undefined;
  /** Measures the lag now, updating the state (the periodic probe calls it; tests await it). Never rejects. */
  measure(): Promise<void>;
  /** Stops the probe, disconnects Prisma and ends both pools. */
  close(): Promise<void>;
}

/** Options of {@link openReadReplica}. */
export interface ReadReplicaOptions {
  /** The replica's Prisma client, on `pool`. */
  prisma: ReplicaClient;
  /** The replica's counted pool. */
  pool: pg.Pool;
  /** Its statement counter. */
  statements: StatementCounter;
  /** A pool of one connection for the lag probe, so a busy read pool never delays it and its statements are not counted. */
  probePool: pg.Pool;
  /** Beyond this lag (ms), reads go to the primary until the replica catches up. @default no limit */
  maxLagMs?: number | undefined;
  /** How often the lag is measured (ms). @default 5000 */
  lagIntervalMs?: number;
  /** Called once per change of {@link ReplicaState}, with the error that made it unreachable. */
  onStateChange?: (state: ReplicaState, error?: unknown) => void;
}

/**
 * On the replica: how far replay is behind. Replay that has caught up with what was received is 0
 * lag, however old the last transaction (an idle primary sends none); otherwise the age of the last
 * replayed transaction. A server not in recovery (a replica promoted, a URL to a primary) has none.
 */
const LAG_SQL = `select
  case
    when not pg_is_in_recovery() then 0
    when pg_last_wal_receive_lsn() is not null and pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() then 0
    else greatest(0, coalesce(extract(epoch from now() - pg_last_xact_replay_timestamp()), 0))
  end::float8 as seconds,
  case when pg_is_in_recovery()
    then greatest(0, coalesce(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), 0))
    else 0
  end::float8 as bytes`;

/** pg-pool's error when no connection could be had in `connectionTimeoutMillis`: the replica's pool is busy or it does not answer. */
const POOL_TIMEOUT = /timeout exceeded when trying to connect/i;

/** The SQLSTATE of a `pg` error, or of the driver adapter error Prisma wraps one in. */
function sqlStateOf(error: unknown): unknown {
  const e = error as { code?: unknown; meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } } | null;
  return e?.meta?.driverAdapterError?.cause?.originalCode ?? e?.code;
}

/** Starts routing state and the periodic lag probe of a replica whose pool and client the caller made. */
export function openReadReplica(options: ReadReplicaOptions): ReadReplica {
  const { prisma, pool, statements, probePool, maxLagMs, onStateChange } = options;
  let reachable = true;
  let lagging = false;
  let seconds: number | undefined;
  let bytes: number | undefined;
  const stateOf = (): ReplicaState => (!reachable ? "unreachable" : lagging ? "lagging" : "serving");
  const update = (change: () => void, error?: unknown) => {
    const before = stateOf();
    change();
    const after = stateOf();
    if (after !== before) onStateChange?.(after, error);
  };
  const unreachable = (error: unknown) =>
    update(() => {
      reachable = false;
      seconds = undefined;
      bytes = undefined;
    }, error);

  const measure = async (): Promise<void> => {
    try {
      const { rows } = await probePool.query<{ seconds: number; bytes: number }>(LAG_SQL);
      const row = rows[0];
      update(() => {
        reachable = true;
        seconds = row?.seconds ?? 0;
        bytes = row?.bytes ?? 0;
        lagging = maxLagMs !== undefined && seconds * 1000 > maxLagMs;
      });
    } catch (error) {
      unreachable(error);
    }
  };
  const timer = setInterval(() => void measure(), options.lagIntervalMs ?? 5_000);
  // The probe must not keep a process alive that is otherwise done.
  timer.unref();
  void measure();

  let closing: Promise<void> | undefined;
  return {
    prisma,
    pool,
    statements,
    get serving() {
      return reachable && !lagging;
    },
    get state() {
      return stateOf();
    },
    fallback(error, unavailable) {
      // A standby cancels a read whose rows replay must remove (40001, conflict with recovery): the primary has them.
      if (sqlStateOf(error) === "40001") return true;
      if (POOL_TIMEOUT.test((error as Error | null)?.message ?? "")) return true;
      if (!unavailable) return false;
      unreachable(error);
      return true;
    },
    lagSeconds: () => seconds,
    lagBytes: () => bytes,
    measure,
    close() {
      closing ??= (async () => {
        clearInterval(timer);
        await prisma.$disconnect();
        await Promise.all([pool.end(), probePool.end()]);
      })();
      return closing;
    },
  };
}
