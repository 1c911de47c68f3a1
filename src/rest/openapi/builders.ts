/**
 * The builders the OpenAPI document is made of: references, JSON content, the schema of a field's value,
 * parameters, responses and operations. Each returns a fresh JSON object whose key order is fixed, so the
 * document is the same, byte for byte, for the same resolved schema.
 */
import type { ResolvedField } from "../../metadata/resolved.ts";

/** A JSON object of the document. */
export type Json = Record<string, unknown>;

/** A reference to a component schema. */
export const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });

/** A reference to a component response. */
export const responseRef = (name: string): Json => ({ $ref: `#/components/responses/${name}` });

/** `{ "application/json": { schema, example? } }`. */
export function jsonContent(schema: Json, example?: unknown): Json {
  return { "application/json": { schema, ...(example !== undefined ? { example } : {}) } };
}

/** The component response of each error status. */
const ERROR_RESPONSES = {
  "400": "BadRequest",
  "401": "Unauthenticated",
  "403": "Forbidden",
  "404": "NotFound",
  "409": "Conflict",
  "412": "PreconditionFailed",
  "413": "PayloadTooLarge",
  "422": "ValidationFailed",
} as const;

/** The error responses of these statuses, in the order given: `{ "400": { $ref: …BadRequest }, … }`. */
export function errorResponses(...statuses: (keyof typeof ERROR_RESPONSES)[]): Json {
  return Object.fromEntries(statuses.map((status) => [status, responseRef(ERROR_RESPONSES[status])]));
}

/** A JSON answer of a component schema, with its headers when it has some. */
export function recordResponse(name: string, description: string, headers?: Json): Json {
  return { description, ...(headers ? { headers } : {}), content: jsonContent(ref(name)) };
}

/** A required JSON request body of a component schema. */
export function requestBody(name: string): Json {
  return { required: true, content: jsonContent(ref(name)) };
}

/** What a parameter says besides its name, place and description: `schema` or `content`, `example`, `style`… */
type ParameterRest = Json & ({ schema: Json } | { content: Json });

/** A parameter: required in the path, optional in the query or a header. */
export function parameter(where: "path" | "query" | "header", name: string, description: string, rest: ParameterRest) {
  return { name, in: where, required: where === "path", description, ...rest };
}

/** What {@link operation} takes. */
export interface OperationSpec {
  id: string;
  tags: readonly string[];
  summary: string;
  description?: string;
  parameters?: readonly Json[];
  requestBody?: Json;
  responses: Json;
}

/** An operation, its keys in the document's order. */
export function operation(spec: OperationSpec): Json {
  return {
    operationId: spec.id,
    tags: spec.tags,
    summary: spec.summary,
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    ...(spec.parameters ? { parameters: spec.parameters } : {}),
    ...(spec.requestBody ? { requestBody: spec.requestBody } : {}),
    responses: spec.responses,
  };
}

/** `schema` that also allows null. */
export function withNull(schema: Json): Json {
  if (typeof schema.type === "string") return { ...schema, type: [schema.type, "null"] };
  if (Array.isArray(schema.type)) return { ...schema, type: [...schema.type, "null"] };
  if (Object.keys(schema).length === 0) return schema; // any JSON value, null included
  return { anyOf: [schema, { type: "null" }] };
}

/** The JSON Schema of one value of a field, as it is sent (`input`) or received. */
export function valueSchema(field: ResolvedField, input: boolean): Json {
  switch (field.kind) {
    case "String":
      return { type: "string" };
    case "Uuid":
      return { type: "string", format: "uuid" };
    case "Int":
      return { type: "integer", format: "int32" };
    case "BigInt":
      // Sent as a decimal string so no precision is lost; accepted as a number or such a string.
      return input
        ? { type: ["integer", "string"], format: "int64" }
        : { type: "string", format: "int64", pattern: "^-?[0-9]+$" };
    case "Float":
      return { type: "number", format: "double" };
    case "Decimal":
      return input ? { type: ["number", "string"], format: "decimal" } : { type: "string", format: "decimal" };
    case "Boolean":
      return { type: "boolean" };
    case "DateTime":
      return { type: "string", format: "date-time" };
    case "Enum":
      return ref(field.enum?.name ?? "String");
    case "Json":
      return field.blob ? fileSchema(field, input) : {};
  }
}

/** A file field: its metadata and url as read; only null (clearing it) as written in a JSON body. */
function fileSchema(field: ResolvedField, input: boolean): Json {
  if (input)
    return {
      type: "null",
      description: `Send the bytes as the multipart part ${field.name} of this write, or with PUT …/{id}/${field.name}; null clears the file.`,
    };
  return {
    type: "object",
    required: ["id", "size", "contentType", "filename", "url"],
    properties: {
      id: { type: "string", pattern: "^[0-9a-f]{64}$", description: "The sha256 of the bytes." },
      size: { type: "integer", minimum: 0 },
      contentType: { type: "string", enum: [...(field.blob?.contentTypes ?? [])] },
      filename: { type: ["string", "null"] },
      url: { type: "string", description: "Where the bytes are served (GET)." },
    },
  };
}

/** The JSON Schema of a field: its value, a list of them, nullable, described. */
export function schemaOf(field: ResolvedField, input: boolean): Json {
  let schema = valueSchema(field, input);
  if (field.isList) schema = { type: "array", items: schema };
  if (!field.isRequired) schema = withNull(schema);
  const description = field.description;
  // A $ref with siblings is valid in 3.1; keep it bare when there is nothing to add.
  if (description) schema = { ...schema, description };
  return schema;
}
