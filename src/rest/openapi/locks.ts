/**
 * Record locks in the document (rest-dialect.md §24): per resource `/{resource}/locks` and
 * `/{resource}/{id}/lock`, placed after the resource's member path, and the shared `RecordLock` schema.
 */
import type { ResolvedResource, ResolvedSchema } from "../../metadata/resolved.ts";
import { MAX_LOCK_TTL_SECONDS } from "../../runtime/locks.ts";
import { errorResponses, type Json, jsonContent, operation, recordResponse, ref } from "./builders.ts";
import { idParameter } from "./parameters.ts";

/** The answer of every lock route when the Prisma schema has no RecordLock model. */
const OFF: Json = {
  "501": {
    description: "Record locks are off: the Prisma schema has no RecordLock model (the message says how to add it).",
    content: jsonContent(ref("Error")),
  },
};

/** `all` with each resource's lock paths after its member path, in the same order otherwise. */
export function withLockPaths(schema: ResolvedSchema, all: Json): Json {
  const byMember = new Map(schema.resources.map((r) => [`/${r.names.path}/{id}`, r]));
  const out: Json = {};
  for (const [path, item] of Object.entries(all)) {
    out[path] = item;
    const resource = byMember.get(path);
    if (resource) Object.assign(out, lockPaths(resource));
  }
  return out;
}

/** The components with the `RecordLock` schema among the schemas, which stay sorted by name. */
export function withLockSchema(components: Json): Json {
  const schemas: Record<string, Json> = { ...(components.schemas as Record<string, Json>), RecordLock: lockSchema() };
  const sorted = Object.fromEntries(
    Object.keys(schemas)
      .sort()
      .map((k) => [k, schemas[k]]),
  );
  return { ...components, schemas: sorted };
}

function lockPaths(resource: ResolvedResource): Json {
  const type = resource.names.type;
  const tags = [resource.names.path];
  const lock = recordResponse("RecordLock", `The lock.`);
  return {
    [`/${resource.names.path}/locks`]: {
      get: operation({
        id: `list${type}Locks`,
        tags,
        summary: `The live locks of the ${resource.plural} you can read, oldest first`,
        description: `Mounted before the member routes: "locks" is never an id. Content-Range is locks 0-<n-1>/<n>.`,
        responses: {
          "200": {
            description: "The locks.",
            headers: {
              "Content-Range": { $ref: "#/components/headers/ContentRange" },
              "X-Total-Count": { $ref: "#/components/headers/XTotalCount" },
            },
            content: jsonContent({ type: "array", items: ref("RecordLock") }),
          },
          ...errorResponses("400"),
          ...OFF,
        },
      }),
    },
    [`/${resource.names.path}/{id}/lock`]: {
      parameters: [idParameter(resource)],
      get: operation({
        id: `get${type}Lock`,
        tags,
        summary: `The live lock of a ${resource.name}`,
        description: "404 when the record has none (or the record does not exist for you).",
        responses: { "200": lock, ...errorResponses("400", "404"), ...OFF },
      }),
      post: operation({
        id: `lock${type}`,
        tags,
        summary: `Lock a ${resource.name} for you, or renew your lock`,
        description: `Needs the right to update it; the owner is the signed-in actor (401 when anonymous). Until the lock expires, nobody else may change, delete or lock the ${resource.name} (409 naming the owner and the expiry in details).`,
        requestBody: {
          required: false,
          content: jsonContent({
            type: "object",
            properties: {
              ttlSeconds: {
                type: "integer",
                minimum: 1,
                maximum: MAX_LOCK_TTL_SECONDS,
                description: "How long the lock lasts; default: the server's LOCK_TTL_SECONDS (300).",
              },
            },
            additionalProperties: false,
          }),
        },
        responses: { "200": lock, ...errorResponses("400", "401", "404", "409"), ...OFF },
      }),
      delete: operation({
        id: `unlock${type}`,
        tags,
        summary: `Release your lock of a ${resource.name} (the admin role breaks anyone's)`,
        description: "204 also when there was no lock. 409 when someone else holds it.",
        responses: {
          "204": { description: "Released (or there was none)." },
          ...errorResponses("400", "401", "404", "409"),
          ...OFF,
        },
      }),
    },
  };
}

function lockSchema(): Json {
  return {
    type: "object",
    description:
      "A record lock (react-admin Enterprise's lock, plus its expiry): while it is live, only its holder may change the record.",
    properties: {
      id: { type: "string", format: "uuid", description: "The lock's own id; the same while its holder renews it." },
      resource: { type: "string", description: "The resource's path, e.g. posts." },
      recordId: { type: ["integer", "string"], description: "The locked record's id, typed as in the record." },
      identity: { type: "string", description: "Who holds it: the actor's id." },
      createdAt: { type: "string", format: "date-time" },
      expiresAt: {
        type: "string",
        format: "date-time",
        description: "When it stops holding, unless its holder locks again.",
      },
    },
    required: ["id", "resource", "recordId", "identity", "createdAt", "expiresAt"],
    additionalProperties: false,
  };
}
