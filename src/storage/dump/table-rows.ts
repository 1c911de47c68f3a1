/**
 * A table's rows as PostgreSQL renders them (`row_to_json`), in primary-key order, read in keyset pages of
 * {@link PAGE_ROWS}: memory stays bounded by one page however large the table (pg-copy-streams, which would
 * stream a COPY, is not a dependency).
 */
import type pg from "pg";
import { ident } from "../sql/where-sql.ts";
import type { PlannedTable } from "./table-plan.ts";

/** Rows per page read, and per insert statement of a load. */
export const PAGE_ROWS = 1000;

/** The SQL condition keeping a table's selected rows, with its first parameter's value, or none. */
export function rowFilter(table: PlannedTable): { sql: string; values: unknown[] } {
  return table.resources ? { sql: `"resource" = any($1::text[])`, values: [table.resources] } : { sql: "", values: [] };
}

/** Yields pages of the table's rows, one JSON text per row, in primary-key order. */
export async function* tableRows(client: pg.Client, table: PlannedTable): AsyncGenerator<string[]> {
  const keys = table.primaryKey.map(ident);
  const filter = rowFilter(table);
  let after: string[] | undefined;
  for (;;) {
    const values = [...filter.values];
    const conditions = filter.sql ? [filter.sql] : [];
    if (after) {
      const params = after.map((k) => {
        values.push(k);
        return `$${values.length}`;
      });
      conditions.push(`(${keys.join(", ")}) > (${params.join(", ")})`);
    }
    const { rows } = await client.query<Record<string, string>>(
      `select row_to_json(t)::text as "json", ${keys.map((k, i) => `${k}::text as "k${i}"`).join(", ")}
       from ${ident(table.table)} t
       ${conditions.length > 0 ? `where ${conditions.join(" and ")}` : ""}
       order by ${keys.join(", ")} limit ${PAGE_ROWS}`,
      values,
    );
    if (rows.length === 0) return;
    yield rows.map((r) => r.json as string);
    if (rows.length < PAGE_ROWS) return;
    const last = rows[rows.length - 1] as Record<string, string>;
    after = keys.map((_, i) => last[`k${i}`] as string);
  }
}
