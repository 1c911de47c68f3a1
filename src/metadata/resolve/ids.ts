/** The id of a resource: one single-column @id, and a generator that can make its values. */
import type { DatamodelField, DatamodelModel } from "../datamodel.ts";
import type { ResourceDefinition } from "../definition.ts";
import type { ReportIssue } from "../errors.ts";
import type { ResolvedField } from "../resolved.ts";

/** Whether the model has one single-column @id (composite ids are not served); an issue when not. */
export function hasSingleId(
  model: DatamodelModel,
  scalars: readonly DatamodelField[],
  path: string,
  issue: ReportIssue,
): boolean {
  if (model.primaryKey || scalars.filter((f) => f.isId).length !== 1) {
    issue(
      `${path}.model`,
      `model ${model.name} has no single-column @id`,
      "give the model one @id column (composite ids are not served)",
    );
    return false;
  }
  return true;
}

/**
 * The `id` generator of a resource that creates must fit the id column: "uuid" a text column, "database"
 * a column with a default.
 */
export function checkIdGenerator(
  def: ResourceDefinition,
  id: ResolvedField,
  model: DatamodelModel,
  path: string,
  issue: ReportIssue,
): void {
  if (def.id === "uuid" && id.kind !== "Uuid" && id.kind !== "String") {
    issue(
      `${path}.id`,
      `"uuid" ids need a String or @db.Uuid id column; ${model.name}.${id.name} is ${id.kind}`,
      'use id: "database" or change the column type',
    );
  }
  const idColumn = model.fields.find((f) => f.isId);
  if ((def.id ?? "database") === "database" && idColumn && !idColumn.hasDefaultValue) {
    issue(
      `${path}.id`,
      `${model.name}.${id.name} has no database default, so "database" cannot make ids`,
      'set id: "uuid" (or a function), or add @default(...) to the column',
    );
  }
}
