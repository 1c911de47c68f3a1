/**
 * OpenAPI 3.1 of the REST facade (rest-dialect.md §10), generated from the same resolved metadata the
 * runtime enforces, so the document cannot drift from what the server accepts. Deterministic: the same
 * schema always gives the same document, key for key (schema/openapi.json is committed and diffed).
 *
 * Hidden fields never appear in output schemas or parameters. A field hidden from output but writable
 * on create (a password hash) appears only in the Create input, marked `writeOnly`.
 */
import type { Operator, SecurityProfile } from "../metadata/definition.ts";
import type { ResolvedField, ResolvedRelation, ResolvedResource, ResolvedSchema } from "../metadata/resolved.ts";
import { ERROR_STATUS } from "../runtime/errors.ts";
import { LIST_PARAMS } from "./list-params.ts";
import { CANONICAL_SUFFIX, exposedField } from "./operators.ts";
import { rulesFor } from "./security-profile.ts";

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

/** A JSON object of the document. */
type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const response = (name: string): Json => ({ $ref: `#/components/responses/${name}` });

/** Names of the component schemas of a resource. */
function schemaNames(resource: ResolvedResource) {
  const type = resource.names.type;
  return {
    one: type,
    listItem: listDiffers(resource) ? `${type}ListItem` : type,
    create: `${type}Create`,
    update: `${type}Update`,
  };
}

/** Whether list items carry other fields or relations than a single record. */
function listDiffers(resource: ResolvedResource): boolean {
  return (
    resource.fields.some((f) => f.hidden.one !== f.hidden.list) ||
    resource.relations.some((r) => r.views.one !== r.views.list)
  );
}

function withNull(schema: Json): Json {
  if (typeof schema.type === "string") return { ...schema, type: [schema.type, "null"] };
  if (Array.isArray(schema.type)) return { ...schema, type: [...schema.type, "null"] };
  if (Object.keys(schema).length === 0) return schema; // any JSON value, null included
  return { anyOf: [schema, { type: "null" }] };
}

/** The JSON Schema of one value of a field, as it is sent (`input`) or received. */
function valueSchema(field: ResolvedField, input: boolean): Json {
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
      return {};
  }
}

function fieldSchema(field: ResolvedField, input: boolean): Json {
  let schema = valueSchema(field, input);
  if (field.isList) schema = { type: "array", items: schema };
  if (!field.isRequired) schema = withNull(schema);
  const description = field.description;
  // A $ref with siblings is valid in 3.1; keep it bare when there is nothing to add.
  if (description) schema = { ...schema, description };
  return schema;
}

/**
 * JSON Schema keywords for a field's validation rules (the ones JSON Schema can say): lengths, pattern,
 * numeric bounds, email / uri formats and allowed values. Rules it cannot say (blank text, date bounds,
 * `custom`, the resource's rule, own messages) are enforced by the runtime all the same.
 */
function ruleKeywords(field: ResolvedField, nullable: boolean): Json {
  const rules = field.validation;
  if (!rules) return {};
  const out: Json = {};
  const minLength = Math.max(rules.minLength?.value ?? 0, rules.required && field.kind === "String" ? 1 : 0);
  if (minLength > 0) out.minLength = minLength;
  if (rules.maxLength) out.maxLength = rules.maxLength.value;
  // JSON Schema patterns carry no flags: only a pattern whose flags change nothing here is exported.
  if (rules.pattern && /^u?$/.test(rules.pattern.value.flags)) out.pattern = rules.pattern.value.source;
  if (typeof rules.min?.value === "number") out.minimum = rules.min.value;
  if (typeof rules.max?.value === "number") out.maximum = rules.max.value;
  if (rules.email) out.format = "email";
  else if (rules.url) out.format = "uri";
  if (rules.oneOf) out.enum = nullable ? [...rules.oneOf.value, null] : [...rules.oneOf.value];
  return out;
}

function relationSchema(schema: ResolvedSchema, relation: ResolvedRelation): Json {
  const target = schema.resource.get(relation.target);
  const names = target ? schemaNames(target) : { one: relation.target, listItem: relation.target };
  const note = `Present only when asked for with embed=${relation.name}.`;
  const description = relation.description ? `${relation.description} ${note}` : note;
  if (relation.kind === "belongsTo") {
    return relation.isRequired
      ? { ...ref(names.one), description }
      : { anyOf: [ref(names.one), { type: "null" }], description };
  }
  return { type: "array", items: ref(names.listItem), description };
}

function outputSchema(schema: ResolvedSchema, resource: ResolvedResource, view: "one" | "list"): Json {
  const properties: Json = {};
  const required: string[] = [];
  for (const field of resource.fields) {
    if (field.hidden[view]) continue;
    properties[field.name] = field.readOnly
      ? { ...fieldSchema(field, false), readOnly: true }
      : fieldSchema(field, false);
    // Left out for actors who may not see it (field access, hiddenWhenScoped).
    if (!field.conditional) required.push(field.name);
  }
  for (const relation of resource.relations) {
    if (relation.views[view]) properties[relation.name] = relationSchema(schema, relation);
  }
  const description = resource.description ?? `A ${resource.name}.`;
  return {
    type: "object",
    description: view === "one" ? description : `${description} (as a list item)`,
    properties,
    required,
  };
}

function inputSchema(resource: ResolvedResource, mode: "create" | "update"): Json {
  const view = mode === "create" ? "create" : "update";
  const properties: Json = {};
  const required: string[] = [];
  for (const field of resource.fields) {
    if (field.readOnly || field.hidden[view]) continue;
    // A `required` rule refuses null even where the column allows it.
    const nullable = !field.isRequired && !field.validation?.required;
    let s = fieldSchema(nullable === !field.isRequired ? field : { ...field, isRequired: true }, true);
    s = { ...s, ...ruleKeywords(field, nullable) };
    if (field.hidden.one && field.hidden.list) s = { ...s, writeOnly: true };
    if (field.default !== undefined) s = { ...s, default: field.default };
    properties[field.name] = s;
    if (mode === "create" && field.requiredOnCreate) required.push(field.name);
  }
  // react-admin sends records back whole (update, Clone): read-only fields and embeds are accepted and ignored.
  for (const field of resource.fields) {
    if (!(field.readOnly || field.isId) || !exposedField(resource, field.name)) continue;
    properties[field.name] = {
      ...fieldSchema(field, true),
      readOnly: true,
      description: "Read-only: accepted and ignored.",
    };
  }
  for (const relation of resource.relations)
    properties[relation.name] = {
      readOnly: true,
      description: `Embedded ${relation.target}(s): accepted and ignored.`,
    };
  const description = {
    create: `Fields of a new ${resource.name}. Read-only fields and embedded relations may be sent (react-admin's Clone does); they are ignored.`,
    update: `Fields of a ${resource.name} to change: PUT and PATCH change only the fields sent. Read-only fields and embedded relations may be sent back as received; they are ignored.`,
  }[mode];
  return {
    type: "object",
    description,
    properties,
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
  };
}

const OPERATOR_TEXT: Readonly<Record<Operator, string>> = {
  eq: "equals",
  ne: "does not equal (null values match)",
  gt: "greater than",
  gte: "greater than or equal to",
  lt: "less than",
  lte: "less than or equal to",
  in: "is one of (comma list)",
  notIn: "is none of (comma list)",
  contains: "contains, case-insensitive; % and _ are literal (alias: _contains)",
  startsWith: "starts with, case-insensitive (alias: _startsWith)",
  endsWith: "ends with, case-insensitive (alias: _endsWith)",
  isNull: "is null (true) or is not null (false)",
};

function operatorParameters(resource: ResolvedResource): Json[] {
  const out: Json[] = [];
  for (const field of resource.fields) {
    if (field.filter.size === 0 || !exposedField(resource, field.name)) continue;
    for (const op of field.filter) {
      const value = valueSchema(field, true);
      const schema =
        op === "in" || op === "notIn"
          ? { type: "array", items: value }
          : op === "isNull"
            ? { type: "boolean" }
            : op === "contains" || op === "startsWith" || op === "endsWith"
              ? { type: "string" }
              : value;
      out.push({
        name: `${field.name}${CANONICAL_SUFFIX[op]}`,
        in: "query",
        required: false,
        description: `${field.name} ${OPERATOR_TEXT[op]}.${op === "eq" ? ` Also ${field.name}_eq.` : ""}`,
        schema,
        ...(op === "in" || op === "notIn" ? { style: "form", explode: false } : {}),
      });
    }
  }
  return out;
}

function filterDescription(schema: ResolvedSchema, resource: ResolvedResource): string {
  const lines = resource.fields
    .filter((f) => f.filter.size > 0 && exposedField(resource, f.name))
    .map((f) => `${f.name}: ${[...f.filter].map((op) => (op === "eq" ? "(bare)" : CANONICAL_SUFFIX[op])).join(", ")}`);
  const search = resource.fields.some((f) => f.searchable && exposedField(resource, f.name));
  return [
    `react-admin filter: a JSON object of conditions, all of which must hold. "field": value tests equality, "field": [a, b] tests membership, "field_<operator>": value applies an operator${search ? ', "q": text searches' : ""}.`,
    `Operators per field: ${lines.join("; ") || "none"}.`,
    relationFilterText(schema, resource),
  ]
    .filter(Boolean)
    .join(" ");
}

/** The dot paths (§12) filter keys and query parameters may take through relations, one level deep. */
function relationFilterText(schema: ResolvedSchema, resource: ResolvedResource): string {
  const paths = resource.relations
    .filter((r) => r.filterable)
    .map((r) => {
      const target = schema.resource.get(r.target);
      const fields = target
        ? target.fields.filter((f) => f.filter.size > 0 && exposedField(target, f.name)).map((f) => f.name)
        : [];
      return `${r.name}${r.kind === "belongsTo" ? "" : "[.some|.every|.none]"}.<field> (${fields.join(", ") || "none"})`;
    });
  if (paths.length === 0) return "";
  const example = resource.relations.find((r) => r.filterable);
  return `Through relations, as dot paths in filter keys and query parameters (each with the related resource's operators): ${paths.join("; ")}, e.g. ${example?.name}.<field>_in=a,b. A to-many path without a quantifier means some; paths nest (comments.author.name).`;
}

/** The relation paths sort keys may take (§13): `author.<field>` for to-one relations declared sortable. */
function relationSortText(schema: ResolvedSchema, resource: ResolvedResource): string {
  const paths = resource.relations
    .filter((r) => r.sortable && r.kind === "belongsTo")
    .map((r) => {
      const target = schema.resource.get(r.target);
      const fields = target
        ? target.fields.filter((f) => f.sortable && exposedField(target, f.name)).map((f) => f.name)
        : [];
      return `${r.name}.<field> (${fields.join(", ")})`;
    });
  return paths.length === 0 ? "" : ` Through relations: ${paths.join("; ")}; not with cursor.`;
}

function fieldsParameter(resource: ResolvedResource, view: "one" | "list"): Json {
  const fields = resource.fields.filter((f) => !f.hidden[view]).map((f) => f.name);
  const relations = resource.relations.filter((r) => r.views[view]).map((r) => r.name);
  return {
    name: "fields",
    in: "query",
    required: false,
    description:
      `Partial response: only these fields, the ${resource.id.name} always included. A comma list of paths (or a JSON array): fields here are ${fields.join(", ")}` +
      (relations.length > 0
        ? `; relation.field (e.g. ${relations[0]}.${resource.id.name}) embeds the relation and keeps only the fields named in it, a relation name alone embeds it whole (relations: ${relations.join(", ")})`
        : "") +
      ". Embeds given with embed are narrowed only when fields names a path inside them. Unknown or hidden fields are a 400.",
    schema: { type: "string" },
    example: fields.slice(0, 2).join(","),
  };
}

function listParameters(schema: ResolvedSchema, resource: ResolvedResource): Json[] {
  const sortable = resource.fields.filter((f) => f.sortable && exposedField(resource, f.name)).map((f) => f.name);
  const searchable = resource.fields.filter((f) => f.searchable && exposedField(resource, f.name)).map((f) => f.name);
  const embeds = resource.relations.filter((r) => r.views.list).map((r) => r.name);
  const unit = resource.names.path;
  const params: Json[] = [
    {
      name: "filter",
      in: "query",
      required: false,
      description: filterDescription(schema, resource),
      content: {
        "application/json": {
          schema: { type: "object", additionalProperties: true },
          example: { [resource.id.name]: [1, 2] },
        },
      },
    },
    {
      name: "sort",
      in: "query",
      required: false,
      description: `Sort keys: react-admin's ["field","ASC"|"DESC"], several as [["a","ASC"],["b","DESC"]], or a comma list with "-" for descending (-views,title). Sortable: ${sortable.join(", ")}.${relationSortText(schema, resource)} The id is always the last tie-breaker.`,
      schema: { type: "string" },
      example: `["${sortable[0] ?? resource.id.name}","ASC"]`,
    },
    {
      name: "order",
      in: "query",
      required: false,
      description: 'Direction of the keys of a comma-list sort that have no "-": ASC (default) or DESC.',
      schema: { type: "string", enum: ["ASC", "DESC", "asc", "desc"] },
    },
    {
      name: "range",
      in: "query",
      required: false,
      description: `react-admin page: [first,last], both inclusive. At most ${resource.maxPageSize} rows; default ${resource.defaultPageSize}. Not with page/per_page.`,
      schema: { type: "string" },
      example: `[0,${resource.defaultPageSize - 1}]`,
    },
    {
      name: "page",
      in: "query",
      required: false,
      description: "1-based page number (with per_page). Not with range or cursor.",
      schema: { type: "integer", minimum: 1, default: 1 },
    },
    {
      name: "per_page",
      in: "query",
      required: false,
      description: `Rows per page (with page, cursor or before). Not with range.`,
      schema: { type: "integer", minimum: 0, maximum: resource.maxPageSize, default: resource.defaultPageSize },
    },
  ];
  if (searchable.length > 0) {
    params.push({
      name: "q",
      in: "query",
      required: false,
      description: `Full-text search (PostgreSQL, web search syntax: words, "phrases", -exclude, or) over ${searchable.join(", ")}; most relevant first unless sorted.`,
      schema: { type: "string" },
    });
  }
  params.push(
    {
      name: "cursor",
      in: "query",
      required: false,
      description: `Cursor (keyset) page forward, sized by per_page: empty for the first page, then the cursor of the Link header's next URL. Not with range or page. The body stays an array; Link carries first, prev, next and last; Content-Range is ${unit} */<total>. Sorts by own fields only. A cursor that was altered, or made for another sort, is a 400.`,
      schema: { type: "string" },
    },
    {
      name: "before",
      in: "query",
      required: false,
      description:
        "Cursor page backward, sized by per_page: empty for the last page, or the cursor of the Link header's prev URL. Not with cursor, range or page.",
      schema: { type: "string" },
    },
  );
  if (resource.softDelete) params.push(deletedParameter(resource, "list"));
  if (embeds.length > 0) params.push(embedParameter(resource, embeds));
  params.push(fieldsParameter(resource, "list"));
  params.push(...operatorParameters(resource));
  params.push({
    name: "Range",
    in: "header",
    required: false,
    description: `Sent by ra-data-simple-rest (${unit}=0-24). Ignored: the range query parameter decides; lists always answer 200.`,
    schema: { type: "string" },
  });
  return params;
}

function embedParameter(resource: ResolvedResource, relations: readonly string[]): Json {
  return {
    name: "embed",
    in: "query",
    required: false,
    description: `Related records to attach, as a comma list of dot paths (at most ${resource.maxDepth} levels deep). Relations here: ${relations.join(", ")}.`,
    schema: { type: "string" },
    example: relations.join(","),
  };
}

/** Query parameters of `GET /<resource>/aggregate` (§15). */
function aggregateParameters(schema: ResolvedSchema, resource: ResolvedResource): Json[] {
  const visible = resource.fields.filter((f) => exposedField(resource, f.name));
  const names = (fields: readonly ResolvedField[]) => fields.map((f) => f.name);
  const commaList = (name: string, fields: readonly ResolvedField[], description: string): Json => ({
    name,
    in: "query",
    required: false,
    description,
    schema: { type: "array", items: { type: "string", enum: names(fields) } },
    style: "form",
    explode: false,
  });
  const params: Json[] = [];
  const groupable = visible.filter((f) => f.groupable);
  if (groupable.length > 0)
    params.push(
      commaList(
        "groupBy",
        groupable,
        `Fields to group by (at most 5): ${names(groupable).join(", ")}. Without it, one group over every matching row.`,
      ),
    );
  for (const fn of ["sum", "avg", "min", "max"] as const) {
    const fields = visible.filter((f) => f.aggregates.has(fn));
    if (fields.length > 0)
      params.push(commaList(fn, fields, `Fields to compute ${fn} of: ${names(fields).join(", ")}.`));
  }
  const search = visible.some((f) => f.searchable);
  const list = listParameters(schema, resource);
  const listParam = (name: string) => list.find((p) => p.name === name) as Json;
  params.push(
    {
      name: "having",
      in: "query",
      required: false,
      description:
        'Conditions on the groups (with groupBy; all must hold, at most 20): a JSON array of {"fn": "count" | "sum" | "avg" | "min" | "max", "field": name (not for count), "op": "eq" | "ne" | "gt" | "gte" | "lt" | "lte", "value": v}. Each function on a field declared for it.',
      content: {
        "application/json": {
          schema: { type: "array", items: ref("HavingCondition") },
          example: [{ fn: "count", op: "gte", value: 10 }],
        },
      },
    },
    {
      name: "sort",
      in: "query",
      required: false,
      description:
        'Order of the groups (with groupBy): a comma list of count, <fn>.<field> of an aggregate asked for, or a group-by field, "-" for descending (-sum.views,count). The group-by fields ascending follow.',
      schema: { type: "string" },
      example: "-count",
    },
    {
      name: "limit",
      in: "query",
      required: false,
      description: `Most groups returned (with groupBy).`,
      schema: { type: "integer", minimum: 1, maximum: resource.maxPageSize, default: resource.maxPageSize },
    },
    {
      name: "offset",
      in: "query",
      required: false,
      description: "Groups to skip (with groupBy).",
      schema: { type: "integer", minimum: 0, default: 0 },
    },
    listParam("filter"),
  );
  if (search) params.push(listParam("q"));
  params.push(...operatorParameters(resource));
  return params;
}

/** The answer of `GET /<resource>/aggregate`: `{ groups: [...] }`. */
function aggregateSchemas(resource: ResolvedResource): Record<string, Json> {
  const type = resource.names.type;
  const visible = resource.fields.filter((f) => exposedField(resource, f.name));
  const byFunction = (fn: "sum" | "avg" | "min" | "max") => {
    const properties: Json = {};
    for (const f of visible.filter((x) => x.aggregates.has(fn))) {
      properties[f.name] =
        fn === "sum" || fn === "avg" ? { type: ["number", "null"] } : withNull(valueSchema(f, false));
    }
    return {
      type: "object",
      description: `${fn} of each field asked for with ${fn}= (null when no row has a value).`,
      properties,
      additionalProperties: false,
    };
  };
  const key: Json = {};
  for (const f of visible.filter((x) => x.groupable))
    key[f.name] = f.isRequired ? valueSchema(f, false) : withNull(valueSchema(f, false));
  return {
    [`${type}Aggregate`]: {
      type: "object",
      description: `Aggregates of ${resource.plural}.`,
      properties: { groups: { type: "array", items: ref(`${type}AggregateGroup`) } },
      required: ["groups"],
      additionalProperties: false,
    },
    [`${type}AggregateGroup`]: {
      type: "object",
      description: "One group: its group-by values and its aggregates.",
      properties: {
        key: {
          type: "object",
          description: "The values of the group-by fields asked for (empty without groupBy).",
          properties: key,
          additionalProperties: false,
        },
        count: { type: "integer", description: "Rows in the group." },
        sum: byFunction("sum"),
        avg: byFunction("avg"),
        min: byFunction("min"),
        max: byFunction("max"),
      },
      required: ["key", "count", "sum", "avg", "min", "max"],
      additionalProperties: false,
    },
  };
}

/** `deleted` (§18.2), on the lists and single records of a soft-deleted resource. */
function deletedParameter(resource: ResolvedResource, view: "one" | "list"): Json {
  const what =
    view === "list"
      ? `Which ${resource.plural} the list (and its total) counts`
      : `Where to look for the ${resource.name}`;
  return {
    name: "deleted",
    in: "query",
    required: false,
    description: `${what}: exclude (the live ones, default), include (live and in the trash) or only (the trash, ${resource.softDelete?.field} set).`,
    schema: { type: "string", enum: ["exclude", "include", "only"], default: "exclude" },
  };
}

/** `asOf` (§19.4), on single records of a resource with revisions. */
function asOfParameter(resource: ResolvedResource): Json {
  return {
    name: "asOf",
    in: "query",
    required: false,
    description: `The ${resource.name} as it was: a revision number (1, 2, …) or an ISO 8601 time (the revision in force then). The answer is that revision's snapshot, without an ETag; not with embed or relation paths in fields. A trashed record's past needs deleted=include.`,
    schema: { type: "string" },
    example: "1",
  };
}

function revisionParameter(name: string, description: string): Json {
  return { name, in: "path", required: true, description, schema: { type: "integer", minimum: 1 } };
}

function idParameter(resource: ResolvedResource): Json {
  return {
    name: "id",
    in: "path",
    required: true,
    description: `The ${resource.name}'s ${resource.id.name}.`,
    schema: valueSchema(resource.id, true),
  };
}

function body(name: string): Json {
  return { required: true, content: { "application/json": { schema: ref(name) } } };
}

function record(name: string, description: string, headers?: Json): Json {
  return { description, ...(headers ? { headers } : {}), content: { "application/json": { schema: ref(name) } } };
}

function paths(schema: ResolvedSchema, profile: SecurityProfile | undefined): Json {
  const out: Json = {};
  for (const resource of schema.resources) {
    const n = schemaNames(resource);
    const type = resource.names.type;
    const plural = resource.plural.charAt(0).toUpperCase() + resource.plural.slice(1);
    const tags = [resource.names.path];
    // A versioned record's answers carry its version as ETag, for If-Match (rest-dialect.md §17).
    const etag = resource.version
      ? {
          ETag: {
            description: `The ${resource.name}'s version, quoted: send it back in If-Match.`,
            schema: { type: "string" },
          },
        }
      : undefined;
    const embedsOne = resource.relations.filter((r) => r.views.one).map((r) => r.name);
    const write = {
      "400": response("BadRequest"),
      "404": response("NotFound"),
      "409": response("Conflict"),
      "413": response("PayloadTooLarge"),
      "422": response("ValidationFailed"),
    };
    out[`/${resource.names.path}`] = {
      get: {
        operationId: `list${plural}`,
        tags,
        summary: `List ${resource.plural} (react-admin getList, getMany, getManyReference)`,
        description: `Query parameters not listed here filter through relations as dot paths (author.name, comments.every.body_like); see the filter parameter.`,
        parameters: listParameters(schema, resource),
        responses: {
          "200": {
            description: `A page of ${resource.plural}.`,
            headers: {
              "Content-Range": { $ref: "#/components/headers/ContentRange" },
              "X-Total-Count": { $ref: "#/components/headers/XTotalCount" },
              Link: { $ref: "#/components/headers/Link" },
            },
            content: { "application/json": { schema: { type: "array", items: ref(n.listItem) } } },
          },
          "400": response("BadRequest"),
        },
      },
      post: {
        operationId: `create${type}`,
        tags,
        summary: `Create a ${resource.name}`,
        requestBody: body(n.create),
        responses: {
          "201": record(n.one, `The created ${resource.name}, id included.`, {
            Location: { description: "URL of the new record.", schema: { type: "string" } },
            ...etag,
          }),
          ...write,
        },
      },
    };
    out[`/${resource.names.path}/aggregate`] = {
      get: {
        operationId: `aggregate${plural}`,
        tags,
        summary: `Count ${resource.plural} and aggregate their fields, optionally grouped`,
        description:
          "The filter parameters are those of the list, dot paths included. Without groupBy the answer is one group over every matching row, with an empty key.",
        parameters: aggregateParameters(schema, resource),
        responses: {
          "200": record(`${type}Aggregate`, `The groups, in the order of sort (then the group-by fields ascending).`),
          "400": response("BadRequest"),
        },
      },
    };
    Object.assign(out, batchPaths(resource, plural, tags, profile));
    out[`/${resource.names.path}/{id}`] = {
      parameters: [idParameter(resource)],
      get: {
        operationId: `get${type}`,
        tags,
        summary: `One ${resource.name} (react-admin getOne)`,
        parameters: [
          ...(embedsOne.length > 0 ? [embedParameter(resource, embedsOne)] : []),
          fieldsParameter(resource, "one"),
          ...(resource.softDelete ? [deletedParameter(resource, "one")] : []),
          ...(resource.revisions ? [asOfParameter(resource)] : []),
        ],
        responses: {
          "200": record(n.one, `The ${resource.name}.`, etag),
          "400": response("BadRequest"),
          "404": response("NotFound"),
        },
      },
      put: {
        operationId: `update${type}`,
        tags,
        summary: `Change the fields sent of a ${resource.name} (react-admin update and updateMany)`,
        requestBody: body(n.update),
        responses: { "200": record(n.one, `The ${resource.name} as stored.`, etag), ...write },
      },
      patch: {
        operationId: `patch${type}`,
        tags,
        summary: `Change the fields sent of a ${resource.name} (same as PUT)`,
        requestBody: body(n.update),
        responses: { "200": record(n.one, `The ${resource.name} as stored.`, etag), ...write },
      },
      delete: {
        operationId: `delete${type}`,
        tags,
        summary: resource.softDelete
          ? `Move a ${resource.name} to the trash (react-admin delete); restore or purge it later`
          : `Delete a ${resource.name} (react-admin delete)`,
        responses: {
          "200": record(
            n.one,
            resource.softDelete
              ? `The ${resource.name}, now in the trash (${resource.softDelete.field} set).`
              : `The deleted ${resource.name}, as it was.`,
          ),
          "400": response("BadRequest"),
          "404": response("NotFound"),
          "409": response("Conflict"),
        },
      },
    };
    Object.assign(out, lifecyclePaths(resource, tags));
    out[`/${resource.names.path}/events`] = {
      get: {
        operationId: `stream${plural}Events`,
        tags,
        summary: `The committed changes of ${resource.plural}, as a Server-Sent Events stream (EventSource)`,
        description: eventStreamText,
        parameters: [
          actionsParameter,
          {
            name: "id",
            in: "query",
            required: false,
            description: `Only the changes of this ${resource.name}.`,
            schema: { type: "string" },
          },
          ...resumeParameters,
        ],
        responses: eventStreamResponses,
      },
    };
  }
  out["/events"] = {
    get: {
      operationId: "streamEvents",
      tags: ["events"],
      summary: "The committed changes of several resources, as one Server-Sent Events stream (EventSource)",
      description: eventStreamText,
      parameters: [
        {
          name: "resources",
          in: "query",
          required: false,
          description: `A comma list of resources (${schema.resources.map((r) => r.names.path).join(", ")}); all when absent.`,
          schema: { type: "string" },
        },
        actionsParameter,
        ...resumeParameters,
      ],
      responses: eventStreamResponses,
    },
  };
  return out;
}

// Event streams (§21).
const eventStreamText =
  "Each committed change is an SSE event: `id` the event id, `event` the action, `data` a ChangeEvent (JSON). The first event, `ready`, carries the stream's starting point as its id. Comment lines (`: ping`) keep the connection alive. Resume with the Last-Event-ID header (which an EventSource sends when it reconnects) or `after`: the events since then come first, then the live ones, each once and in order. Bad parameters answer 400 before the stream starts.";
const actionsParameter: Json = {
  name: "actions",
  in: "query",
  required: false,
  description:
    "A comma list of actions to keep: create, update, patch, delete, restore, revert, purge, publish. All when absent.",
  schema: { type: "string" },
};
const resumeParameters: Json[] = [
  {
    name: "after",
    in: "query",
    required: false,
    description: "Start after this event id (Last-Event-ID wins when both are given).",
    schema: { type: "string", pattern: "^\\d{1,19}$" },
  },
  {
    name: "Last-Event-ID",
    in: "header",
    required: false,
    description: "Start after this event id.",
    schema: { type: "string", pattern: "^\\d{1,19}$" },
  },
];
const eventStreamResponses: Json = {
  "200": {
    description: "A text/event-stream of ChangeEvent data, open until the client disconnects.",
    // Each event's `data` line is a ChangeEvent as JSON: JSON Schema's contentSchema says so.
    content: {
      "text/event-stream": {
        schema: { type: "string", contentMediaType: "application/json", contentSchema: ref("ChangeEvent") },
        example:
          'id: 42\nevent: create\ndata: {"eventId":"42","resource":"posts","action":"create","id":12,"record":{"id":12},"revisionId":null,"revisionNumber":null,"actorId":"system","at":"2026-01-01T00:00:00.000Z","changed":["title"]}\n\n',
      },
    },
  },
  "400": response("BadRequest"),
  "404": response("NotFound"),
};

/** The trash (§18) and revisions (§19) of one record, for the resources that have them. */
function lifecyclePaths(resource: ResolvedResource, tags: string[]): Json {
  const n = schemaNames(resource);
  const type = resource.names.type;
  const base = `/${resource.names.path}/{id}`;
  const id = [idParameter(resource)];
  const versionBody = resource.version
    ? {
        required: false,
        description: `Optional: the ${resource.version.field} you read, like If-Match (but 409 when stale).`,
        content: {
          "application/json": {
            schema: {
              type: "object",
              properties: { [resource.version.field]: { type: "integer" } },
              additionalProperties: false,
            },
          },
        },
      }
    : undefined;
  const versioned = { ...(versionBody ? { requestBody: versionBody } : {}) };
  const stale = resource.version
    ? { "409": response("Conflict"), "412": response("PreconditionFailed") }
    : { "409": response("Conflict") };
  const out: Json = {};
  if (resource.softDelete) {
    out[`${base}/restore`] = {
      parameters: id,
      post: {
        operationId: `restore${type}`,
        tags,
        summary: `Bring a ${resource.name} back from the trash, with the records its delete cascaded to`,
        description: `409 when it is not in the trash, or when a record it belongs to is still in the trash. If-Match is honoured (412).`,
        ...versioned,
        responses: {
          "200": record(n.one, `The restored ${resource.name}.`),
          "400": response("BadRequest"),
          "404": response("NotFound"),
          ...stale,
        },
      },
    };
    out[`${base}/purge`] = {
      parameters: id,
      post: {
        operationId: `purge${type}`,
        tags,
        summary: `Delete a ${resource.name} for good, live or in the trash (relations' onDelete rules apply)`,
        ...versioned,
        responses: {
          "200": record(n.one, `The removed ${resource.name}, as it was.`),
          "400": response("BadRequest"),
          "404": response("NotFound"),
          ...stale,
        },
      },
    };
  }
  if (resource.revisions) {
    const rev = revisionParameter("rev", "A revision number: 1 for the first.");
    out[`${base}/revisions`] = {
      parameters: id,
      get: {
        operationId: `list${type}Revisions`,
        tags,
        summary: `Every revision of a ${resource.name}, oldest first (also in the trash)`,
        responses: {
          "200": {
            description: `The revisions; Content-Range is revisions 0-<n-1>/<n> (revisions */0 for none).`,
            headers: {
              "Content-Range": { $ref: "#/components/headers/ContentRange" },
              "X-Total-Count": { $ref: "#/components/headers/XTotalCount" },
            },
            content: { "application/json": { schema: { type: "array", items: ref(`${type}Revision`) } } },
          },
          "400": response("BadRequest"),
          "404": response("NotFound"),
        },
      },
    };
    out[`${base}/revisions/{rev}`] = {
      parameters: [...id, rev],
      get: {
        operationId: `get${type}Revision`,
        tags,
        summary: `One revision of a ${resource.name}`,
        responses: {
          "200": record(`${type}Revision`, "The revision, its data upgraded to the current schema version."),
          "400": response("BadRequest"),
          "404": response("NotFound"),
        },
      },
    };
    out[`${base}/revisions/{rev}/diff`] = {
      parameters: [...id, rev],
      get: {
        operationId: `diff${type}Revisions`,
        tags,
        summary: `What changed from another revision (by default its parent) to this one`,
        parameters: [
          {
            name: "against",
            in: "query",
            required: false,
            description:
              "The revision to compare with; default: the revision's parent (none for the first: every field changed from null).",
            schema: { type: "integer", minimum: 1 },
          },
        ],
        responses: {
          "200": record("RevisionDiff", "The fields whose values differ."),
          "400": response("BadRequest"),
          "404": response("NotFound"),
        },
      },
    };
    out[`${base}/revert/{rev}`] = {
      parameters: [...id, revisionParameter("rev", "The revision whose values to write again.")],
      post: {
        operationId: `revert${type}`,
        tags,
        summary: `Make a ${resource.name} equal to one of its revisions again, as a new revision`,
        ...versioned,
        responses: {
          "200": record(n.one, `The ${resource.name} as stored.`),
          "400": response("BadRequest"),
          "404": response("NotFound"),
          ...stale,
          "422": response("ValidationFailed"),
        },
      },
    };
    if (resource.revisions.draft) {
      out[`${base}/publish`] = {
        parameters: id,
        post: {
          operationId: `publish${type}`,
          tags,
          summary: `Make the ${resource.name}'s draft revision stable (draft mode). No body.`,
          responses: {
            "200": record(n.one, `The ${resource.name}.`),
            "400": response("BadRequest"),
            "404": response("NotFound"),
            "409": response("Conflict"),
          },
        },
      };
    }
  }
  return out;
}

/** The batch writes of a resource (§20). */
function batchPaths(
  resource: ResolvedResource,
  plural: string,
  tags: string[],
  profile: SecurityProfile | undefined,
): Json {
  const type = resource.names.type;
  const base = `/${resource.names.path}/batch`;
  const max = resource.maxBatchSize;
  const partial = {
    name: "partial",
    in: "query",
    required: false,
    description:
      "true: each item on its own (200 all succeeded, 207 some failed, 400 all failed). Default false: all or nothing, in one transaction.",
    schema: { type: "boolean", default: false },
  };
  const items = (schema: Json, description: string): Json => ({
    required: true,
    description,
    content: { "application/json": { schema: { type: "array", items: schema, maxItems: max } } },
  });
  // What deletes and purges answer per item is the security profile's (§22.3): ids, or the records.
  const byId = rulesFor(resource, profile).batchDeleteReturns === "ids";
  const operation = (operationId: string, summary: string, body: Json, deleting = false): Json => ({
    operationId,
    tags,
    summary,
    parameters: [partial],
    requestBody: body,
    responses: {
      "200": record(
        deleting && byId ? `${type}BatchDeleteResult` : `${type}BatchResult`,
        `Every item succeeded: each ${deleting && byId ? "id" : "record"} by its index.`,
      ),
      "207": record(
        deleting && byId ? `${type}BatchDeleteResult` : `${type}BatchResult`,
        "partial=true: some items failed, the others were written.",
      ),
      "400": response("BatchFailed"),
      "404": response("BatchFailed"),
      "409": response("BatchFailed"),
      "413": response("PayloadTooLarge"),
      "422": response("BatchFailed"),
    },
  });
  const targets = items(
    ref(`${type}BatchTarget`),
    `Ids, or { id${resource.version ? `, ${resource.version.field}` : ""} } objects; at most ${max}.`,
  );
  const out: Json = {
    [base]: {
      post: operation(
        `batchCreate${plural}`,
        `Create many ${resource.plural}`,
        items(ref(`${type}Create`), `The new ${resource.plural}; at most ${max}.`),
      ),
      put: operation(
        `batchUpdate${plural}`,
        `Change the fields sent of many ${resource.plural} (as PUT on one)`,
        items(ref(`${type}BatchUpdateItem`), `{ id, ...fields } per record; at most ${max}.`),
      ),
      patch: operation(
        `batchPatch${plural}`,
        `Change the fields sent of many ${resource.plural} (same as PUT)`,
        items(ref(`${type}BatchUpdateItem`), `{ id, ...fields } per record; at most ${max}.`),
      ),
      delete: operation(
        `batchDelete${plural}`,
        resource.softDelete ? `Move many ${resource.plural} to the trash` : `Delete many ${resource.plural}`,
        targets,
        true,
      ),
    },
  };
  if (resource.softDelete) {
    out[`${base}/restore`] = {
      post: operation(`batchRestore${plural}`, `Bring many ${resource.plural} back from the trash`, targets),
    };
    out[`${base}/purge`] = {
      post: operation(
        `batchPurge${plural}`,
        `Delete many ${resource.plural} for good, live or in the trash`,
        targets,
        true,
      ),
    };
  }
  return out;
}

/** Schemas of the revisions and batches of a resource. */
function lifecycleSchemas(resource: ResolvedResource, profile: SecurityProfile | undefined): Record<string, Json> {
  const n = schemaNames(resource);
  const type = resource.names.type;
  const idName = resource.id.name;
  const idValue = valueSchema(resource.id, true);
  const versionField = resource.version?.field;
  const expected = versionField
    ? {
        [versionField]: {
          type: "integer",
          description: `The ${versionField} you read: when the record has moved on, the item fails (409).`,
        },
      }
    : {};
  const update = inputSchema(resource, "update");
  const out: Record<string, Json> = {
    [`${type}BatchResult`]: {
      type: "object",
      description: `The outcome of a batch of ${resource.plural}: each item's record or error, by its index in the request.`,
      properties: {
        succeeded: {
          type: "array",
          items: {
            type: "object",
            properties: { index: { type: "integer" }, record: ref(n.one) },
            required: ["index", "record"],
            additionalProperties: false,
          },
        },
        failed: { type: "array", items: ref("BatchFailure") },
      },
      required: ["succeeded", "failed"],
      additionalProperties: false,
    },
    ...(rulesFor(resource, profile).batchDeleteReturns === "ids"
      ? {
          [`${type}BatchDeleteResult`]: {
            type: "object",
            description: `The outcome of a batch delete or purge of ${resource.plural}: each item's ${idName} or error, by its index in the request (the security profile answers ids, not records).`,
            properties: {
              succeeded: {
                type: "array",
                items: {
                  type: "object",
                  properties: { index: { type: "integer" }, id: idValue },
                  required: ["index", "id"],
                  additionalProperties: false,
                },
              },
              failed: { type: "array", items: ref("BatchFailure") },
            },
            required: ["succeeded", "failed"],
            additionalProperties: false,
          },
        }
      : {}),
    [`${type}BatchUpdateItem`]: {
      ...update,
      description: `One record of a batch PUT or PATCH: its ${idName} and the fields to change.`,
      properties: {
        ...(update.properties as Json),
        [idName]: { ...idValue, description: "The record to change." },
        ...expected,
      },
      required: [idName],
    },
    [`${type}BatchTarget`]: {
      description: `A ${resource.name} to delete, restore or purge: its ${idName}, or an object with it${versionField ? ` and the ${versionField} you read` : ""}.`,
      oneOf: [
        idValue,
        {
          type: "object",
          properties: { [idName]: idValue, ...expected },
          required: [idName],
          additionalProperties: false,
        },
      ],
    },
  };
  if (resource.revisions) {
    out[`${type}Revision`] = {
      type: "object",
      description: `One revision of a ${resource.name}: an immutable snapshot written with a write.`,
      properties: {
        id: { type: "string", format: "uuid" },
        number: { type: "integer", minimum: 1, description: "1, 2, 3… per record." },
        parentNumber: { type: ["integer", "null"], description: "The revision this one follows; null for the first." },
        action: {
          type: "string",
          description: "The write that made it: create, update, patch, delete, restore, revert, purge.",
        },
        status: { type: "string", enum: ["stable", "draft"] },
        actorId: { type: ["string", "null"], description: "Who wrote it (the default actor when anonymous)." },
        createdAt: { type: "string", format: "date-time" },
        schemaVersion: {
          type: "integer",
          description: "The schema version it was written under; data is upgraded to the current one.",
        },
        data: { ...ref(n.one), description: `The ${resource.name} after the write.` },
      },
      required: ["id", "number", "parentNumber", "action", "status", "actorId", "createdAt", "schemaVersion", "data"],
      additionalProperties: false,
    };
  }
  return out;
}

function components(schema: ResolvedSchema, profile: SecurityProfile | undefined): Json {
  const schemas: Record<string, Json> = {};
  for (const e of schema.enums) schemas[e.name] = { type: "string", enum: [...e.values] };
  for (const resource of schema.resources) {
    const n = schemaNames(resource);
    schemas[n.one] = outputSchema(schema, resource, "one");
    if (n.listItem !== n.one) schemas[n.listItem] = outputSchema(schema, resource, "list");
    schemas[n.create] = inputSchema(resource, "create");
    schemas[n.update] = inputSchema(resource, "update");
    Object.assign(schemas, aggregateSchemas(resource), lifecycleSchemas(resource, profile));
  }
  schemas.ChangeEvent = {
    type: "object",
    description: "One committed change, the data of an event-stream event (§21).",
    required: [
      "eventId",
      "resource",
      "action",
      "id",
      "record",
      "revisionId",
      "revisionNumber",
      "actorId",
      "at",
      "changed",
    ],
    properties: {
      eventId: { type: "string", description: "The event id (also the SSE id): increasing in commit order." },
      resource: { type: "string", description: "The resource's REST name, e.g. posts." },
      action: {
        type: "string",
        enum: ["create", "update", "patch", "delete", "restore", "revert", "purge", "publish"],
      },
      id: { oneOf: [{ type: "integer" }, { type: "string" }], description: "The record's id." },
      record: {
        type: ["object", "null"],
        description: "The record as the requester may see it after the write; null after delete and purge.",
      },
      revisionId: { type: ["string", "null"] },
      revisionNumber: { type: ["integer", "null"] },
      actorId: { type: ["string", "null"] },
      at: { type: "string", format: "date-time" },
      changed: { type: "array", items: { type: "string" }, description: "The fields the write changed." },
    },
  };
  schemas.BatchFailure = {
    type: "object",
    description: "The failure of one batch item: its index in the request and its error.",
    properties: {
      index: { type: "integer" },
      error: {
        type: "object",
        properties: {
          code: { type: "string", enum: Object.keys(ERROR_STATUS) },
          message: { type: "string" },
          fields: { type: "object", additionalProperties: { type: "string" }, description: "Per-field messages." },
          details: { type: "object", additionalProperties: true },
        },
        required: ["code", "message"],
      },
    },
    required: ["index", "error"],
    additionalProperties: false,
  };
  schemas.BatchError = {
    description:
      "A batch that failed: all or nothing, the failing item's error (its status) and nothing written; or partial=true with every item failed (400). failed names the items.",
    allOf: [ref("Error")],
    properties: { succeeded: { type: "array", maxItems: 0 }, failed: { type: "array", items: ref("BatchFailure") } },
  };
  schemas.RevisionDiff = {
    type: "object",
    description: "What changed between two revisions, field by field.",
    properties: {
      from: { type: "integer", description: "The revision compared with (0: before the first)." },
      to: { type: "integer" },
      changes: {
        type: "array",
        items: {
          type: "object",
          properties: { field: { type: "string" }, from: {}, to: {} },
          required: ["field", "from", "to"],
          additionalProperties: false,
        },
      },
    },
    required: ["from", "to", "changes"],
    additionalProperties: false,
  };
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
  const error = (description: string): Json => ({
    description,
    content: { "application/json": { schema: ref("Error") } },
  });
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
        content: { "application/json": { schema: ref("BatchError") } },
      },
      ValidationFailed: error("Field values are invalid; errors maps each field to its message."),
    },
    headers: {
      ContentRange: {
        description:
          "`<resource> <first>-<last>/<total>`, or `<resource> */<total>` for an empty page and for every cursor page (whose offset is unknown).",
        schema: { type: "string" },
        example: "posts 0-24/319",
      },
      XTotalCount: { description: "Number of records matching the filter.", schema: { type: "integer" } },
      Link: {
        description:
          "With page/per_page, cursor or before: first, prev, next and last page URLs (RFC 8288). Cursor pages link with cursor= (forward) and before= (backward).",
        schema: { type: "string" },
      },
    },
  };
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
    ],
    paths: withSecurity(schema, paths(schema, options.securityProfile)),
    components: { ...components(schema, options.securityProfile), securitySchemes: SECURITY_SCHEMES },
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

/** Whether some actor may be refused on this resource: operation rules, tenants, scopes or field access. */
function guarded(resource: ResolvedResource): boolean {
  return Boolean(resource.access || resource.tenant || resource.scope || resource.fields.some((f) => f.access));
}

/**
 * The operations of guarded resources answer 401 and 403 too, and name the ways to authenticate; every
 * other operation is open to anonymous callers and says so (`security: []`).
 */
function withSecurity(schema: ResolvedSchema, all: Json): Json {
  const guardedPaths = schema.resources.filter(guarded).map((r) => `/${r.names.path}`);
  for (const [path, item] of Object.entries(all)) {
    const isGuarded = guardedPaths.some((own) => path === own || path.startsWith(`${own}/`));
    for (const operation of Object.values(item as Record<string, Json>)) {
      if (typeof operation !== "object" || operation === null || !("responses" in operation)) continue;
      const op = operation as { responses: Json; security?: unknown };
      if (isGuarded) {
        op.responses = { ...op.responses, "401": response("Unauthenticated"), "403": response("Forbidden") };
        op.security = [{ bearer: [] }, { apiKey: [] }];
      } else {
        op.security = [];
      }
    }
  }
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
