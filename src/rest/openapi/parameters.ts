/**
 * The parameters of a resource's routes: the list's (filter, sort, pages, cursors, search, embeds,
 * fields and one per filter operator), and those of one record (id, embed, fields, deleted, asOf).
 */
import type { Operator } from "../../metadata/definition.ts";
import type { ResolvedResource, ResolvedSchema } from "../../metadata/resolved.ts";
import { CANONICAL_SUFFIX, exposedField } from "../operators.ts";
import { type Json, jsonContent, parameter, valueSchema } from "./builders.ts";

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
  like: "matches the LIKE pattern, case-insensitive (% any text, _ one character, \\ escapes)",
  regex: "matches the POSIX regular expression (case-sensitive; (?i) ignores case)",
};

/** One query parameter per filter operator of each exposed field (`views_gte`, `status_in`). */
export function operatorParameters(resource: ResolvedResource): Json[] {
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
            : op === "contains" || op === "startsWith" || op === "endsWith" || op === "like" || op === "regex"
              ? { type: "string" }
              : value;
      out.push(
        parameter(
          "query",
          `${field.name}${CANONICAL_SUFFIX[op]}`,
          `${field.name} ${OPERATOR_TEXT[op]}.${op === "eq" ? ` Also ${field.name}_eq.` : ""}`,
          { schema, ...(op === "in" || op === "notIn" ? { style: "form", explode: false } : {}) },
        ),
      );
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

/** The relation paths sort keys may take (§13): `author.<field>` for to-one relations declared sortable, `comments.<field>` for has-many ones. */
function relationSortText(schema: ResolvedSchema, resource: ResolvedResource): string {
  const paths = resource.relations
    .filter((r) => r.sortable && (r.kind === "belongsTo" || r.kind === "hasMany"))
    .map((r) => {
      const target = schema.resource.get(r.target);
      const fields = target
        ? target.fields.filter((f) => f.sortable && exposedField(target, f.name)).map((f) => f.name)
        : [];
      const many = r.kind === "hasMany" ? ", to-many: the least value ascending, the greatest descending" : "";
      return `${r.name}.<field> (${fields.join(", ")}${many})`;
    });
  return paths.length === 0 ? "" : ` Through relations: ${paths.join("; ")}; not with cursor.`;
}

/** `fields` (§16): a partial response. */
export function fieldsParameter(resource: ResolvedResource, view: "one" | "list"): Json {
  const fields = resource.fields.filter((f) => !f.hidden[view]).map((f) => f.name);
  const relations = resource.relations.filter((r) => r.views[view]).map((r) => r.name);
  return parameter(
    "query",
    "fields",
    `Partial response: only these fields, the ${resource.id.name} always included. A comma list of paths (or a JSON array): fields here are ${fields.join(", ")}` +
      (relations.length > 0
        ? `; relation.field (e.g. ${relations[0]}.${resource.id.name}) embeds the relation and keeps only the fields named in it, a relation name alone embeds it whole (relations: ${relations.join(", ")})`
        : "") +
      ". Embeds given with embed are narrowed only when fields names a path inside them. Unknown or hidden fields are a 400.",
    { schema: { type: "string" }, example: fields.slice(0, 2).join(",") },
  );
}

/** The query parameters of a list, and the `Range` header ra-data-simple-rest sends. */
export function listParameters(schema: ResolvedSchema, resource: ResolvedResource): Json[] {
  const sortable = resource.fields.filter((f) => f.sortable && exposedField(resource, f.name)).map((f) => f.name);
  const searchable = resource.fields.filter((f) => f.searchable && exposedField(resource, f.name)).map((f) => f.name);
  const embeds = resource.relations.filter((r) => r.views.list).map((r) => r.name);
  const unit = resource.names.path;
  const params: Json[] = [
    parameter("query", "filter", filterDescription(schema, resource), {
      content: jsonContent({ type: "object", additionalProperties: true }, { [resource.id.name]: [1, 2] }),
    }),
    parameter(
      "query",
      "sort",
      `Sort keys: react-admin's ["field","ASC"|"DESC"] (["field"] alone is ascending), several as [["a","ASC"],["b","DESC"]], or a comma list with "-" or a _asc/_desc suffix for the direction (-views,title_asc). Sortable: ${sortable.join(", ")}.${relationSortText(schema, resource)} The id is always the last tie-breaker.`,
      { schema: { type: "string" }, example: `["${sortable[0] ?? resource.id.name}","ASC"]` },
    ),
    parameter(
      "query",
      "sort_by",
      "The comma-list sort under CRUDCrate's name (sort_by=createdAt&order=DESC). Not with sort.",
      {
        schema: { type: "string" },
      },
    ),
    parameter(
      "query",
      "order",
      'Direction of the keys of a comma-list sort that have no "-" or suffix: ASC (default) or DESC.',
      {
        schema: { type: "string", enum: ["ASC", "DESC", "asc", "desc"] },
      },
    ),
    parameter(
      "query",
      "range",
      `react-admin page: [first,last], both inclusive. At most ${resource.maxPageSize} rows; default ${resource.defaultPageSize}. Not with page/per_page.`,
      { schema: { type: "string" }, example: `[0,${resource.defaultPageSize - 1}]` },
    ),
    parameter("query", "page", "1-based page number (with per_page). Not with range or cursor.", {
      schema: { type: "integer", minimum: 1, default: 1 },
    }),
    parameter("query", "per_page", "Rows per page (with page, cursor or before). Not with range.", {
      schema: { type: "integer", minimum: 0, maximum: resource.maxPageSize, default: resource.defaultPageSize },
    }),
  ];
  if (searchable.length > 0) {
    params.push(
      parameter(
        "query",
        "q",
        `Full-text search (PostgreSQL, web search syntax: words, "phrases", -exclude, or) over ${searchable.join(", ")}; most relevant first unless sorted.`,
        { schema: { type: "string" } },
      ),
    );
  }
  params.push(
    parameter(
      "query",
      "cursor",
      `Cursor (keyset) page forward, sized by per_page: empty for the first page, then the cursor of the Link header's next URL. Not with range or page. The body stays an array; Link carries first, prev, next and last; Content-Range is ${unit} */<total>. Sorts by own fields only. A cursor that was altered, or made for another sort, is a 400.`,
      { schema: { type: "string" } },
    ),
    parameter(
      "query",
      "before",
      "Cursor page backward, sized by per_page: empty for the last page, or the cursor of the Link header's prev URL. Not with cursor, range or page.",
      { schema: { type: "string" } },
    ),
  );
  if (resource.softDelete) params.push(deletedParameter(resource, "list"));
  if (embeds.length > 0) params.push(embedParameter(resource, embeds));
  params.push(fieldsParameter(resource, "list"));
  params.push(...operatorParameters(resource));
  params.push(
    parameter(
      "header",
      "Range",
      `Sent by ra-data-simple-rest (${unit}=0-24). Ignored: the range query parameter decides; lists always answer 200.`,
      { schema: { type: "string" } },
    ),
  );
  return params;
}

/** `embed` (§11): the relations to attach. */
export function embedParameter(resource: ResolvedResource, relations: readonly string[]): Json {
  return parameter(
    "query",
    "embed",
    `Related records to attach, as a comma list of dot paths (at most ${resource.maxDepth} levels deep). Relations here: ${relations.join(", ")}.`,
    { schema: { type: "string" }, example: relations.join(",") },
  );
}

/** `deleted` (§18.2), on the lists and single records of a soft-deleted resource. */
export function deletedParameter(resource: ResolvedResource, view: "one" | "list"): Json {
  const what =
    view === "list"
      ? `Which ${resource.plural} the list (and its total) counts`
      : `Where to look for the ${resource.name}`;
  return parameter(
    "query",
    "deleted",
    `${what}: exclude (the live ones, default), include (live and in the trash) or only (the trash, ${resource.softDelete?.field} set).`,
    { schema: { type: "string", enum: ["exclude", "include", "only"], default: "exclude" } },
  );
}

/** `asOf` (§19.4), on single records of a resource with revisions. */
export function asOfParameter(resource: ResolvedResource): Json {
  return parameter(
    "query",
    "asOf",
    `The ${resource.name} as it was: a revision number (1, 2, …) or an ISO 8601 time (the revision in force then). The answer is that revision's snapshot, without an ETag; not with embed or relation paths in fields. A trashed record's past needs deleted=include.`,
    { schema: { type: "string" }, example: "1" },
  );
}

/** A revision number in the path. */
export function revisionParameter(name: string, description: string): Json {
  return parameter("path", name, description, { schema: { type: "integer", minimum: 1 } });
}

/** The record's id in the path. */
export function idParameter(resource: ResolvedResource): Json {
  return parameter("path", "id", `The ${resource.name}'s ${resource.id.name}.`, {
    schema: valueSchema(resource.id, true),
  });
}
