/**
 * Full-text search in SQL. Prisma's query API cannot express `tsvector @@ websearch_to_tsquery` in a form
 * a GIN index serves, so the runtime marks a full-text condition in its `where` with {@link SEARCH_KEY}
 * and the SQL compiler (where-sql.ts) turns it into that expression.
 */

/** The marker the runtime puts in a `where` for a full-text condition. */
export const SEARCH_KEY = "$search";

/** A full-text condition: the text, the columns searched and the text search configuration. */
export interface SearchCondition {
  readonly text: string;
  readonly columns: readonly string[];
  readonly language: string;
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * The tsvector expression of a model's searchable columns. GIN indexes must be built on exactly this
 * expression (see `searchIndexSql`) for PostgreSQL to use them.
 */
export function searchVectorSql(columns: readonly string[], language: string, alias?: string): string {
  const prefix = alias ? `${alias}.` : "";
  const text = columns.map((c) => `coalesce(${prefix}${quote(c)}, '')`).join(" || ' ' || ");
  return `to_tsvector('${language.replaceAll("'", "''")}'::regconfig, ${text})`;
}

/** The CREATE INDEX statement a migration needs for a model's search. */
export function searchIndexSql(table: string, columns: readonly string[], language: string): string {
  return `CREATE INDEX ${quote(`${table}_search_idx`)} ON ${quote(table)} USING GIN (${searchVectorSql(columns, language)});`;
}

/** Whether a `where` holds a full-text condition anywhere. */
export function hasSearch(where: unknown): boolean {
  if (!where || typeof where !== "object") return false;
  if (Array.isArray(where)) return where.some(hasSearch);
  return Object.entries(where).some(([k, v]) => k === SEARCH_KEY || hasSearch(v));
}

/** The top-level full-text condition of a `where` (ranking uses it), if any. */
export function topSearch(where: unknown): SearchCondition | undefined {
  if (!where || typeof where !== "object" || Array.isArray(where)) return undefined;
  const w = where as Record<string, unknown>;
  if (w[SEARCH_KEY]) return w[SEARCH_KEY] as SearchCondition;
  for (const item of Array.isArray(w.AND) ? w.AND : []) {
    const found = topSearch(item);
    if (found) return found;
  }
  return undefined;
}
