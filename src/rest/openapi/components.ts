/**
 * The components of the document: the schemas of every resource (records, inputs, aggregates, batches,
 * revisions) and the shared ones, sorted by name; the error responses; the list headers.
 */
import type { SecurityProfile, ServedOperation } from "../../metadata/definition.ts";
import type { ResolvedSchema } from "../../metadata/resolved.ts";
import { ERROR_STATUS } from "../../runtime/errors.ts";
import { aggregateSchemas } from "./aggregate.ts";
import { batchErrorSchemas, batchSchemas } from "./batch.ts";
import { type Json, jsonContent, ref } from "./builders.ts";
import { changeEventSchema } from "./events.ts";
import { revisionDiffSchema, revisionSchemas } from "./lifecycle.ts";
import { inputSchema, recordSchema, schemaNames } from "./schemas.ts";

/** The components of the document, but for the security schemes. */
export function components(schema: ResolvedSchema, profile: SecurityProfile | undefined): Json {
  const schemas: Record<string, Json> = {};
  for (const e of schema.enums) schemas[e.name] = { type: "string", enum: [...e.values] };
  for (const resource of schema.resources) {
    const n = schemaNames(resource);
    schemas[n.one] = recordSchema(schema, resource, "one");
    if (n.listItem !== n.one) schemas[n.listItem] = recordSchema(schema, resource, "list");
    // Only the schemas a served operation takes or gives (§26).
    const serves = (...ops: ServedOperation[]) => ops.some((op) => resource.operations.has(op));
    if (serves("create")) schemas[n.create] = inputSchema(schema, resource, "create");
    if (serves("update")) schemas[n.update] = inputSchema(schema, resource, "update");
    if (serves("list")) Object.assign(schemas, aggregateSchemas(resource));
    if (serves("create", "update", "delete")) Object.assign(schemas, batchSchemas(schema, resource, profile));
    if (serves("get")) Object.assign(schemas, revisionSchemas(resource));
  }
  schemas.ChangeEvent = changeEventSchema();
  Object.assign(schemas, batchErrorSchemas());
  schemas.RevisionDiff = revisionDiffSchema();
  schemas.HavingCondition = {
    type: "object",
    description:
      "A condition on a group of an aggregate: count, or a function of a field declared for it, compared with a value.",
    properties: {
      fn: { type: "string", enum: ["count", "sum", "avg", "min", "max"] },
      field: { type: "string", description: "The field of sum/avg/min/max; not used by count." },
      op: { type: "string", enum: ["eq", "ne", "gt", "gte", "lt", "lte"] },
      value: { description: "A number (count, sum, avg) or a value of the field (min, max)." },
    },
    required: ["fn", "op", "value"],
    additionalProperties: false,
  };
  schemas.Error = {
    type: "object",
    description: "Every error response. react-admin forms show `errors` next to the fields they name.",
    properties: {
      message: { type: "string", description: "What was expected and what arrived." },
      code: { type: "string", enum: Object.keys(ERROR_STATUS) },
      errors: {
        type: "object",
        additionalProperties: { type: "string" },
        description: "Per-field messages, when the error is about fields.",
      },
      details: { type: "object", additionalProperties: true },
    },
    required: ["message", "code"],
  };
  const sorted = Object.fromEntries(
    Object.keys(schemas)
      .sort()
      .map((k) => [k, schemas[k]]),
  );
  const error = (description: string): Json => ({ description, content: jsonContent(ref("Error")) });
  return {
    schemas: sorted,
    responses: {
      BadRequest: error(
        "Malformed or not allowed: unknown parameter, field or operator, bad JSON, bad id, limit exceeded.",
      ),
      NotFound: error("No record with this id (or none the actor may see: another tenant's, out of scope)."),
      Unauthenticated: error(
        "No credentials, but the operation needs a signed-in actor; or the credentials do not verify (the message says why).",
      ),
      Forbidden: error("The actor's roles do not allow the operation, or a field it may not write was sent."),
      Conflict: error("A unique field is taken (errors names it), or other records still refer to this one."),
      PayloadTooLarge: error(
        "The request body is larger than the limit, or a batch has more items than the resource's maxBatchSize.",
      ),
      PreconditionFailed: error(
        "If-Match names a version the record has moved on from; details.currentVersion is the current one.",
      ),
      BatchFailed: {
        description: "The batch failed; failed names the items (see BatchError).",
        content: jsonContent(ref("BatchError")),
      },
      ValidationFailed: error("Field values are invalid; errors maps each field to its message."),
      TooManyRequests: {
        ...error(
          "Over the rate limit (code RATE_LIMITED): at most RATE_LIMIT requests per window, per client; nothing was done.",
        ),
        headers: { "Retry-After": { $ref: "#/components/headers/RetryAfter" } },
      },
      Unavailable: {
        ...error(
          "The database cannot be reached for now (code UNAVAILABLE: restarting, failing over, out of connections), or the work ran out of time (code TIMEOUT). A write that answered this was not committed; send it again after Retry-After.",
        ),
        headers: { "Retry-After": { $ref: "#/components/headers/RetryAfter" } },
      },
    },
    headers: {
      ContentRange: {
        description:
          "`<resource> <first>-<last>/<total>`, or `<resource> */<total>` for an empty page and for every cursor page (whose offset is unknown).",
        schema: { type: "string" },
        example: "posts 0-24/319",
      },
      XTotalCount: { description: "Number of records matching the filter.", schema: { type: "integer" } },
      RetryAfter: { description: "Seconds to wait before sending the request again.", schema: { type: "integer" } },
      Link: {
        description:
          "With page/per_page, cursor or before: first, prev, next and last page URLs (RFC 8288). Cursor pages link with cursor= (forward) and before= (backward).",
        schema: { type: "string" },
      },
    },
  };
}
