/**
 * The app's database as the configuration describes it: the pool (size, statement timeout), the read
 * replica when `DATABASE_READ_URL` is set (its changes of state logged once each), and their gauges.
 */
import type { Logger } from "pino";
import type { Datamodel } from "../metadata/datamodel.ts";
import type { Instrumentation } from "../storage/instrumentation.ts";
import { createDatabase, type Database, type PrismaClientClass, type PrismaClientLike } from "../storage/prisma.ts";
import type { Config } from "./config.ts";
import type { Metrics } from "./metrics.ts";

/** What {@link openAppDatabase} builds the database from. */
export interface AppDatabaseOptions<P extends PrismaClientLike> {
  readonly config: Config;
  readonly prismaClient: PrismaClientClass<P>;
  readonly datamodel: Datamodel;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly instrumentation: Instrumentation;
}

/** Opens the app's pool (and replica) on `url`, a migrated database, and registers their gauges. */
export function openAppDatabase<P extends PrismaClientLike>(url: string, options: AppDatabaseOptions<P>): Database<P> {
  const { config, prismaClient, datamodel, logger, metrics, instrumentation } = options;
  const maxLagMs = config.readReplicaMaxLagMs;
  const db = createDatabase(url, {
    prismaClient,
    datamodel,
    poolSize: config.dbPoolSize,
    statementTimeoutMs: config.dbStatementTimeoutMs,
    onPoolError: (err) => logger.warn({ err }, "idle database connection failed"),
    readReplica:
      config.databaseReadUrl === undefined
        ? undefined
        : {
            url: config.databaseReadUrl,
            maxLagMs,
            // Once per change, not per read: a replica down for an hour is two lines, not a line per request.
            onStateChange: (state, err) => {
              if (state === "serving") logger.info("read replica serving reads again");
              else if (state === "unreachable")
                logger.warn({ err }, "read replica unreachable: reads go to the primary");
              else
                logger.warn(
                  { lagSeconds: db.replica?.lagSeconds(), maxLagMs },
                  "read replica lags beyond READ_REPLICA_MAX_LAG_MS: reads go to the primary until it catches up",
                );
            },
          },
    instrumentation,
  });
  if (db.replica) logger.info({ maxLagMs }, "reads outside transactions go to the read replica (DATABASE_READ_URL)");
  metrics.gauge(
    "autograph_db_pool_connections",
    "Connections the pool holds (idle and in use).",
    () => db.pool.totalCount,
  );
  metrics.gauge("autograph_db_pool_idle_connections", "Pooled connections idle now.", () => db.pool.idleCount);
  metrics.gauge(
    "autograph_db_pool_waiting_requests",
    "Queries waiting for a pooled connection.",
    () => db.pool.waitingCount,
  );
  const { replica } = db;
  if (replica) {
    // NaN until the first measure and while the replica is unreachable: no value rather than a wrong one.
    metrics.gauge(
      "autograph_replica_lag_seconds",
      "Replay lag of the read replica: age of its last replayed commit, 0 when it has replayed all it received.",
      () => replica.lagSeconds() ?? Number.NaN,
    );
    metrics.gauge(
      "autograph_replica_lag_bytes",
      "WAL bytes the read replica has received but not replayed yet.",
      () => replica.lagBytes() ?? Number.NaN,
    );
  }
  return db;
}
