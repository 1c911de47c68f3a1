/**
 * Leaf types: the scalars from graphql-scalars, one GraphQL enum per Prisma enum the resources use,
 * the shared sort direction, and the GraphQL type of each field kind.
 */
import type { EnumRef } from "@pothos/core";
import { BigIntResolver, DateTimeResolver, JSONResolver, UUIDResolver } from "graphql-scalars";
import { SHARED_GRAPHQL_NAMES } from "../metadata/names.ts";
import type { ResolvedField, ResolvedSchema } from "../metadata/resolved.ts";
import type { Builder, Types } from "./builder.ts";
import { type FileTypes, fileTypes } from "./files.ts";

/** A type usable both as input and as output: a scalar name or an enum. */
export type LeafType =
  | "String"
  | "Int"
  | "Float"
  | "Boolean"
  | "ID"
  | "DateTime"
  | "JSON"
  | "UUID"
  | "BigInt"
  | EnumRef<Types, string, string>;

/** The leaf types of one schema. */
export interface LeafTypes {
  /** The GraphQL type of a field's values (one value, even for a list field). */
  of(field: ResolvedField): LeafType;
  /** `asc` / `desc`, shared by every order-by input. */
  readonly sortDirection: EnumRef<Types, "asc" | "desc", "asc" | "desc">;
  /** The JSON scalar, added to the schema on first use when no field made it already. */
  json(): "JSON";
  /** The file types (file fields' input and output). */
  readonly files: FileTypes;
  /** The DateTime scalar, likewise (revisions and `asOf` need it on resources without date fields). */
  dateTime(): "DateTime";
}

/** Adds the scalars and enums to the builder. */
export function addLeafTypes(builder: Builder, schema: ResolvedSchema): LeafTypes {
  // Only the scalars some field uses, so the schema (a reviewed contract) holds nothing unused.
  const fields = schema.resources.flatMap((r) => r.fields);
  const isKey = (f: ResolvedField) =>
    schema.resources.some((r) =>
      r.relations.some((rel) => rel.kind === "belongsTo" && r.field.get(rel.localField) === f),
    );
  const uses = (kind: ResolvedField["kind"]) => fields.some((f) => f.kind === kind && !f.isId && !isKey(f));
  let hasDateTime = uses("DateTime");
  if (hasDateTime) builder.addScalarType(SHARED_GRAPHQL_NAMES.dateTime, DateTimeResolver);
  let hasJson = uses("Json");
  if (hasJson) builder.addScalarType(SHARED_GRAPHQL_NAMES.json, JSONResolver);
  if (uses("Uuid")) builder.addScalarType(SHARED_GRAPHQL_NAMES.uuid, UUIDResolver);
  if (uses("BigInt")) builder.addScalarType(SHARED_GRAPHQL_NAMES.bigInt, BigIntResolver);
  // A field holding another record's id (the key of a belongs-to relation) is typed like that id: `authorId: ID`,
  // so clients compare and send it as they do `id` (`post.authorId === user.id`, `createPost(data: { authorId: user.id })`).
  const keys = new Set(
    schema.resources.flatMap((r) =>
      r.relations.flatMap((rel) => (rel.kind === "belongsTo" ? [r.field.get(rel.localField)] : [])),
    ),
  );
  const enums = new Map<string, EnumRef<Types, string, string>>();
  for (const e of schema.enums) enums.set(e.name, builder.enumType(e.name, { values: e.values }));
  const sortDirection = builder.enumType(SHARED_GRAPHQL_NAMES.sortDirection, {
    description: "Sort order: ascending or descending.",
    values: ["asc", "desc"] as const,
  });
  return {
    sortDirection,
    files: fileTypes(builder, schema),
    json() {
      if (!hasJson) builder.addScalarType(SHARED_GRAPHQL_NAMES.json, JSONResolver);
      hasJson = true;
      return "JSON";
    },
    dateTime() {
      if (!hasDateTime) builder.addScalarType(SHARED_GRAPHQL_NAMES.dateTime, DateTimeResolver);
      hasDateTime = true;
      return "DateTime";
    },
    of(field) {
      if (field.isId || keys.has(field)) return "ID";
      switch (field.kind) {
        case "String":
        case "Int":
        case "Float":
        case "Boolean":
        case "DateTime":
        case "BigInt":
          return field.kind;
        // Decimal arrives as Prisma's Decimal and leaves as a JSON number: Float is the honest type.
        case "Decimal":
          return "Float";
        case "Json":
          return "JSON";
        case "Uuid":
          return "UUID";
        case "Enum": {
          const ref = field.enum && enums.get(field.enum.name);
          if (!ref) throw new Error(`Enum ${field.enum?.name} of field ${field.name} is missing from schema.enums`);
          return ref;
        }
      }
    },
  };
}
