/** The aggregate route of a resource (§15) in the document: its query parameters and its answer. */
import type { ResolvedField, ResolvedResource, ResolvedSchema } from "../../metadata/resolved.ts";
import { exposedField } from "../operators.ts";
import { type Json, jsonContent, parameter, ref, valueSchema, withNull } from "./builders.ts";
import { listParameters, operatorParameters } from "./parameters.ts";

/** Query parameters of `GET /<resource>/aggregate`. */
export function aggregateParameters(schema: ResolvedSchema, resource: ResolvedResource): Json[] {
  const visible = resource.fields.filter((f) => exposedField(resource, f.name));
  const names = (fields: readonly ResolvedField[]) => fields.map((f) => f.name);
  const commaList = (name: string, fields: readonly ResolvedField[], description: string): Json =>
    parameter("query", name, description, {
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
    parameter(
      "query",
      "having",
      'Conditions on the groups (with groupBy; all must hold, at most 20): a JSON array of {"fn": "count" | "sum" | "avg" | "min" | "max", "field": name (not for count), "op": "eq" | "ne" | "gt" | "gte" | "lt" | "lte", "value": v}. Each function on a field declared for it.',
      {
        content: jsonContent({ type: "array", items: ref("HavingCondition") }, [{ fn: "count", op: "gte", value: 10 }]),
      },
    ),
    parameter(
      "query",
      "sort",
      'Order of the groups (with groupBy): a comma list of count, <fn>.<field> of an aggregate asked for, or a group-by field, "-" for descending (-sum.views,count). The group-by fields ascending follow.',
      { schema: { type: "string" }, example: "-count" },
    ),
    parameter("query", "limit", "Most groups returned (with groupBy).", {
      schema: { type: "integer", minimum: 1, maximum: resource.maxPageSize, default: resource.maxPageSize },
    }),
    parameter("query", "offset", "Groups to skip (with groupBy).", {
      schema: { type: "integer", minimum: 0, default: 0 },
    }),
    listParam("filter"),
  );
  if (search) params.push(listParam("q"));
  params.push(...operatorParameters(resource));
  return params;
}

/** The answer of `GET /<resource>/aggregate`: `{ groups: [...] }`. */
export function aggregateSchemas(resource: ResolvedResource): Record<string, Json> {
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
