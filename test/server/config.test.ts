import { describe, expect, test } from "vitest";
import { ConfigError, loadConfig } from "../../src/server/config.ts";
import { RELAY_OFF } from "../support/relay-defaults.ts";

describe("loadConfig", () => {
  test("NODE_ENV=production is the production flag, and tightens the JWT and GraphQL defaults", () => {
    const config = loadConfig({ NODE_ENV: "production" });
    expect(config.production).toBe(true);
    expect(config.graphql).toMatchObject({ introspection: false, graphiql: false });
    expect(loadConfig({ NODE_ENV: "development" }).production).toBe(false);
  });

  test("defaults", () => {
    expect(loadConfig({})).toEqual({
      production: false,
      port: 4000,
      databaseUrl: undefined,
      datasources: {},
      embeddedPgDir: ".data/postgres",
      embeddedPgPort: 54329,
      seed: true,
      logLevel: "info",
      eventBus: "memory",
      outboxRetentionHours: 168,
      relay: RELAY_OFF,
      graphql: {
        introspection: true,
        graphiql: true,
        csrfPrevention: true,
        batchLimit: 0,
        limits: {},
        allowArbitraryOperations: false,
        maxBodyBytes: 1_048_576,
      },
      rateLimit: 600,
      rateLimitWindowSeconds: 60,
      rateLimitStore: "memory",
      trustProxy: false,
      metrics: { token: undefined, port: undefined },
      tracing: undefined,
      securityProfile: "secure",
      corsOrigins: "*",
      blobStore: { kind: "local", dir: ".data/blobs" },
      blobRedirect: false,
      blobGcIntervalSeconds: 3600,
      blobGcGraceHours: 24,
      lockTtlSeconds: 300,
      commands: { rabbitmq: undefined, nats: undefined, maxAttempts: 5, receiptRetentionSeconds: 86_400 },
      dbPoolSize: 10,
      dbStatementTimeoutMs: 30_000,
      requestTimeoutMs: 60_000,
      webSocketIdleTimeoutMs: 300_000,
      shutdownDelayMs: 0,
      shutdownGraceMs: 10_000,
    });
  });

  test("SHUTDOWN_DELAY_MS and SHUTDOWN_GRACE_MS are whole milliseconds", () => {
    expect(loadConfig({ SHUTDOWN_DELAY_MS: "5000", SHUTDOWN_GRACE_MS: "30000" })).toMatchObject({
      shutdownDelayMs: 5000,
      shutdownGraceMs: 30_000,
    });
    expect(() => loadConfig({ SHUTDOWN_DELAY_MS: "5s" })).toThrow(
      'SHUTDOWN_DELAY_MS must be a whole number, at least 0, got "5s"',
    );
    expect(() => loadConfig({ SHUTDOWN_GRACE_MS: "-1" })).toThrow(
      'SHUTDOWN_GRACE_MS must be a whole number, at least 0, got "-1"',
    );
  });

  test("reads every variable; empty counts as unset", () => {
    const config = loadConfig({
      PORT: "0",
      DATABASE_URL: "postgresql://app:secret@db:5432/app",
      DATASOURCE_ANALYTICS_URL: "postgresql://app:secret@analytics:5432/app",
      EMBEDDED_PG_DIR: "/var/pg",
      EMBEDDED_PG_PORT: "6000",
      SEED: "no",
      LOG_LEVEL: "debug",
      EVENT_BUS: "redis",
      REDIS_URL: "redis://127.0.0.1:6379",
      OUTBOX_RETENTION_HOURS: "24",
      RATE_LIMIT: "100",
      RATE_LIMIT_WINDOW_SECONDS: "10",
      RATE_LIMIT_STORE: "redis",
      TRUST_PROXY: "yes",
      SECURITY_PROFILE: "react_admin",
      CORS_ORIGINS: "https://admin.example, http://localhost:5173",
      BLOB_GC_INTERVAL: "0",
      BLOB_GC_GRACE_HOURS: "2",
      LOCK_TTL_SECONDS: "60",
      DB_POOL_SIZE: "4",
      DB_STATEMENT_TIMEOUT_MS: "0",
      REQUEST_TIMEOUT_MS: "2500",
      WS_IDLE_TIMEOUT_MS: "300",
      GRAPHQL_MAX_BODY_BYTES: "4096",
      SHUTDOWN_DELAY_MS: "2000",
      SHUTDOWN_GRACE_MS: "5000",
    });
    expect(config).toEqual({
      production: false,
      port: 0,
      databaseUrl: "postgresql://app:secret@db:5432/app",
      datasources: { analytics: "postgresql://app:secret@analytics:5432/app" },
      embeddedPgDir: "/var/pg",
      embeddedPgPort: 6000,
      seed: false,
      logLevel: "debug",
      eventBus: "redis",
      redisUrl: "redis://127.0.0.1:6379",
      outboxRetentionHours: 24,
      relay: RELAY_OFF,
      graphql: {
        introspection: true,
        graphiql: true,
        csrfPrevention: true,
        batchLimit: 0,
        limits: {},
        allowArbitraryOperations: false,
        maxBodyBytes: 4096,
      },
      rateLimit: 100,
      rateLimitWindowSeconds: 10,
      rateLimitStore: "redis",
      trustProxy: true,
      metrics: { token: undefined, port: undefined },
      tracing: undefined,
      securityProfile: "react_admin",
      corsOrigins: ["https://admin.example", "http://localhost:5173"],
      blobStore: { kind: "local", dir: ".data/blobs" },
      blobRedirect: false,
      blobGcIntervalSeconds: 0,
      blobGcGraceHours: 2,
      lockTtlSeconds: 60,
      commands: { rabbitmq: undefined, nats: undefined, maxAttempts: 5, receiptRetentionSeconds: 86_400 },
      dbPoolSize: 4,
      dbStatementTimeoutMs: 0,
      requestTimeoutMs: 2500,
      webSocketIdleTimeoutMs: 300,
      shutdownDelayMs: 2000,
      shutdownGraceMs: 5000,
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(loadConfig({}).corsOrigins).toBe("*");
    for (const bad of ["https://admin.example/", "admin.example", "https://a.example/path", " , "]) {
      expect(() => loadConfig({ CORS_ORIGINS: bad }), bad).toThrow(/CORS_ORIGINS must be/);
    }
    expect(loadConfig({ PORT: "", SEED: " " })).toMatchObject({ port: 4000, seed: true });
  });

  test("a bad value is an error naming the variable, the expectation and the value", () => {
    expect(() => loadConfig({ PORT: "http" })).toThrow('PORT must be an integer from 0 to 65535, got "http"');
    expect(() => loadConfig({ DB_POOL_SIZE: "0" })).toThrow(
      'DB_POOL_SIZE must be a whole number of connections from 1 to 1000, got "0"',
    );
    expect(() => loadConfig({ DB_POOL_SIZE: "5000" })).toThrow("DB_POOL_SIZE must be a whole number of connections");
    expect(() => loadConfig({ EMBEDDED_PG_PORT: "0" })).toThrow("EMBEDDED_PG_PORT must be an integer from 1 to 65535");
    expect(() => loadConfig({ SEED: "maybe" })).toThrow("SEED must be true or false");
    expect(() => loadConfig({ EVENT_BUS: "kafka" })).toThrow(
      'EVENT_BUS must be memory, postgres or redis, got "kafka"',
    );
    expect(() => loadConfig({ EVENT_BUS: "redis" })).toThrow(
      "EVENT_BUS must be memory or postgres unless REDIS_URL is set",
    );
    expect(() => loadConfig({ REDIS_URL: "http://x" })).toThrow("REDIS_URL must be a redis:// URL");
    expect(() => loadConfig({ OUTBOX_RETENTION_HOURS: "1.5" })).toThrow(
      'OUTBOX_RETENTION_HOURS must be a whole number of hours (0: keep events forever), got "1.5"',
    );
    // 0: the outbox is a replayable log (docs/guides/replay.md).
    expect(loadConfig({ OUTBOX_RETENTION_HOURS: "0" }).outboxRetentionHours).toBe(0);
    for (const bad of ["0", "86401", "1.5", "5m"])
      expect(() => loadConfig({ LOCK_TTL_SECONDS: bad }), bad).toThrow(
        `LOCK_TTL_SECONDS must be a whole number of seconds from 1 to 86400, got "${bad}"`,
      );
    for (const name of ["DB_STATEMENT_TIMEOUT_MS", "REQUEST_TIMEOUT_MS", "WS_IDLE_TIMEOUT_MS"])
      for (const bad of ["-1", "1.5", "30s", "2147483648"])
        expect(() => loadConfig({ [name]: bad }), `${name}=${bad}`).toThrow(
          `${name} must be a whole number of milliseconds from 0 (off) to 2147483647, got "${bad}"`,
        );
    for (const bad of ["0", "1MiB", "-5"])
      expect(() => loadConfig({ GRAPHQL_MAX_BODY_BYTES: bad }), bad).toThrow(
        `GRAPHQL_MAX_BODY_BYTES must be a whole number of bytes, at least 1, got "${bad}"`,
      );
    expect(() => loadConfig({ SECURITY_PROFILE: "strict" })).toThrow(
      'SECURITY_PROFILE must be secure, react_admin or legacy, got "strict"',
    );
    expect(() => loadConfig({ LOG_LEVEL: "verbose" })).toThrow(
      'LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, got "verbose"',
    );
  });

  test("lists every problem at once and hides a URL's password", () => {
    let error: unknown;
    try {
      loadConfig({ PORT: "-1", DATABASE_URL: "mysql://root:hunter2@db/app" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems).toEqual([
      'DATABASE_URL must be a postgresql:// URL, got "mysql://root:***@db/app"',
      'PORT must be an integer from 0 to 65535, got "-1"',
    ]);
    expect(message).not.toContain("hunter2");
  });
});

describe("read replica", () => {
  const primary = "postgresql://app:secret@db:5432/app";
  test("DATABASE_READ_URL and READ_REPLICA_MAX_LAG_MS are read with DATABASE_URL", () => {
    expect(
      loadConfig({
        DATABASE_URL: primary,
        DATABASE_READ_URL: "postgres://app:secret@replica:5432/app",
        READ_REPLICA_MAX_LAG_MS: "2500",
      }),
    ).toMatchObject({ databaseReadUrl: "postgres://app:secret@replica:5432/app", readReplicaMaxLagMs: 2500 });
    expect(loadConfig({ DATABASE_URL: primary })).toMatchObject({
      databaseReadUrl: undefined,
      readReplicaMaxLagMs: undefined,
    });
  });

  test("a read URL needs a postgresql:// URL and DATABASE_URL; a lag limit needs the read URL", () => {
    expect(() => loadConfig({ DATABASE_URL: primary, DATABASE_READ_URL: "mysql://root:hunter2@db/app" })).toThrow(
      'DATABASE_READ_URL must be a postgresql:// URL, got "mysql://root:***@db/app"',
    );
    expect(() => loadConfig({ DATABASE_READ_URL: "postgresql://app:hunter2@replica/app" })).toThrow(
      'DATABASE_READ_URL must be unset unless DATABASE_URL is set (it names a replica of DATABASE_URL), got "postgresql://app:***@replica/app"',
    );
    for (const bad of ["0", "1.5", "5s", "-3"])
      expect(
        () => loadConfig({ DATABASE_URL: primary, DATABASE_READ_URL: primary, READ_REPLICA_MAX_LAG_MS: bad }),
        bad,
      ).toThrow(`READ_REPLICA_MAX_LAG_MS must be a whole number of milliseconds, at least 1, got "${bad}"`);
    expect(() => loadConfig({ DATABASE_URL: primary, READ_REPLICA_MAX_LAG_MS: "1000" })).toThrow(
      'READ_REPLICA_MAX_LAG_MS must be unset unless DATABASE_READ_URL is set, got "1000"',
    );
  });
});

describe("CURSOR_SECRET", () => {
  test("is passed through, and refused when too short without echoing it", () => {
    expect(loadConfig({ CURSOR_SECRET: "0123456789abcdef" }).cursorSecret).toBe("0123456789abcdef");
    expect(loadConfig({}).cursorSecret).toBeUndefined();
    expect(() => loadConfig({ CURSOR_SECRET: "short-secret" })).toThrow(
      /CURSOR_SECRET must be at least 16 characters, got "\(hidden\)"/,
    );
  });
});

describe("loadConfig: credentials", () => {
  test("JWT, API keys and the development actor", () => {
    const secret = "s".repeat(32);
    expect(
      loadConfig({
        JWT_SECRET: secret,
        JWT_ISSUER: "me",
        API_KEYS_FILE: "/etc/keys.json",
        DEV_ACTOR: "7:admin,editor",
      }),
    ).toMatchObject({
      jwt: { secret, issuer: "me" },
      apiKeysFile: "/etc/keys.json",
      devActor: "7:admin,editor",
    });
    expect(loadConfig({ JWT_JWKS_FILE: "/etc/jwks.json" }).jwt).toEqual({
      jwksFile: "/etc/jwks.json",
      requireExpiry: false,
    });
    expect(loadConfig({}).jwt).toBeUndefined();
    expect(() => loadConfig({ JWT_SECRET: "short" })).toThrow("JWT_SECRET must be at least 32 characters");
    expect(() => loadConfig({ JWT_SECRET: secret, JWT_JWKS_FILE: "/x" })).toThrow("JWT_SECRET must be set alone");
    expect(() => loadConfig({ DEV_ACTOR: "a b" })).toThrow("DEV_ACTOR must be <id> or <id>:<role>,<role>");
    expect(loadConfig({ DEV_ACTOR: "25:customer@acme" }).devActor).toBe("25:customer@acme");
    expect(() => loadConfig({ DEV_ACTOR: "25:customer@" })).toThrow(
      "DEV_ACTOR must be <id> or <id>:<role>,<role>, optionally followed by @<tenant>",
    );
    expect(loadConfig({ JWT_SECRET: secret, JWT_TENANT_CLAIM: "org" }).jwt).toEqual({
      secret,
      tenantClaim: "org",
      requireExpiry: false,
    });
  });
});

describe("blob store settings", () => {
  const s3 = {
    BLOB_STORE: "s3",
    S3_ENDPOINT: "http://127.0.0.1:7480",
    S3_BUCKET: "autograph-blobs",
    S3_ACCESS_KEY: "access",
    S3_SECRET_KEY: "secret",
  };

  test("BLOB_STORE=local keeps files under BLOB_DIR; BLOB_REDIRECT is a flag", () => {
    expect(loadConfig({ BLOB_DIR: "/var/blobs", BLOB_REDIRECT: "true" })).toMatchObject({
      blobStore: { kind: "local", dir: "/var/blobs" },
      blobRedirect: true,
    });
    expect(() => loadConfig({ BLOB_REDIRECT: "sometimes" })).toThrow("BLOB_REDIRECT must be true or false");
  });

  test("BLOB_STORE=s3 reads the endpoint URL, bucket, keys and region", () => {
    expect(loadConfig(s3).blobStore).toEqual({
      kind: "s3",
      endPoint: "127.0.0.1",
      port: 7480,
      useSSL: false,
      bucket: "autograph-blobs",
      accessKey: "access",
      secretKey: "secret",
      region: "us-east-1",
    });
    expect(
      loadConfig({ ...s3, S3_ENDPOINT: "https://s3.eu-west-3.amazonaws.com", S3_REGION: "eu-west-3" }).blobStore,
    ).toMatchObject({ endPoint: "s3.eu-west-3.amazonaws.com", port: 443, useSSL: true, region: "eu-west-3" });
  });

  test("a missing or bad S3 setting stops the boot naming the variable", () => {
    for (const name of ["S3_ENDPOINT", "S3_BUCKET", "S3_ACCESS_KEY", "S3_SECRET_KEY"] as const) {
      expect(() => loadConfig({ ...s3, [name]: "" }), name).toThrow(`${name} must be set when BLOB_STORE=s3`);
    }
    expect(() => loadConfig({ BLOB_STORE: "gcs" })).toThrow('BLOB_STORE must be local or s3, got "gcs"');
    expect(() => loadConfig({ ...s3, S3_ENDPOINT: "127.0.0.1:7480" })).toThrow("S3_ENDPOINT must be an http://");
    expect(() => loadConfig({ ...s3, S3_ENDPOINT: "http://h/bucket" })).toThrow("S3_ENDPOINT must be an http://");
    expect(() => loadConfig({ ...s3, S3_BUCKET: "My_Bucket" })).toThrow("S3_BUCKET must be a bucket name");
    // Without BLOB_STORE=s3 the S3 variables are not required.
    expect(loadConfig({ S3_BUCKET: "x" }).blobStore.kind).toBe("local");
  });
});

describe("metrics and tracing", () => {
  test("METRICS_TOKEN, METRICS_PORT and the OTLP endpoint are read and checked", () => {
    const defaults = loadConfig({});
    expect(defaults.metrics).toEqual({ token: undefined, port: undefined });
    expect(defaults.tracing).toBeUndefined();
    const set = loadConfig({
      METRICS_TOKEN: "t".repeat(16),
      METRICS_PORT: "9464",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/",
    });
    expect(set.metrics).toEqual({ token: "t".repeat(16), port: 9464 });
    expect(set.tracing).toEqual({ endpoint: "http://collector:4318", serviceName: "autograph" });
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://c.example", OTEL_SERVICE_NAME: "blog" }).tracing?.serviceName,
    ).toBe("blog");
  });

  test("bad values name their variable and never echo the token", () => {
    let problems: readonly string[] = [];
    try {
      loadConfig({
        METRICS_TOKEN: "short-secret",
        METRICS_PORT: "4000",
        OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318",
      });
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems).toEqual([
      'METRICS_TOKEN must be at least 16 characters, got "(hidden)"',
      'METRICS_PORT must be another port than PORT, got "4000"',
      'OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL, got "collector:4318"',
    ]);
    expect(() => loadConfig({ METRICS_PORT: "http" })).toThrow(/METRICS_PORT must be an integer from 0 to 65535/);
  });

  test("MQ_URL and NATS_URL turn on broker commands, with names, attempts and retention", () => {
    const config = loadConfig({
      MQ_URL: "amqp://guest:secret@127.0.0.1:5672",
      NATS_URL: "nats://127.0.0.1:4222,nats://127.0.0.1:4223",
      COMMANDS_QUEUE: "app.commands",
      COMMANDS_STREAM: "APP_COMMANDS",
      COMMANDS_SUBJECT: "app.commands",
      COMMANDS_DURABLE: "app",
      COMMANDS_PREFETCH: "32",
      COMMANDS_MAX_ATTEMPTS: "3",
      COMMAND_RECEIPT_RETENTION_SECONDS: "3600",
    });
    expect(config.commands).toEqual({
      rabbitmq: { url: "amqp://guest:secret@127.0.0.1:5672", queue: "app.commands", prefetch: 32 },
      nats: {
        url: "nats://127.0.0.1:4222,nats://127.0.0.1:4223",
        stream: "APP_COMMANDS",
        subject: "app.commands",
        durable: "app",
        prefetch: 32,
      },
      maxAttempts: 3,
      receiptRetentionSeconds: 3600,
    });
    expect(() => loadConfig({ MQ_URL: "http://user:pw@host" })).toThrow(
      'MQ_URL must be an amqp:// or amqps:// URL, got "http://user:***@host"',
    );
    expect(() => loadConfig({ NATS_URL: "localhost:4222" })).toThrow("NATS_URL must be nats:// URLs, comma-separated");
    expect(() => loadConfig({ NATS_URL: "nats://a:4222", COMMANDS_SUBJECT: "a.>" })).toThrow(
      "COMMANDS_SUBJECT must be a subject without wildcards",
    );
    // A relay-only instance: the broker URL is set, commands stay off.
    const relayOnly = loadConfig({
      MQ_URL: "amqp://127.0.0.1:5672",
      NATS_URL: "nats://127.0.0.1:4222",
      COMMANDS: "off",
    });
    expect([relayOnly.commands.rabbitmq, relayOnly.commands.nats]).toEqual([undefined, undefined]);
    expect(loadConfig({ MQ_URL: "amqp://127.0.0.1:5672", COMMANDS: "on" }).commands.rabbitmq).toBeDefined();
    expect(() => loadConfig({ COMMANDS: "yes" })).toThrow('COMMANDS must be on or off, got "yes"');
    for (const bad of ["0", "101", "x"])
      expect(() => loadConfig({ COMMANDS_MAX_ATTEMPTS: bad }), bad).toThrow(
        `COMMANDS_MAX_ATTEMPTS must be a whole number of attempts from 1 to 100, got "${bad}"`,
      );
  });
});
