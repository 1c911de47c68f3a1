/**
 * `GET /_meta` in the document: the schema description of the requesting actor (docs/reference/meta.md),
 * its JSON Schema inline (it is the same for every resource set), its ETag and 304.
 */
import { DESCRIBED_OPERATIONS } from "../../runtime/describe.ts";
import { OPERATORS, AGGREGATES } from "../../metadata/definition.ts";
import { errorResponses, type Json, jsonContent, operation, parameter } from "./builders.ts";

/** The tag of the API's own routes. */
export const META_TAG: Json = {
  name: "meta",
  description: "What the requesting actor may do with each resource, for clients that build screens at run time.",
};

const string: Json = { type: "string" };
const boolean: Json = { type: "boolean" };
const integer: Json = { type: "integer", minimum: 0 };
const strings: Json = { type: "array", items: string };
const nullable = (schema: Json): Json => ({ anyOf: [schema, { type: "null" }] });
const views = (a: string, b: string): Json => object({ [a]: boolean, [b]: boolean });
/** A closed object whose every property is required but those listed as optional. */
function object(properties: Json, optional: readonly string[] = []): Json {
  const required = Object.keys(properties).filter((k) => !optional.includes(k));
  return { type: "object", required, properties, additionalProperties: false };
}

const grant: Json = {
  description: 'true, or "conditional" when a rule decides per record or input (the server may answer 403).',
  anyOf: [{ const: true }, { const: "conditional" }],
};

const validation = object(
  {
    required: { const: true },
    minLength: integer,
    maxLength: integer,
    pattern: object({ source: string, flags: string }),
    min: { type: ["number", "string"], description: "A number, or an ISO 8601 instant on date-time fields." },
    max: { type: ["number", "string"], description: "A number, or an ISO 8601 instant on date-time fields." },
    email: { const: true },
    url: { const: true },
    oneOf: { type: "array" },
    messages: { type: "object", additionalProperties: string, description: "The author's message, by rule." },
  },
  ["required", "minLength", "maxLength", "pattern", "min", "max", "email", "url", "oneOf", "messages"],
);

const field = object(
  {
    name: string,
    label: string,
    type: {
      type: "string",
      enum: ["string", "uuid", "integer", "bigint", "float", "decimal", "boolean", "datetime", "enum", "json", "file"],
    },
    list: boolean,
    nullable: boolean,
    required: boolean,
    readOnly: boolean,
    unique: boolean,
    readable: views("one", "list"),
    writable: views("create", "update"),
    filter: { type: "array", items: { type: "string", enum: [...OPERATORS] } },
    sortable: boolean,
    searchable: boolean,
    aggregates: { type: "array", items: { type: "string", enum: [...AGGREGATES] } },
    groupable: boolean,
    enum: object({ name: string, values: strings }),
    default: { description: "What a create gets when it sends none." },
    description: string,
    validation,
    blob: object({ maxBytes: { type: "integer", minimum: 1 }, contentTypes: strings, path: string }),
  },
  ["enum", "default", "description", "validation", "blob"],
);

const relation = object(
  {
    name: string,
    label: string,
    kind: { type: "string", enum: ["belongsTo", "hasMany", "manyToMany"] },
    target: object({ name: string, path: string }),
    localField: string,
    required: boolean,
    foreignField: string,
    through: string,
    embed: views("one", "list"),
    filterable: boolean,
    sortable: boolean,
    description: string,
  },
  ["localField", "required", "foreignField", "through", "description"],
);

const features = object({
  softDelete: nullable(object({ field: nullable(string), by: nullable(string) })),
  revisions: nullable(object({ draft: boolean })),
  concurrency: nullable(object({ field: nullable(string), required: boolean })),
  events: nullable(object({ path: string })),
  search: nullable(object({ param: { const: "q" }, fields: strings })),
  tenant: nullable(object({ field: nullable(string) })),
  audit: nullable(
    object({ createdAt: string, createdBy: string, updatedAt: string, updatedBy: string }, [
      "createdAt",
      "createdBy",
      "updatedAt",
      "updatedBy",
    ]),
  ),
  files: strings,
  locks: boolean,
});

const action = object(
  {
    name: string,
    description: string,
    record: boolean,
    kind: { type: "string", enum: ["mutation", "query"] },
    graphqlField: string,
    url: string,
    input: { type: "object", description: "The JSON Schema of the input (the REST body)." },
    output: {
      description: '"record" (the record read back), or the JSON Schema of the answer.',
      anyOf: [{ const: "record" }, { type: "object" }],
    },
    grant,
  },
  ["description"],
);

const resource = object(
  {
    name: string,
    plural: string,
    path: string,
    url: string,
    graphqlType: string,
    label: object({ singular: string, plural: string }),
    description: string,
    id: object({
      field: string,
      type: string,
      generated: { type: "string", enum: ["database", "uuid", "server"] },
    }),
    defaultSort: object({ field: string, order: { type: "string", enum: ["ASC", "DESC"] } }),
    pageSize: object({ default: integer, max: integer }),
    maxBatchSize: integer,
    operations: {
      type: "object",
      description: "The operations the actor may perform; the others are absent.",
      properties: Object.fromEntries(DESCRIBED_OPERATIONS.map((op) => [op, grant])),
      additionalProperties: false,
    },
    features,
    fields: { type: "array", items: field },
    relations: { type: "array", items: relation },
    actions: { type: "array", items: action },
  },
  ["description"],
);

const description = object({
  version: { const: 1 },
  actor: object({
    id: { type: ["string", "integer", "null"] },
    roles: strings,
    tenant: { type: ["string", "integer", "null"] },
    admin: boolean,
    authenticated: boolean,
  }),
  endpoints: object({ rest: string, openapi: string, docs: string, events: nullable(string) }),
  resources: { type: "array", items: resource },
});

/** The path item of `GET /_meta`. */
export function metaPaths(): Json {
  return {
    "/_meta": {
      get: operation({
        id: "describeSchema",
        tags: ["meta"],
        summary: "What the requesting actor may do with each resource: operations, fields, relations, features",
        description:
          "Derived from the resource definitions and access rules, for the actor of the request: operations, fields and relations they may not use, and resources they may do nothing with, are absent. The contract is docs/reference/meta.md.",
        parameters: [
          parameter("header", "If-None-Match", "The ETag of a description already held.", { schema: string }),
        ],
        responses: {
          "200": {
            description: "The description, with its ETag.",
            headers: { ETag: { schema: string } },
            content: jsonContent(description),
          },
          "304": { description: "The description held (If-None-Match) is current." },
          ...errorResponses("400"),
        },
      }),
    },
  };
}
