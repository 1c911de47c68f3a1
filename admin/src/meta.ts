/**
 * The schema description the app builds its screens from (`GET /api/_meta`, docs/reference/meta.md): what
 * the signed-in actor may do with each resource. Fetched once per sign-in; react-admin holds it as the
 * actor's permissions.
 */
import type {
  FieldDescription,
  RelationDescription,
  ResourceDescription,
  SchemaDescription,
} from "../../src/runtime/describe.ts";

export type { FieldDescription, RelationDescription, ResourceDescription, SchemaDescription };

/** Whether the actor may perform `operation` on `resource` (a per-record rule counts as may: the server decides). */
export const can = (resource: ResourceDescription, operation: keyof ResourceDescription["operations"]): boolean =>
  resource.operations[operation] !== undefined;

/** The belongsTo relation whose local field is `field`, if any. */
export const referenceOf = (resource: ResourceDescription, field: string): RelationDescription | undefined =>
  resource.relations.find((r) => r.kind === "belongsTo" && r.localField === field);

/** The field a record is shown by elsewhere (a reference's label): a name or title, else the id. */
export function representationOf(resource: ResourceDescription): string {
  const names = ["name", "title", "label", "subject", "email", "username", "slug"];
  const text = resource.fields.filter((f) => f.type === "string" && f.readable.list);
  return (
    names.map((n) => text.find((f) => f.name === n)).find((f) => f !== undefined)?.name ??
    text.find((f) => f.searchable)?.name ??
    resource.id.field
  );
}

/** Fields an actor reads in `view`. */
export const readable = (resource: ResourceDescription, view: "one" | "list"): FieldDescription[] =>
  resource.fields.filter((f) => f.readable[view]);
