/** The shared `RevisionDiff` type of the revision queries: what changed between two revisions of a record. */
import type { ObjectRef } from "@pothos/core";
import { SHARED_GRAPHQL_NAMES } from "../metadata/names.ts";
import type { RevisionDiff } from "../runtime/history.ts";
import type { Builder, Types } from "./builder.ts";
import type { LeafTypes } from "./scalars.ts";

/** Adds the `RevisionDiff` type (and its `FieldChange`). */
export function addDiffType(builder: Builder, leaves: LeafTypes): ObjectRef<Types, RevisionDiff> {
  const change = builder.objectRef<RevisionDiff["changes"][number]>(SHARED_GRAPHQL_NAMES.fieldChange).implement({
    description: "One field that differs between two revisions.",
    fields: (t) => ({
      field: t.exposeString("field"),
      from: t.field({
        type: leaves.json(),
        nullable: true,
        description: "Its value in the older revision.",
        resolve: (c) => jsonValue(c.from),
      }),
      to: t.field({
        type: leaves.json(),
        nullable: true,
        description: "Its value in the newer revision.",
        resolve: (c) => jsonValue(c.to),
      }),
    }),
  });
  return builder.objectRef<RevisionDiff>(SHARED_GRAPHQL_NAMES.revisionDiff).implement({
    description: "What changed between two revisions of a record, over the fields clients may see.",
    fields: (t) => ({
      from: t.exposeInt("from", { description: "The older revision (0: before the record existed)." }),
      to: t.exposeInt("to", { description: "The newer revision." }),
      changes: t.field({ type: [change], resolve: (d) => d.changes }),
    }),
  });
}

/** A field value inside the JSON scalar: JSON has no big integers, so they travel as text (like dates). */
function jsonValue(value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : (value ?? null);
}
