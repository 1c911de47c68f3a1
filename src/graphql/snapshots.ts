/**
 * Snapshot types (`PostSnapshot`): a record as one of its revisions left it, as `postRevisions { data }` and
 * `postAsOf` return it.
 */
import type { ObjectRef } from "@pothos/core";
import { SNAPSHOT_ID_FIELD } from "../metadata/names.ts";
import type { ResolvedResource } from "../metadata/resolved.ts";
import type { ResourceRecord } from "../runtime/service-types.ts";
import type { Builder, Types } from "./builder.ts";
import { isReadable } from "./read-inputs.ts";
import type { LeafTypes } from "./scalars.ts";

/**
 * A resource's snapshot type: its readable fields as a revision left them, the id as `recordId`. No `id`, so
 * that normalised caches keep each snapshot inside the revision (or query) that holds it instead of storing it
 * as the live record (`Post:3`) and showing an old version there; no relations, which would be read as they
 * are now. Every field may be null: a snapshot written under an older schema may lack one.
 */
export function addSnapshotType(
  builder: Builder,
  resource: ResolvedResource,
  leaves: LeafTypes,
): ObjectRef<Types, ResourceRecord> {
  return builder.objectRef<ResourceRecord>(resource.names.snapshotType).implement({
    description: `A ${resource.name} as it was at one of its revisions (its history, not the live ${resource.name}).`,
    fields: (t) => {
      const fields: Record<string, ReturnType<typeof t.field>> = {
        [SNAPSHOT_ID_FIELD]: t.field({
          type: "ID",
          description: `The id of the ${resource.name}.`,
          resolve: (record) => record[resource.id.name] as never,
        }),
      };
      for (const field of resource.fields) {
        if (field.isId || !isReadable(field)) continue;
        const leaf = field.blob ? leaves.files.info() : leaves.of(field);
        fields[field.name] = t.field({
          type: field.isList ? [leaf] : leaf,
          nullable: true,
          ...(field.description ? { description: field.description } : {}),
          resolve: (record) => (record[field.name] ?? null) as never,
        });
      }
      return fields;
    },
  });
}
