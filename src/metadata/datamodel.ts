/**
 * The shape of the Prisma datamodel resolution checks definitions against (written at `prisma generate`
 * by scripts/datamodel-generator.mjs). Only the parts resolution reads are typed.
 */
export interface DatamodelField {
  name: string;
  /** The column name (the field's `@map`), when it differs from the field name. */
  dbName?: string | null;
  kind: "scalar" | "object" | "enum" | "unsupported";
  type: string;
  isList: boolean;
  isRequired: boolean;
  isId: boolean;
  isUnique: boolean;
  isUpdatedAt: boolean;
  hasDefaultValue: boolean;
  /** The default: a literal value, or `{ name, args }` of a function (`autoincrement`, `now`, `uuid`, `cuid`, `dbgenerated`…). */
  default?: unknown;
  nativeType?: readonly [string, readonly string[]] | null;
  relationName?: string | null;
  relationFromFields?: readonly string[];
  relationToFields?: readonly string[];
  documentation?: string;
}

export interface DatamodelModel {
  name: string;
  dbName: string | null;
  fields: readonly DatamodelField[];
  primaryKey: { fields: readonly string[] } | null;
  uniqueFields: readonly (readonly string[])[];
  documentation?: string;
}

export interface DatamodelEnum {
  name: string;
  values: readonly { name: string }[];
}

/**
 * A Prisma schema's models and enums, as Autograph's datamodel generator (scripts/datamodel-generator.mjs)
 * writes them to JSON at `prisma generate`. Pass it to `startServer` (or `resolveResources`) with the
 * client generated from the same schema.
 */
export interface Datamodel {
  models: readonly DatamodelModel[];
  enums: readonly DatamodelEnum[];
}
