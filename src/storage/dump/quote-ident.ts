/** A PostgreSQL identifier, double-quoted (`Post` → `"Post"`), so case survives and names cannot inject SQL. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
