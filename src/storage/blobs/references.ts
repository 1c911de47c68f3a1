/**
 * Where a schema keeps blob references: every file field (a JSON column) of every resource, and the same
 * field inside the revision snapshots of resources that keep revisions. The garbage collector keeps
 * every object one of these names.
 */
import type { Datamodel } from "../../metadata/datamodel.ts";
import type { ResolvedSchema } from "../../metadata/resolved.ts";
import type { BlobReference } from "./gc.ts";

/** The blob references of `schema` (tables and columns as PostgreSQL names them). */
export function blobReferences(schema: ResolvedSchema, datamodel: Datamodel): BlobReference[] {
  const out: BlobReference[] = [];
  for (const resource of schema.resources) {
    const model = datamodel.models.find((m) => m.name === resource.model);
    if (!model) continue;
    for (const field of resource.fields) {
      if (!field.blob) continue;
      out.push({
        table: model.dbName ?? model.name,
        column: field.column,
        field: field.name,
        revisionResource: resource.revisions ? resource.name : undefined,
      });
    }
  }
  return out;
}
