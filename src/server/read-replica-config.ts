/**
 * The read replica's variables of the configuration (config.ts): `DATABASE_READ_URL` and
 * `READ_REPLICA_MAX_LAG_MS`, validated together with `DATABASE_URL` (docs/guides/read-replicas.md).
 */

/** The read replica's part of the configuration. */
export interface ReadReplicaConfig {
  /**
   * A streaming replica of `DATABASE_URL` (`DATABASE_READ_URL`, a postgresql:// URL; only with
   * `DATABASE_URL`): reads outside transactions go to it, and a request that wrote reads from the
   * primary. @default undefined (every statement on the primary)
   */
  readonly databaseReadUrl: string | undefined;
  /**
   * Beyond this replica lag, in milliseconds, reads go to the primary until the replica catches up
   * (`READ_REPLICA_MAX_LAG_MS`, a whole number, at least 1; only with `DATABASE_READ_URL`). The lag is
   * measured every 5 seconds. @default undefined (no limit)
   */
  readonly readReplicaMaxLagMs: number | undefined;
}

/**
 * Reads and checks the replica's variables; each problem goes to `fail` (config.ts collects them into
 * one ConfigError), naming the variable.
 * @example readReplicaConfig((name) => env[name], fail, env.DATABASE_URL)
 */
export function readReplicaConfig(
  read: (name: string) => string | undefined,
  fail: <T>(name: string, expected: string, value: string, fallback: T) => T,
  databaseUrl: string | undefined,
): ReadReplicaConfig {
  const url = read("DATABASE_READ_URL");
  let databaseReadUrl: string | undefined;
  if (url !== undefined) {
    let protocol: string | undefined;
    try {
      protocol = new URL(url).protocol;
    } catch {}
    // Without its password: error messages end up in logs.
    const shown = url.replace(/\/\/([^:/@]*):[^@]*@/, "//$1:***@");
    if (protocol !== "postgres:" && protocol !== "postgresql:")
      fail("DATABASE_READ_URL", "a postgresql:// URL", shown, undefined);
    // The embedded PostgreSQL has no replica: a read URL without DATABASE_URL is a mistake, not a setup.
    else if (databaseUrl === undefined)
      fail(
        "DATABASE_READ_URL",
        "unset unless DATABASE_URL is set (it names a replica of DATABASE_URL)",
        shown,
        undefined,
      );
    else databaseReadUrl = url;
  }
  const maxLag = read("READ_REPLICA_MAX_LAG_MS");
  let readReplicaMaxLagMs: number | undefined;
  if (maxLag !== undefined) {
    if (!/^\d+$/.test(maxLag) || Number(maxLag) < 1 || !Number.isSafeInteger(Number(maxLag)))
      fail("READ_REPLICA_MAX_LAG_MS", "a whole number of milliseconds, at least 1", maxLag, undefined);
    else if (url === undefined)
      fail("READ_REPLICA_MAX_LAG_MS", "unset unless DATABASE_READ_URL is set", maxLag, undefined);
    else readReplicaMaxLagMs = Number(maxLag);
  }
  return { databaseReadUrl, readReplicaMaxLagMs };
}
