/**
 * The database's own answer to a full-text search, for tests to compare with: ids of the rows whose
 * searchable fields match `websearch_to_tsquery`, computed with the same expression as the GIN
 * indexes (so a test also fails if the runtime stops matching them).
 */
import { resources } from "../../demo/schema/index.ts";
import { resolveResources } from "../../src/metadata/resolve.ts";
import { datamodel } from "../../demo/datamodel.ts";
import type { DemoDatabase } from "./demo-database.ts";
import { searchVectorSql } from "../../src/storage/sql/search.ts";

const schema = resolveResources(resources, datamodel);

/** Ids (ascending) of the `resource` rows matching `text`, optionally narrowed by a SQL condition. */
export async function searchIds(
  db: DemoDatabase,
  resource: string,
  text: string,
  andWhere = "TRUE",
): Promise<(number | string)[]> {
  const r = schema.resource.get(resource);
  if (!r) throw new Error(`no resource ${resource}`);
  const columns = r.fields.filter((f) => f.searchable).map((f) => f.name);
  const vector = searchVectorSql(columns, r.searchLanguage);
  const rows = await db.prisma.$queryRawUnsafe<{ id: number | string }[]>(
    `select id from "${r.model}" where ${vector} @@ websearch_to_tsquery('${r.searchLanguage}'::regconfig, $1) and ${andWhere} order by id`,
    text,
  );
  return rows.map((row) => row.id);
}
