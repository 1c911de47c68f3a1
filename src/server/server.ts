/**
 * Starts Autograph: configuration, database (embedded or DATABASE_URL), runtime, HTTP server; and
 * stops it gracefully (in-flight requests finish, then the database closes).
 */
import { resourceLimits } from "./resource-limits.ts";
import type { BlobStore } from "../storage/blobs/blob-store.ts";
import { createBlobStore } from "../storage/blobs/create-blob-store.ts";
import { blobReferences } from "../storage/blobs/references.ts";
import { createBackup } from "../storage/dump/backup.ts";
import { scheduleBlobGc } from "./blob-gc-schedule.ts";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino, { type Logger } from "pino";
import { type GraphQLExtension, parsePersistedOperations, type WebSocketOptions } from "../graphql/handler.ts";
import type { Datamodel } from "../metadata/datamodel.ts";
import type { AccessSource, ResourceDefinition } from "../metadata/definition.ts";
import { resolveResources } from "../metadata/resolve.ts";
import { createRuntime, type Runtime } from "../runtime/runtime.ts";
import { createEventBus, createEvents, type Events } from "../events/events.ts";
import type { Relay } from "../messaging/relay.ts";
import { Outbox } from "../storage/outbox.ts";
import type { PrismaClientClass, PrismaClientLike } from "../storage/prisma.ts";
import type { ReadReplica } from "../storage/read-replica.ts";
import { checkRequiredModels } from "../storage/required-models.ts";
import { createStore } from "../storage/store.ts";
import { createApp } from "./app.ts";
import type { AuthOptions } from "./auth.ts";
import { actorResolverOf } from "./actor-resolver-config.ts";
import { startCommandConsumers } from "./command-consumers.ts";
import { openAppDatabase } from "./app-database.ts";
import { checkDatasourceUrls, openDatasources } from "./datasources.ts";
import { type Config, loadConfig } from "./config.ts";
import { prepareDatabase, type Seed } from "./database.ts";
import { trackConnections } from "./drain.ts";
import { logFailure } from "./failure-log.ts";
import { startRelays } from "./relays.ts";
import { assertPortFree } from "./port.ts";
import { createRateLimit } from "./rate-limit.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import { METRICS_PATH, metricsListener } from "./metrics-endpoint.ts";
import { logCorrelation } from "./request-scope.ts";
import { createTracing } from "./tracing.ts";

/**
 * Options of {@link startServer}. The first three describe your project: its generated Prisma client, the
 * datamodel of the same schema, and the resources to serve.
 */
export interface StartOptions<P extends PrismaClientLike = PrismaClientLike> {
  /**
   * Your generated `PrismaClient` class (generator `prisma-client`, `engineType = "client"`): Autograph
   * constructs it on its own connection pool with `@prisma/adapter-pg`.
   */
  prismaClient: PrismaClientClass<P>;
  /**
   * The datamodel of the same schema, as Autograph's datamodel generator writes it at `prisma generate`
   * (`generator datamodel { provider = "node node_modules/autograph/scripts/datamodel-generator.mjs" }`).
   * The schema must declare Autograph's own models, Revision, Event, EventCursor and EventDeadLetter
   * (copy them from Autograph's templates/init/prisma/schema.prisma (in the package: node_modules/autograph/templates/init/prisma/schema.prisma)): the boot fails naming any that is missing.
   */
  datamodel: Datamodel;
  /** The resources to serve, each made with `defineResource` (see `createResourceDefiner`). */
  resources: readonly ResourceDefinition[];
  /** Writes initial data at boot when `SEED` is on (`config.seed`). @default none: nothing is seeded */
  seed?: Seed<P>;
  /** Schema-first additions to the GraphQL schema (SDL and resolvers). @default none */
  graphqlExtensions?: GraphQLExtension[];
  /** Limits of GraphQL over WebSocket. @default see WebSocketOptions */
  webSocket?: WebSocketOptions;
  /** Runs before JWT and API keys: an actor answers the request, undefined hands it on (AuthOptions.resolve). @default none */
  resolveActor?: AuthOptions["resolve"];
  /**
   * Where the bytes of file fields live (docs/guides/files.md).
   * @default the store the configuration names (`BLOB_STORE`: local files in `BLOB_DIR`, or S3)
   */
  blobStore?: BlobStore;
  /** @default loadConfig(process.env) */
  config?: Config;
  /**
   * Where the server logs. Give it `mixin: logCorrelation` (exported) so lines logged during a request
   * carry its `requestId`, `traceId` and `spanId`. @default a pino logger at config.logLevel, with that mixin
   */
  logger?: Logger;
}

/** A running server. */
export interface RunningServer {
  /** Where it listens, e.g. `http://localhost:4000`. */
  readonly url: string;
  /** The runtime serving the resources (its services answer every request). */
  readonly runtime: Runtime;
  /** Change events: the outbox dispatcher, the bus, the hub of this instance. */
  readonly events: Events;
  /** The outbox relays to message brokers (`MQ_RELAY_EXCHANGE`, `NATS_RELAY_SUBJECT`); empty by default. */
  readonly relays: readonly Relay[];
  /** The Node.js HTTP server (GraphQL over WebSocket shares its port). */
  readonly server: Server;
  /** The read replica (`DATABASE_READ_URL`): its lag, state and statement counter. Undefined without one. */
  readonly replica: ReadReplica | undefined;
  /**
   * Shuts down gracefully (server/drain.ts): `/readyz` answers 503 at once; after `SHUTDOWN_DELAY_MS`
   * the listener closes and every response says `Connection: close`; in-flight requests finish and idle
   * keep-alive connections close (up to `graceMs`, then the rest are cut); event
   * streams end; then the database closes (and the embedded PostgreSQL stops). Safe to call more than once.
   * @default graceMs config.shutdownGraceMs (`SHUTDOWN_GRACE_MS`, 10 s)
   */
  /**
   * The server's Prometheus metrics (docs/guides/operations.md): register one more series with
   * `metrics.gauge(name, help, collect)`.
   */
  readonly metrics: Metrics;
  /** Where the metrics are scraped (`.../metrics`, on METRICS_PORT when set); undefined when they are not served. */
  readonly metricsUrl: string | undefined;
  close(graceMs?: number): Promise<void>;
}

/**
 * Boots everything: configuration, database (the embedded PostgreSQL unless `DATABASE_URL` is set;
 * migrations applied; seeded when `options.seed` is given and `SEED` is on), runtime, change events and
 * the HTTP server (GraphQL at /graphql, REST at /api). Resolves once the server listens.
 * @example
 * ```ts
 * import { startServer } from "autograph";
 * import { PrismaClient } from "./generated/client.ts";
 * import datamodel from "./generated/datamodel.json" with { type: "json" };
 * import { resources } from "./schema/index.ts";
 *
 * const running = await startServer({ prismaClient: PrismaClient, datamodel, resources });
 * console.log(`serving on ${running.url}`);
 * process.on("SIGTERM", () => running.close());
 * ```
 */
export async function startServer<P extends PrismaClientLike>(options: StartOptions<P>): Promise<RunningServer> {
  const config = options.config ?? loadConfig();
  await assertPortFree(config.port);
  const logger = options.logger ?? pino({ level: config.logLevel, mixin: logCorrelation });
  const metrics = createMetrics();
  const tracing = config.tracing ? createTracing(config.tracing) : undefined;
  // One observer for every layer: the metric callbacks, and the tracer when tracing is on.
  const instrumentation = metrics.instrumentation(tracing?.tracer);
  const { datamodel, prismaClient } = options;
  // Check and resolve first: a schema or definitions Autograph cannot serve fail the boot before anything starts.
  checkRequiredModels(datamodel);
  const schema = resolveResources(options.resources, datamodel, { production: config.production });
  checkDatasourceUrls(schema, config);
  // A resource declaring no `access` is open outside production and locked down in it: say which at every boot.
  const bySource = (source: AccessSource) =>
    schema.resources.filter((r) => r.accessSource === source).map((r) => r.plural);
  const open = bySource("open");
  if (open.length > 0)
    logger.warn(
      { resources: open },
      `resources without access rules are open to every actor, anonymous included, and locked down in production: ${open.join(", ")} (declare \`access\`, or \`access: "public"\`; docs/guides/security.md)`,
    );
  const locked = bySource("locked");
  if (locked.length > 0)
    logger.warn(
      { resources: locked },
      `resources without access rules are locked down (production: signed-in actors read, the admin role writes): ${locked.join(", ")}`,
    );
  // One line per resource with the limits its clients meet.
  for (const resource of schema.resources)
    logger.info(resourceLimits(resource, config.securityProfile), `resource ${resource.plural}: limits`);
  // Read now: a missing or malformed file fails the boot before anything is started.
  const persisted = config.graphql.persistedOperationsFile;
  const persistedOperations =
    persisted === undefined
      ? undefined
      : {
          operations: parsePersistedOperations(
            readFileSync(persisted, "utf8"),
            `GRAPHQL_PERSISTED_OPERATIONS (${persisted})`,
          ),
          allowArbitraryOperations: config.graphql.allowArbitraryOperations,
        };
  const resolveActor = await actorResolverOf(config, options.resolveActor);
  // The other datasources' databases are migrated while the default one is prepared (docs/guides/datasources.md).
  const opening = openDatasources({ schema, config, prismaClient, datamodel, logger, metrics, instrumentation });
  opening.catch(() => {}); // awaited below, after the default database: not an unhandled rejection meanwhile
  const prepared = await prepareDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.embeddedPgDir,
    port: config.embeddedPgPort,
    seed: config.seed,
    ...(options.seed ? { seeder: { run: options.seed, prismaClient, datamodel } } : {}),
    log: (message) => logger.info(message),
    warn: (message) => logger.warn(message),
  }).catch(async (error: unknown) => {
    await opening.then((d) => d.close()).catch(() => {});
    throw error;
  });
  // An embedded PostgreSQL this boot started stops when a datasource cannot be migrated.
  const datasources = await opening.catch(async (error: unknown) => {
    await prepared.close();
    throw error;
  });
  const db = openAppDatabase(prepared.url, { config, prismaClient, datamodel, logger, metrics, instrumentation });
  const blobStore = options.blobStore ?? createBlobStore(config.blobStore);
  const references = blobReferences(schema, datamodel);
  const blobGc = scheduleBlobGc({
    db: db.pool,
    store: blobStore,
    references,
    intervalSeconds: config.blobGcIntervalSeconds,
    graceHours: config.blobGcGraceHours,
    logger,
  });
  const runtime = createRuntime({
    schema,
    store: createStore(db, schema),
    datasources: Object.fromEntries(datasources.databases),
    ...(config.cursorSecret ? { cursorSecret: config.cursorSecret } : {}),
    lockTtlSeconds: config.lockTtlSeconds,
    onError: (err, where) => logFailure(logger, err, `${where.stage} failed`, { ...where }),
    // Expected under load, and the client was told (503 TIMEOUT): a warning naming what was slow, no stack.
    onTimeout: (where) =>
      logger.warn(
        { ...where, statementTimeoutMs: config.dbStatementTimeoutMs },
        `statement timeout: ${where.operation} of ${where.resource} cancelled after ${config.dbStatementTimeoutMs} ms`,
      ),
    instrumentation,
  });
  const outbox = new Outbox(db.prisma, prepared.url);
  const events = createEvents({
    runtime,
    outbox,
    bus: createEventBus({
      kind: config.eventBus,
      databaseUrl: prepared.url,
      redisUrl: config.redisUrl,
      onError: (err) => logger.warn({ err }, "event bus connection trouble"),
    }),
    retentionMs: config.outboxRetentionHours * 3600_000,
    onError: (err, where) => logFailure(logger, err, "events: failure", { where }),
    instrumentation,
  });
  await events.start();
  // Commands over brokers (MQ_URL, NATS_URL): after the runtime, as they write through it.
  const commands = await startCommandConsumers({ config: config.commands, runtime, resolveActor, logger, metrics });
  const relays = startRelays({ config: config.relay, events, outbox, runtime, metrics, logger });
  // The relays begin with the writes committed from here on: their cursors exist before the first request.
  await events.ready();
  // A scrape while the database is away shows NaN rather than failing whole.
  metrics.gauge(
    "autograph_events_outbox_lag",
    "Committed change events not yet published to the bus (newest event id minus the bus cursor).",
    () => events.lag().catch(() => Number.NaN),
  );
  const rateLimit =
    config.rateLimit > 0
      ? createRateLimit({
          limit: config.rateLimit,
          windowSeconds: config.rateLimitWindowSeconds,
          trustProxy: config.trustProxy,
          // Checked by loadConfig: the redis store comes with a REDIS_URL.
          store: config.rateLimitStore === "redis" ? { redisUrl: config.redisUrl ?? "" } : "memory",
          onStoreError: (err, failures) =>
            logger.warn({ err, failures }, "rate limit store unavailable: requests pass uncounted"),
          onRefused: (transport) => metrics.rateLimited(transport),
        })
      : undefined;
  // Metrics on their own port, or on the main one (behind the token if set; not in production without one).
  const metricsOnMainPort =
    config.metrics.port === undefined && (config.metrics.token !== undefined || !config.production);
  const app = createApp({
    metrics,
    metricsEndpoint: metricsOnMainPort ? { token: config.metrics.token } : undefined,
    tracing,
    instrumentation,
    rateLimit,
    runtime,
    resolveActor,
    events,
    logger,
    graphqlExtensions: options.graphqlExtensions ?? [],
    graphiql: config.graphql.graphiql,
    graphqlHardening: {
      introspection: config.graphql.introspection,
      csrfPrevention: config.graphql.csrfPrevention,
      limits: config.graphql.limits,
      ...(persistedOperations ? { persistedOperations } : {}),
    },
    graphqlBatchLimit: config.graphql.batchLimit,
    graphqlMaxBodyBytes: config.graphql.maxBodyBytes,
    requestTimeoutMs: config.requestTimeoutMs,
    securityProfile: config.securityProfile,
    corsOrigin: config.corsOrigins === "*" ? "*" : [...config.corsOrigins],
    webSocket: { idleTimeoutMs: config.webSocketIdleTimeoutMs, ...options.webSocket },
    // Draining: a load balancer must stop sending at once, whatever the database says.
    ready: async () =>
      !drain.draining && (await db.pool.query("select 1")).rowCount === 1 && (await datasources.ready()),
    blobStore,
    blobRedirect: config.blobRedirect,
    backup: createBackup({ url: prepared.url, datamodel, blobs: { store: blobStore, references } }),
  });
  const server = createServer({
    // A client has this long to send its request's headers (slowloris), then gets 408.
    headersTimeout: HEADERS_TIMEOUT_MS,
    // And this long for the whole request, body included: uploads up to the file fields' limits on slow links.
    requestTimeout: REQUEST_RECEIVE_TIMEOUT_MS,
    // How often Node looks for connections past those timeouts (30 s by default, longer than the first).
    connectionsCheckingInterval: 1_000,
  });
  const drain = trackConnections(server);
  server.on("request", drain.listener(app.requestListener));
  // GraphQL subscriptions over WebSocket share the port and the /graphql path.
  const sockets = app.serveWebSockets(server);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, "0.0.0.0", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://localhost:${port}`;
  let metricsServer: Server | undefined;
  let metricsUrl = metricsOnMainPort ? `${url}${METRICS_PATH}` : undefined;
  if (config.metrics.port !== undefined) {
    const listening = createServer(metricsListener(metrics, config.metrics.token));
    metricsServer = listening;
    await new Promise<void>((resolve, reject) => {
      listening.once("error", reject);
      listening.listen(config.metrics.port, "0.0.0.0", () => resolve());
    });
    metricsUrl = `http://localhost:${(listening.address() as AddressInfo).port}${METRICS_PATH}`;
  }
  if (metricsUrl === undefined)
    logger.info(
      "metrics are not served in production without protection: set METRICS_TOKEN (scrapers send it as a Bearer token) or METRICS_PORT (a port of their own) to serve GET /metrics",
    );
  else logger.info({ metrics: metricsUrl, protected: config.metrics.token !== undefined }, "metrics are served");
  if (tracing) logger.info({ endpoint: config.tracing?.endpoint }, "tracing: spans are exported over OTLP/HTTP");
  logger.info(
    { url, graphql: `${url}/graphql`, rest: `${url}/api`, docs: `${url}/api/docs` },
    "Autograph is listening",
  );

  let closing: Promise<void> | undefined;
  return {
    url,
    runtime,
    events,
    relays,
    server,
    replica: db.replica,
    metrics,
    metricsUrl,
    close(graceMs = config.shutdownGraceMs) {
      closing ??= (async () => {
        logger.info({ delayMs: config.shutdownDelayMs, graceMs }, "shutting down: draining connections");
        const drained = drain.close({ delayMs: config.shutdownDelayMs, graceMs });
        // Subscriptions would hold their connections open: end the SSE streams, close the sockets (1001).
        app.endSubscriptions();
        // Open event streams (REST SSE, GraphQL subscriptions) end now, so their connections can close.
        events.hub.end();
        const socketsClosed = sockets.close(graceMs);
        await Promise.all([drained, socketsClosed]);
        // Each step runs even if one before failed: the embedded PostgreSQL must stop in any case.
        const steps: [string, () => Promise<unknown> | undefined][] = [
          ["broker commands", () => commands.close()],
          ["events", () => events.close()],
          ["relays", () => Promise.all(relays.map((relay) => relay.close()))],
          ["blob garbage collection", () => blobGc.stop()],
          ["blob store", () => blobStore.close?.()],
          ["database pool", () => db.close()],
          ["datasource pools", () => datasources.close()],
          ["rate limit store", () => rateLimit?.close()],
          ["database", () => prepared.close()],
          [
            "metrics server",
            () => {
              metricsServer?.closeAllConnections();
              return new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
            },
          ],
          // Last: the spans of the shutdown's own statements are exported too.
          ["tracing", () => tracing?.close()],
        ];
        let failed: unknown;
        for (const [name, step] of steps) {
          try {
            await step();
          } catch (error) {
            logger.error({ err: error }, `shutdown: closing the ${name} failed`);
            failed ??= error;
          }
        }
        logger.info("stopped");
        if (failed !== undefined) throw failed;
      })();
      return closing;
    },
  };
}

/** How long a client has to send a request's headers before it gets 408 (Node's default is 60 s). */
const HEADERS_TIMEOUT_MS = 15_000;
/** How long a client has to send a whole request, body included, before it gets 408 (Node's default). */
const REQUEST_RECEIVE_TIMEOUT_MS = 300_000;
