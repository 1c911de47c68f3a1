// Longer than 400 lines: every environment variable is read, validated and documented here, the one module that reads the environment.
/**
 * The server's configuration, read from the environment once at boot and validated: a bad value
 * stops the boot with an error that names the variable, says what was expected and shows what arrived.
 */

import type { GraphQLLimits } from "../graphql/handler.ts";
import { SECURITY_PROFILES, type SecurityProfile } from "../metadata/definition.ts";
import { boundedWhole } from "./config-values.ts";
import { type CommandsConfig, commandsConfig } from "./commands-config.ts";
import { type DatasourceConfig, datasourceConfig } from "./datasource-config.ts";
import { type ReadReplicaConfig, readReplicaConfig } from "./read-replica-config.ts";
import { type RelayConfig, relayConfig } from "./relay-config.ts";
import type { BlobStoreConfig } from "../storage/blobs/create-blob-store.ts";

/** Log levels from most to least verbose (pino's names). */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The resolved configuration (frozen). */
export interface Config {
  /**
   * `NODE_ENV=production`: resources declaring no `access` are locked down (docs/guides/security.md),
   * and the JWT and GraphQL defaults below tighten. @default false
   */
  readonly production: boolean;
  /** HTTP port (`PORT`); 0 picks a free one. @default 4000 */
  readonly port: number;
  /** PostgreSQL to use (`DATABASE_URL`); when unset an embedded PostgreSQL is started. */
  readonly databaseUrl: string | undefined;
  /** A streaming replica of `DATABASE_URL` (`DATABASE_READ_URL`), for reads: {@link ReadReplicaConfig}. @default undefined */
  readonly databaseReadUrl: string | undefined;
  /** Beyond this replica lag (`READ_REPLICA_MAX_LAG_MS`), reads go to the primary. @default undefined (no limit) */
  readonly readReplicaMaxLagMs: number | undefined;
  /**
   * The other databases, by datasource name (every `DATASOURCE_<NAME>_URL`: {@link DatasourceConfig}).
   * @default {} (every resource on DATABASE_URL)
   */
  readonly datasources: DatasourceConfig["datasources"];
  /** Data folder of the embedded PostgreSQL (`EMBEDDED_PG_DIR`). @default ".data/postgres" */
  readonly embeddedPgDir: string;
  /** Port of the embedded PostgreSQL on 127.0.0.1 (`EMBEDDED_PG_PORT`). @default 54329 */
  readonly embeddedPgPort: number;
  /**
   * Whether to run the app's seed (`startServer`'s `seed`, e.g. the demo data) at boot
   * (`SEED`: true/false/1/0/yes/no). @default true
   */
  readonly seed: boolean;
  /** Minimum level logged (`LOG_LEVEL`, one of {@link LOG_LEVELS}). @default "info" */
  readonly logLevel: LogLevel;
  /**
   * Secret sealing pagination cursors (`CURSOR_SECRET`, at least 16 characters). Set it so cursors
   * survive restarts and work across instances. @default a random secret per process
   */
  readonly cursorSecret: string | undefined;
  /**
   * How committed change events reach every instance (`EVENT_BUS`): `memory` (one process),
   * `postgres` (LISTEN/NOTIFY on the database) or `redis` (needs `REDIS_URL`). @default "memory"
   */
  readonly eventBus: "memory" | "postgres" | "redis";
  /** Redis server of the redis bus (`REDIS_URL`, a redis:// URL). */
  readonly redisUrl: string | undefined;
  /**
   * How long the outbox keeps events, in hours (`OUTBOX_RETENTION_HOURS`); 0 keeps them forever, which
   * makes the outbox a replayable log (docs/guides/replay.md). @default 168 (7 days)
   */
  readonly outboxRetentionHours: number;
  /** The outbox relays to message brokers (relay-config.ts; docs/guides/messaging.md). @default none */
  readonly relay: RelayConfig;
  /**
   * At shutdown, how long the server keeps accepting connections after `/readyz` turned 503, in
   * milliseconds (`SHUTDOWN_DELAY_MS`): long enough for a load balancer to see it and stop sending (its
   * health check interval times its unhealthy threshold). Keep-alive goes on meanwhile; once the listener
   * has closed, every response says `Connection: close`.
   * @default 0
   */
  readonly shutdownDelayMs: number;
  /** At shutdown, how long open connections get to finish after the delay, in ms (`SHUTDOWN_GRACE_MS`). @default 10000 */
  readonly shutdownGraceMs: number;
  /**
   * How long a record lock lasts when the request names no ttl, in seconds, from 1 to 86400
   * (`LOCK_TTL_SECONDS`; docs/guides/locks.md). @default 300
   */
  readonly lockTtlSeconds: number;
  /** GraphQL hardening (docs/guides/security.md, "GraphQL hardening"). */
  readonly graphql: GraphQLConfig;
  /**
   * Requests allowed per actor (or per IP when anonymous) per window on /graphql and /api
   * (`RATE_LIMIT`); 0 turns rate limiting off. @default 600
   */
  readonly rateLimit: number;
  /** Length of the rate-limit window in seconds (`RATE_LIMIT_WINDOW_SECONDS`). @default 60 */
  readonly rateLimitWindowSeconds: number;
  /** Where rate-limit counts live (`RATE_LIMIT_STORE`): `memory` (one process) or `redis` (shared; needs `REDIS_URL`). @default "memory" */
  readonly rateLimitStore: "memory" | "redis";
  /** Whether a proxy in front sets X-Forwarded-For, so its last entry is the client's IP (`TRUST_PROXY`). @default false */
  readonly trustProxy: boolean;
  /**
   * Prometheus metrics at `GET /metrics` (docs/guides/operations.md). `METRICS_TOKEN` (at least 16
   * characters) makes scrapers send `Authorization: Bearer <token>` (401 otherwise); `METRICS_PORT` serves
   * them on that port only (0 picks a free one), e.g. on a private scrape network. With neither, they
   * are served on the main port outside production and not at all in production (404).
   * @default { token: undefined, port: undefined }
   */
  readonly metrics: { readonly token: string | undefined; readonly port: number | undefined };
  /**
   * OpenTelemetry tracing, on when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (an http(s):// URL; spans are
   * POSTed to `<endpoint>/v1/traces` as OTLP/HTTP JSON), with `OTEL_SERVICE_NAME` as the service name
   * (@default "autograph"). Incoming W3C `traceparent` headers are continued.
   * @default undefined: tracing off
   */
  readonly tracing: { readonly endpoint: string; readonly serviceName: string } | undefined;
  /**
   * Origins browsers may call from (`CORS_ORIGINS`: a comma-separated list such as
   * `https://admin.example,https://app.example`, or `*`). @default "*"
   */
  readonly corsOrigins: "*" | readonly string[];
  /**
   * Bearer tokens (docs/guides/security.md): `JWT_SECRET` (HS256, at least 32 characters),
   * `JWT_PUBLIC_KEY_FILE` (PEM, RS256) or `JWT_JWKS_FILE` (a JWKS), with optional `JWT_ISSUER`,
   * `JWT_AUDIENCE`, `JWT_ROLES_CLAIM`, `JWT_TENANT_CLAIM`. Unset: bearer tokens are refused (401).
   */
  readonly jwt:
    | {
        readonly secret?: string;
        readonly publicKeyFile?: string;
        readonly jwksFile?: string;
        readonly issuer?: string;
        readonly audience?: string;
        readonly rolesClaim?: string;
        readonly tenantClaim?: string;
        /** Refuse tokens without `exp` (`JWT_REQUIRE_EXP`). @default true when NODE_ENV=production */
        readonly requireExpiry?: boolean;
      }
    | undefined;
  /** A JSON file of API keys: `{ "<key>": "<id>:<role>,<role>" }` (`API_KEYS_FILE`). */
  readonly apiKeysFile: string | undefined;
  /** Who unauthenticated requests act as, for development: `<id>:<role>,<role>` (`DEV_ACTOR`). @default anonymous */
  readonly devActor: string | undefined;
  /**
   * How strictly REST reads requests (`SECURITY_PROFILE`: `secure`, `react_admin` or `legacy`;
   * docs/reference/rest-dialect.md §22). @default "secure"
   */
  readonly securityProfile: SecurityProfile;
  /** CRUD commands over RabbitMQ (`MQ_URL`) and NATS (`NATS_URL`): {@link CommandsConfig}. @default off */
  readonly commands: CommandsConfig;
  /**
   * Where file fields keep their bytes (`BLOB_STORE`): `local` (files under `BLOB_DIR`, default
   * `.data/blobs`) or `s3` (a bucket: `S3_ENDPOINT` such as `http://127.0.0.1:7480`, `S3_BUCKET`,
   * `S3_ACCESS_KEY`, `S3_SECRET_KEY`, and `S3_REGION`, default `us-east-1`).
   * @default { kind: "local", dir: ".data/blobs" }
   */
  readonly blobStore: BlobStoreConfig;
  /**
   * Whether downloads answer 307 to a time-limited URL of the store, when the store can give one (S3),
   * instead of passing the bytes through the server (`BLOB_REDIRECT`). @default false
   */
  readonly blobRedirect: boolean;
  /**
   * Seconds between runs of the blob garbage collector in each instance; 0 turns it off
   * (`BLOB_GC_INTERVAL`). @default 3600
   */
  readonly blobGcIntervalSeconds: number;
  /** How old an unreferenced blob must be before the collector deletes it, in hours (`BLOB_GC_GRACE_HOURS`). @default 24 */
  readonly blobGcGraceHours: number;
  /**
   * Connections in the app's pool to PostgreSQL (`DB_POOL_SIZE`); the event dispatcher and the
   * PostgreSQL bus hold one more each (docs/guides/deployment.md#sizing). @default 10
   */
  readonly dbPoolSize: number;
  /**
   * PostgreSQL's `statement_timeout` on every pooled connection of the app, in milliseconds
   * (`DB_STATEMENT_TIMEOUT_MS`); 0 turns it off. A statement cancelled by it answers 503 TIMEOUT.
   * 30 s is far above any statement an API request should need (interactive transactions already
   * end after 15 s), and low enough that a runaway query cannot hold a connection and its locks for long.
   * @default 30000
   */
  readonly dbStatementTimeoutMs: number;
  /**
   * How long a request's handler may run before the client gets 503 TIMEOUT, in milliseconds
   * (`REQUEST_TIMEOUT_MS`); 0 turns it off. Streams (event streams, subscriptions, file transfers,
   * /api/_dump and /api/_load) are exempt. Keep it above `DB_STATEMENT_TIMEOUT_MS`. @default 60000
   */
  readonly requestTimeoutMs: number;
  /**
   * How long a GraphQL WebSocket with no subscription or operation running may stay silent before the
   * server closes it (1000, "idle"), in milliseconds (`WS_IDLE_TIMEOUT_MS`); 0 turns it off. @default 300000
   */
  readonly webSocketIdleTimeoutMs: number;
}

/** GraphQL hardening, from `GRAPHQL_*` and `GRAPHIQL`. */
export interface GraphQLConfig {
  /** Whether `__schema`/`__type` may be queried (`GRAPHQL_INTROSPECTION`). @default true, false when NODE_ENV=production */
  readonly introspection: boolean;
  /** Whether GraphiQL is served on GET /graphql (`GRAPHIQL`). @default true, false when NODE_ENV=production */
  readonly graphiql: boolean;
  /** Whether a GET or form POST needs an `x-graphql-csrf` header (`GRAPHQL_CSRF_PREVENTION`). @default true */
  readonly csrfPrevention: boolean;
  /** Operations one HTTP request may batch, 0 for none (`GRAPHQL_BATCH_LIMIT`). @default 0 */
  readonly batchLimit: number;
  /**
   * Document limits (`GRAPHQL_MAX_DEPTH`, `GRAPHQL_MAX_ALIASES`, `GRAPHQL_MAX_DIRECTIVES`,
   * `GRAPHQL_MAX_TOKENS`, `GRAPHQL_MAX_COST`); those unset keep DEFAULT_GRAPHQL_LIMITS.
   */
  readonly limits: Readonly<Partial<GraphQLLimits>>;
  /** A JSON file of id → document (`GRAPHQL_PERSISTED_OPERATIONS`), read at boot. @default none: no persisted operations */
  readonly persistedOperationsFile: string | undefined;
  /** With persisted operations, whether other documents may run too (`GRAPHQL_ALLOW_ARBITRARY_OPERATIONS`). @default false */
  readonly allowArbitraryOperations: boolean;
  /**
   * Largest /graphql request body in bytes, 413 PAYLOAD_TOO_LARGE beyond (`GRAPHQL_MAX_BODY_BYTES`); a
   * multipart upload may add the declared sizes of the schema's file fields. @default 1048576 (1 MiB, as REST's secure profile)
   */
  readonly maxBodyBytes: number;
}

/** One or more environment variables hold invalid values; `problems` has one line per variable. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

/**
 * Reads and validates the configuration. Empty variables count as unset.
 * @throws {ConfigError} listing every invalid variable, e.g. `PORT must be an integer from 0 to 65535, got "http"`.
 * @example
 * ```ts
 * const config = loadConfig(); // process.env
 * const test = loadConfig({ PORT: "0", SEED: "false" });
 * ```
 */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value === "" ? undefined : value;
  };
  const fail = <T>(name: string, expected: string, value: string, fallback: T): T => {
    problems.push(`${name} must be ${expected}, got ${JSON.stringify(value)}`);
    return fallback;
  };
  const port = (name: string, fallback: number, min: number): number => {
    const value = read(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    return /^\d+$/.test(value) && n >= min && n <= 65535
      ? n
      : fail(name, `an integer from ${min} to 65535`, value, fallback);
  };
  // `*`, or origins as browsers send them: scheme, host and port, no path.
  const corsOrigins = (): "*" | readonly string[] => {
    const value = read("CORS_ORIGINS");
    if (value === undefined || value === "*") return "*";
    const origins = value
      .split(",")
      .map((o) => o.trim())
      .filter(Boolean);
    const bad = origins.find((o) => !URL.canParse(o) || new URL(o).origin !== o);
    if (bad !== undefined || origins.length === 0)
      return fail(
        "CORS_ORIGINS",
        "* or origins like https://admin.example (no path, no trailing slash), comma-separated",
        bad ?? value,
        "*",
      );
    return origins;
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const value = read(name);
    if (value === undefined) return fallback;
    const lower = value.toLowerCase();
    if (["true", "1", "yes", "on"].includes(lower)) return true;
    if (["false", "0", "no", "off"].includes(lower)) return false;
    return fail(name, "true or false (or 1/0, yes/no, on/off)", value, fallback);
  };

  const databaseUrl = read("DATABASE_URL");
  if (databaseUrl !== undefined) {
    let protocol: string | undefined;
    try {
      protocol = new URL(databaseUrl).protocol;
    } catch {}
    // Show the URL without its password: error messages end up in logs.
    const shown = databaseUrl.replace(/\/\/([^:/@]*):[^@]*@/, "//$1:***@");
    if (protocol !== "postgres:" && protocol !== "postgresql:")
      fail("DATABASE_URL", "a postgresql:// URL", shown, undefined);
  }
  const logLevel = read("LOG_LEVEL") ?? "info";
  const cursorSecret = read("CURSOR_SECRET");
  if (cursorSecret !== undefined && cursorSecret.length < 16)
    fail("CURSOR_SECRET", "at least 16 characters", "(hidden)", undefined);
  const eventBus = read("EVENT_BUS") ?? "memory";
  const redisUrl = read("REDIS_URL");
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl))
    fail("REDIS_URL", "a redis:// URL", redisUrl.replace(/\/\/([^:/@]*):[^@]*@/, "//$1:***@"), undefined);
  if (eventBus === "redis" && redisUrl === undefined)
    fail("EVENT_BUS", "memory or postgres unless REDIS_URL is set", eventBus, undefined);
  const retention = read("OUTBOX_RETENTION_HOURS");
  const production = read("NODE_ENV") === "production";
  const count = (name: string, min: number): number | undefined => {
    const value = read(name);
    if (value === undefined) return undefined;
    return /^\d+$/.test(value) && Number(value) >= min && Number.isSafeInteger(Number(value))
      ? Number(value)
      : fail(name, `a whole number, at least ${min}`, value, undefined);
  };
  const graphqlLimits = Object.entries({
    maxDepth: "GRAPHQL_MAX_DEPTH",
    maxAliases: "GRAPHQL_MAX_ALIASES",
    maxDirectives: "GRAPHQL_MAX_DIRECTIVES",
    maxTokens: "GRAPHQL_MAX_TOKENS",
    maxCost: "GRAPHQL_MAX_COST",
  })
    .map(([key, name]) => [key, count(name, 1)] as const)
    .filter(([, value]) => value !== undefined);
  const whole = (name: string, fallback: number, min: number, expected: string): number => {
    const value = read(name);
    if (value === undefined) return fallback;
    return /^\d+$/.test(value) && Number(value) >= min && Number.isSafeInteger(Number(value))
      ? Number(value)
      : fail(name, expected, value, fallback);
  };
  const bounded = boundedWhole(read, fail);
  // PostgreSQL's and Node's timers take at most 2^31 - 1 ms.
  const millis = (name: string, fallback: number): number => {
    const expected = "a whole number of milliseconds from 0 (off) to 2147483647";
    const ms = whole(name, fallback, 0, expected);
    return ms <= 2_147_483_647 ? ms : fail(name, expected, String(ms), fallback);
  };
  const rateLimitStore = read("RATE_LIMIT_STORE") ?? "memory";
  if (rateLimitStore === "redis" && redisUrl === undefined)
    fail("RATE_LIMIT_STORE", "memory unless REDIS_URL is set", rateLimitStore, undefined);
  const jwtSecret = read("JWT_SECRET");
  const jwtPublicKeyFile = read("JWT_PUBLIC_KEY_FILE");
  const jwtJwksFile = read("JWT_JWKS_FILE");
  const jwtKeys = [jwtSecret, jwtPublicKeyFile, jwtJwksFile].filter((x) => x !== undefined).length;
  if (jwtKeys > 1)
    fail(
      "JWT_SECRET",
      "set alone: JWT_SECRET, JWT_PUBLIC_KEY_FILE and JWT_JWKS_FILE are alternatives",
      "(several set)",
      undefined,
    );
  if (jwtSecret !== undefined && jwtSecret.length < 32)
    fail("JWT_SECRET", "at least 32 characters", "(hidden)", undefined);
  const devActor = read("DEV_ACTOR");
  if (devActor !== undefined && !/^[^:@\s]+(:[\w-]+(,[\w-]+)*)?(@[\w.-]+)?$/.test(devActor))
    fail("DEV_ACTOR", "<id> or <id>:<role>,<role>, optionally followed by @<tenant>", devActor, undefined);
  const jwtExtras = {
    issuer: read("JWT_ISSUER"),
    audience: read("JWT_AUDIENCE"),
    rolesClaim: read("JWT_ROLES_CLAIM"),
    tenantClaim: read("JWT_TENANT_CLAIM"),
    requireExpiry: flag("JWT_REQUIRE_EXP", production),
  };
  const securityProfile = read("SECURITY_PROFILE") ?? "secure";
  const metricsToken = read("METRICS_TOKEN");
  if (metricsToken !== undefined && metricsToken.length < 16)
    fail("METRICS_TOKEN", "at least 16 characters", "(hidden)", undefined);
  const mainPort = port("PORT", 4000, 0);
  const metricsPort = read("METRICS_PORT") === undefined ? undefined : port("METRICS_PORT", 0, 0);
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === mainPort)
    fail("METRICS_PORT", "another port than PORT", String(metricsPort), undefined);
  const tracing = () => {
    const endpoint = read("OTEL_EXPORTER_OTLP_ENDPOINT");
    if (endpoint === undefined) return undefined;
    if (!URL.canParse(endpoint) || !["http:", "https:"].includes(new URL(endpoint).protocol))
      return fail("OTEL_EXPORTER_OTLP_ENDPOINT", "an http:// or https:// URL", endpoint, undefined);
    return Object.freeze({
      endpoint: endpoint.replace(/\/+$/, ""),
      serviceName: read("OTEL_SERVICE_NAME") ?? "autograph",
    });
  };
  const blobStore = (): BlobStoreConfig => {
    const kind = read("BLOB_STORE") ?? "local";
    const local = { kind: "local", dir: read("BLOB_DIR") ?? ".data/blobs" } as const;
    if (kind === "local") return local;
    if (kind !== "s3") return fail("BLOB_STORE", "local or s3", kind, local);
    const required = (name: string): string => {
      const value = read(name);
      return value ?? fail(name, "set when BLOB_STORE=s3", "(unset)", "");
    };
    const endpoint = required("S3_ENDPOINT");
    let url: URL | undefined;
    if (endpoint !== "") {
      url = URL.canParse(endpoint) ? new URL(endpoint) : undefined;
      if (url === undefined || !["http:", "https:"].includes(url.protocol) || url.pathname !== "/" || url.search)
        url = fail(
          "S3_ENDPOINT",
          "an http:// or https:// URL without a path, like http://127.0.0.1:7480",
          endpoint,
          undefined,
        );
    }
    const bucket = required("S3_BUCKET");
    // S3's bucket naming rules, so a typo stops the boot rather than the first upload.
    if (bucket !== "" && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
      fail("S3_BUCKET", "a bucket name: 3 to 63 lowercase letters, digits, dots and hyphens", bucket, undefined);
    const useSSL = url?.protocol === "https:";
    return {
      kind: "s3",
      endPoint: url?.hostname.replace(/^\[(.*)\]$/, "$1") ?? "",
      port: url?.port ? Number(url.port) : useSSL ? 443 : 80,
      useSSL,
      bucket,
      accessKey: required("S3_ACCESS_KEY"),
      secretKey: required("S3_SECRET_KEY"),
      region: read("S3_REGION") ?? "us-east-1",
    };
  };
  const config: Config = {
    production,
    port: mainPort,
    databaseUrl,
    ...readReplicaConfig(read, fail, databaseUrl),
    ...datasourceConfig(Object.keys(env), read, fail),
    embeddedPgDir: read("EMBEDDED_PG_DIR") ?? ".data/postgres",
    embeddedPgPort: port("EMBEDDED_PG_PORT", 54329, 1),
    seed: flag("SEED", true),
    cursorSecret,
    eventBus: ["memory", "postgres", "redis"].includes(eventBus)
      ? (eventBus as Config["eventBus"])
      : fail("EVENT_BUS", "memory, postgres or redis", eventBus, "memory"),
    redisUrl,
    relay: Object.freeze(relayConfig(read, fail)),
    jwt:
      jwtKeys === 0
        ? undefined
        : Object.fromEntries(
            Object.entries({
              secret: jwtSecret,
              publicKeyFile: jwtPublicKeyFile,
              jwksFile: jwtJwksFile,
              ...jwtExtras,
            }).filter(([, v]) => v !== undefined),
          ),
    apiKeysFile: read("API_KEYS_FILE"),
    devActor,
    rateLimit: whole("RATE_LIMIT", 600, 0, "a whole number of requests per window (0 turns rate limiting off)"),
    rateLimitWindowSeconds: whole("RATE_LIMIT_WINDOW_SECONDS", 60, 1, "a whole number of seconds, at least 1"),
    rateLimitStore: ["memory", "redis"].includes(rateLimitStore)
      ? (rateLimitStore as Config["rateLimitStore"])
      : fail("RATE_LIMIT_STORE", "memory or redis", rateLimitStore, "memory"),
    trustProxy: flag("TRUST_PROXY", false),
    metrics: Object.freeze({ token: metricsToken, port: metricsPort }),
    tracing: tracing(),
    blobStore: Object.freeze(blobStore()),
    blobRedirect: flag("BLOB_REDIRECT", false),
    blobGcIntervalSeconds: count("BLOB_GC_INTERVAL", 0) ?? 3600,
    blobGcGraceHours: count("BLOB_GC_GRACE_HOURS", 1) ?? 24,
    lockTtlSeconds: bounded("LOCK_TTL_SECONDS", 300, 1, 86_400, "seconds"),
    commands: Object.freeze(commandsConfig(read, fail)),
    dbPoolSize: bounded("DB_POOL_SIZE", 10, 1, 1000, "connections"),
    dbStatementTimeoutMs: millis("DB_STATEMENT_TIMEOUT_MS", 30_000),
    requestTimeoutMs: millis("REQUEST_TIMEOUT_MS", 60_000),
    webSocketIdleTimeoutMs: millis("WS_IDLE_TIMEOUT_MS", 300_000),
    corsOrigins: corsOrigins(),
    securityProfile: (SECURITY_PROFILES as readonly string[]).includes(securityProfile)
      ? (securityProfile as SecurityProfile)
      : fail(
          "SECURITY_PROFILE",
          SECURITY_PROFILES.join(", ").replace(/, (?=[^,]*$)/, " or "),
          securityProfile,
          "secure",
        ),
    graphql: Object.freeze({
      introspection: flag("GRAPHQL_INTROSPECTION", !production),
      graphiql: flag("GRAPHIQL", !production),
      csrfPrevention: flag("GRAPHQL_CSRF_PREVENTION", true),
      batchLimit: count("GRAPHQL_BATCH_LIMIT", 0) ?? 0,
      limits: Object.freeze(Object.fromEntries(graphqlLimits)),
      persistedOperationsFile: read("GRAPHQL_PERSISTED_OPERATIONS"),
      allowArbitraryOperations: flag("GRAPHQL_ALLOW_ARBITRARY_OPERATIONS", false),
      maxBodyBytes: whole("GRAPHQL_MAX_BODY_BYTES", 1_048_576, 1, "a whole number of bytes, at least 1"),
    }),
    shutdownDelayMs: count("SHUTDOWN_DELAY_MS", 0) ?? 0,
    shutdownGraceMs: count("SHUTDOWN_GRACE_MS", 0) ?? 10_000,
    outboxRetentionHours:
      retention === undefined
        ? 168
        : /^\d+$/.test(retention) && Number.isSafeInteger(Number(retention))
          ? Number(retention)
          : fail("OUTBOX_RETENTION_HOURS", "a whole number of hours (0: keep events forever)", retention, 168),
    logLevel: (LOG_LEVELS as readonly string[]).includes(logLevel)
      ? (logLevel as LogLevel)
      : fail("LOG_LEVEL", `one of ${LOG_LEVELS.join(", ")}`, logLevel, "info"),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}
