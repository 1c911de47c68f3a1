/** Serial and identity sequences moved past the largest value loaded, so the next insert does not collide. */
import type pg from "pg";
import { ident } from "../sql/where-sql.ts";
import type { PlannedTable } from "./table-plan.ts";

/** Sets each sequence owned by a column of `tables` to the column's max (the next value is max + 1). */
export async function resetSequences(client: pg.ClientBase, tables: readonly PlannedTable[]): Promise<void> {
  for (const table of tables) {
    const name = ident(table.table);
    const { rows } = await client.query<{ column: string; sequence: string }>(
      `select a.attname as "column", pg_get_serial_sequence($1, a.attname) as "sequence"
       from pg_attribute a where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped
       and pg_get_serial_sequence($1, a.attname) is not null`,
      [name],
    );
    for (const { column, sequence } of rows) {
      const max = `(select max(${ident(column)}) from ${name})`;
      await client.query(`select setval($1, coalesce(${max}, 1), ${max} is not null)`, [sequence]);
    }
  }
}
