/**
 * OpenAPI 3.1 of the REST facade (rest-dialect.md §10), generated from the same resolved metadata the
 * runtime enforces, so the document cannot drift from what the server accepts. Deterministic: the same
 * schema always gives the same document, key for key (schema/openapi.json is committed and diffed).
 * The parts are built in openapi/ (builders.ts the small pieces, paths.ts and components.ts the two
 * halves); this module composes the document and says who may call what.
 */
import type { SecurityProfile } from "../metadata/definition.ts";
import type { ResolvedResource, ResolvedSchema } from "../metadata/resolved.ts";
import { LIST_PARAMS } from "./list-params.ts";
import { BACKUP_TAG, backupPaths } from "./openapi/backup.ts";
import { type Json, responseRef } from "./openapi/builders.ts";
import { components } from "./openapi/components.ts";
import { withLockPaths, withLockSchema } from "./openapi/locks.ts";
import { META_TAG, metaPaths } from "./openapi/meta.ts";
import { paths } from "./openapi/paths.ts";
import { servedPaths } from "./openapi/served.ts";

/** Options of {@link buildOpenApi}. */
export interface OpenApiOptions {
  /** URL the paths are relative to (the REST base path, or an absolute URL). @default "/api" */
  serverUrl?: string;
  /** `info.title`. @default "Autograph REST API" */
  title?: string;
  /** `info.version`. @default "1.0.0" */
  version?: string;
  /** The server's security profile (§22), for what batch deletes answer; a resource's own `security` wins. @default "secure" */
  securityProfile?: SecurityProfile;
}

/**
 * Builds the OpenAPI 3.1 document of the REST facade.
 * @example const doc = buildOpenApi(runtime.schema, { serverUrl: "/api" });
 */
export function buildOpenApi(schema: ResolvedSchema, options: OpenApiOptions = {}): Json {
  return {
    openapi: "3.1.0",
    info: {
      title: options.title ?? "Autograph REST API",
      version: options.version ?? "1.0.0",
      description: `The react-admin (ra-data-simple-rest) dialect plus CRUDCrate query conventions. Reserved list parameters: ${LIST_PARAMS.join(", ")}. The contract is docs/reference/rest-dialect.md.`,
      license: { name: "MIT", identifier: "MIT" },
    },
    servers: [{ url: options.serverUrl ?? "/api" }],
    tags: [
      ...schema.resources.map((r) => ({
        name: r.names.path,
        description:
          r.description ?? `${r.plural.charAt(0).toUpperCase()}${r.plural.slice(1)}: the ${r.name} resource.`,
      })),
      {
        name: "events",
        description: "Change events of every resource as one Server-Sent Events stream (rest-dialect.md §21).",
      },
      BACKUP_TAG,
      META_TAG,
    ],
    paths: withServiceErrors({
      ...withSecurity(schema, {
        ...servedPaths(schema, withLockPaths(schema, paths(schema, options.securityProfile))),
        ...metaPaths(),
      }),
      ...backupPaths(),
    }),
    components: { ...withLockSchema(components(schema, options.securityProfile)), securitySchemes: SECURITY_SCHEMES },
  };
}

/** How clients authenticate (docs/guides/security.md): a bearer JWT or an API key. */
const SECURITY_SCHEMES: Json = {
  bearer: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "A JWT: `sub` is the actor, `roles` its roles, `tenant` its tenant (claim names configurable).",
  },
  apiKey: {
    type: "apiKey",
    in: "header",
    name: "X-API-Key",
    description: "An API key of API_KEYS_FILE (also accepted as `Authorization: ApiKey <key>`).",
  },
};

/** Whether some actor may be refused on this resource: operation rules (its actions' too), tenants, scopes or field access. */
function guarded(resource: ResolvedResource): boolean {
  return Boolean(
    resource.access ||
      resource.tenant ||
      resource.scope ||
      resource.fields.some((f) => f.access) ||
      resource.actions.some((a) => a.access !== undefined),
  );
}

/** An operation of the document, as the passes below change it. */
interface Operation {
  responses: Json;
  security?: unknown;
}

/** Each operation of `all` (the path items' methods; not their shared `parameters`), with its path. */
function* operations(all: Json): Generator<[path: string, operation: Operation]> {
  for (const [path, item] of Object.entries(all))
    for (const operation of Object.values(item as Record<string, Json>))
      if (typeof operation === "object" && operation !== null && "responses" in operation)
        yield [path, operation as unknown as Operation];
}

/**
 * The operations of guarded resources answer 401 and 403 too, and name the ways to authenticate; every
 * other operation is open to anonymous callers and says so (`security: []`).
 */
function withSecurity(schema: ResolvedSchema, all: Json): Json {
  const guardedPaths = schema.resources.filter(guarded).map((r) => `/${r.names.path}`);
  for (const [path, op] of operations(all)) {
    if (guardedPaths.some((own) => path === own || path.startsWith(`${own}/`))) {
      op.responses = { ...op.responses, "401": responseRef("Unauthenticated"), "403": responseRef("Forbidden") };
      op.security = [{ bearer: [] }, { apiKey: [] }];
    } else {
      op.security = [];
    }
  }
  return all;
}

/**
 * Every operation may also be refused by the server as a whole, before or around the resource's rules:
 * 429 over the rate limit, 503 while the database is away or when the work runs out of time. Both carry
 * `Retry-After`.
 */
function withServiceErrors(all: Json): Json {
  for (const [, op] of operations(all))
    op.responses = { ...op.responses, "429": responseRef("TooManyRequests"), "503": responseRef("Unavailable") };
  return all;
}

/**
 * The committed form of the document (schema/openapi.json): 2-space JSON with a final newline. Key order
 * is the builder's, which depends only on the resolved schema, so regenerating an unchanged schema
 * gives the same bytes.
 */
export function openApiText(schema: ResolvedSchema, options: OpenApiOptions = {}): string {
  return `${JSON.stringify(buildOpenApi(schema, options), null, 2)}\n`;
}
