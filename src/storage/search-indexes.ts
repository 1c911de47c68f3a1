/** The GIN indexes full-text search needs, derived from resolved resources (one per resource). */
import type { Datamodel } from "../metadata/datamodel.ts";
import type { ResolvedSchema } from "../metadata/resolved.ts";
import { searchIndexSql } from "./sql/search.ts";

/** One CREATE INDEX statement per resource with searchable fields, in resource order. */
export function searchIndexStatements(schema: ResolvedSchema, datamodel: Datamodel): string[] {
  const statements: string[] = [];
  for (const resource of schema.resources) {
    const fields = resource.fields.filter((f) => f.searchable && !(f.hidden.one && f.hidden.list));
    if (fields.length === 0) continue;
    const model = datamodel.models.find((m) => m.name === resource.model);
    statements.push(
      searchIndexSql(
        model?.dbName ?? resource.model,
        fields.map((f) => f.column),
        resource.searchLanguage,
      ),
    );
  }
  return statements;
}
