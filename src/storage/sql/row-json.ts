/**
 * A row as JSON, the way the runtime reads rows: times as ISO 8601 instants (UTC), big integers and
 * decimals as text (JSON numbers would lose digits), everything else as PostgreSQL's `to_json` writes
 * it; and the decoder that turns such JSON back into runtime values (Dates, bigints).
 *
 * Both compilers build rows with it: the write compiler a written row's JSON (the statement's answer,
 * and the revision's snapshot), the read compiler every field a read loads, so a written row and a
 * read one have the same values.
 */
import type { DatamodelField, DatamodelModel } from "../../metadata/datamodel.ts";
import { literal, type SqlModels } from "./where-sql.ts";

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** The JSON value of `column`, a column of `field`. */
export function jsonValueSql(column: string, field: DatamodelField): string {
  if (field.type === "DateTime") {
    const utc = (x: string) => (field.nativeType?.[0] === "Timestamptz" ? `(${x} AT TIME ZONE 'UTC')` : x);
    return field.isList
      ? `(SELECT json_agg(to_char(${utc("x")}, ${ISO})) FROM unnest(${column}) x)`
      : `to_char(${utc(column)}, ${ISO})`;
  }
  if (field.type === "BigInt" || field.type === "Decimal")
    return field.isList ? `${column}::text[]` : `${column}::text`;
  return column;
}

/** `json_build_object` of `fields` of rows of `model` aliased `alias`, each under its field name. */
export function rowObjectSql(
  models: SqlModels,
  model: DatamodelModel,
  alias: string,
  fields: readonly string[],
): string {
  return objectSql(
    fields.map((name) => {
      const field = models.field(model, name);
      return [name, jsonValueSql(`${alias}.${models.column(field)}`, field)];
    }),
  );
}

/** A key of a JSON object and the SQL of its value. */
export type Entry = readonly [key: string, value: string];

/** `json_build_object` of key/value pairs; over 50 pairs (its 100-argument limit) merged as jsonb. */
export function objectSql(entries: readonly Entry[]): string {
  const pairs = entries.map(([key, value]) => `${literal(key)}, ${value}`);
  if (pairs.length <= 50) return `json_build_object(${pairs.join(", ")})`;
  const chunks: string[] = [];
  for (let i = 0; i < pairs.length; i += 50)
    chunks.push(`json_build_object(${pairs.slice(i, i + 50).join(", ")})::jsonb`);
  return `(${chunks.join(" || ")})::json`;
}

/** Turns a parsed row of {@link rowObjectSql} into a runtime row, in place: Dates and bigints revived. */
export function rowDecoder(
  models: SqlModels,
  model: DatamodelModel,
  fields: readonly string[],
): (row: Record<string, unknown>) => Record<string, unknown> {
  const dates: string[] = [];
  const bigints: string[] = [];
  for (const name of fields) {
    const type = models.field(model, name).type;
    if (type === "DateTime") dates.push(name);
    else if (type === "BigInt") bigints.push(name);
  }
  return (row) => reviveValues(row, dates, bigints);
}

/** Turns, in place, the `dates` of a row's JSON (ISO 8601 text) into Dates and its `bigints` (text) into bigints, lists too; returns the row. */
export function reviveValues(
  row: Record<string, unknown>,
  dates: readonly string[],
  bigints: readonly string[],
): Record<string, unknown> {
  for (const key of dates) {
    const v = row[key];
    if (typeof v === "string") row[key] = new Date(v);
    else if (Array.isArray(v)) row[key] = v.map((x) => new Date(x as string));
  }
  for (const key of bigints) {
    const v = row[key];
    if (typeof v === "string") row[key] = BigInt(v);
    else if (Array.isArray(v)) row[key] = v.map((x) => BigInt(x as string));
  }
  return row;
}
