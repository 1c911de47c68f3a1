/**
 * The record lifecycle options of a resource: the audit columns, soft delete's columns, the version column
 * of optimistic concurrency and revisions.
 */
import type { DatamodelField } from "../datamodel.ts";
import type { ResourceDefinition } from "../definition.ts";
import type { ReportIssue } from "../errors.ts";
import type { ResolvedField, ResolvedResource } from "../resolved.ts";

const AUDIT_COLUMNS = ["createdAt", "createdBy", "updatedAt", "updatedBy"] as const;

/** The audit columns a definition names (`true`: those of the conventional names the model has). */
export function auditColumns(
  def: ResourceDefinition,
  columns: readonly string[],
  path: string,
  issue: ReportIssue,
): ResolvedResource["audit"] {
  if (!def.audit) return {};
  const out: Record<string, string> = {};
  for (const key of AUDIT_COLUMNS) {
    const named =
      def.audit === true
        ? columns.includes(key)
          ? key
          : false
        : (def.audit[key] ?? (columns.includes(key) ? key : false));
    if (named === false) continue;
    if (!columns.includes(named))
      issue(`${path}.audit.${key}`, `the model has no column "${named}"`, `add it to the model, or set ${key}: false`);
    else out[key] = named;
  }
  if (Object.keys(out).length === 0)
    issue(
      `${path}.audit`,
      `the model has none of the audit columns ${AUDIT_COLUMNS.join(", ")}`,
      "add them to the model (createdBy/updatedBy as String?), or name other columns",
    );
  return out;
}

/** The trash column (a nullable DateTime) and the who-deleted column of soft delete. */
export function softDeleteColumns(
  def: ResourceDefinition,
  scalars: readonly DatamodelField[],
  model: string,
  path: string,
  issue: ReportIssue,
): { field: string; by: string | undefined } | undefined {
  if (!def.softDelete) return undefined;
  const o = def.softDelete === true ? {} : def.softDelete;
  const field = o.field ?? "deletedAt";
  const column = scalars.find((f) => f.name === field);
  if (column?.type !== "DateTime" || column.isRequired) {
    issue(
      `${path}.softDelete.field`,
      `"${field}" must be a nullable DateTime column of ${model}`,
      `add \`${field} DateTime?\` to the model (and a migration)`,
    );
  }
  const by =
    o.by === false ? undefined : (o.by ?? (scalars.some((f) => f.name === "deletedBy") ? "deletedBy" : undefined));
  if (by && !scalars.some((f) => f.name === by && !f.isRequired))
    issue(
      `${path}.softDelete.by`,
      `"${by}" must be a nullable column of ${model}`,
      `add \`${by} String?\`, or set by: false`,
    );
  return { field, by };
}

/** The revisions options, with their defaults; an issue when the Prisma schema has no Revision model. */
export function revisionsOf(
  def: ResourceDefinition,
  hasRevisionModel: boolean,
  path: string,
  issue: ReportIssue,
): ResolvedResource["revisions"] {
  if (!def.revisions) return undefined;
  if (!hasRevisionModel)
    issue(
      `${path}.revisions`,
      "the Prisma schema has no Revision model",
      "copy the Revision model from docs/guides/record-lifecycle.md into prisma/schema.prisma and migrate",
    );
  const o = def.revisions === true ? {} : def.revisions;
  return Object.freeze({ schemaVersion: o.schemaVersion ?? 1, migrate: o.migrate, draft: Boolean(o.draft) });
}

/** The version column of optimistic concurrency must be a visible, NOT NULL Int column. */
export function checkConcurrency(
  def: ResourceDefinition,
  fields: readonly ResolvedField[],
  model: string,
  path: string,
  issue: ReportIssue,
): void {
  if (def.concurrency) {
    const name = def.concurrency.field ?? "version";
    const column = fields.find((f) => f.prismaName === name);
    if (column?.kind !== "Int" || !column.isRequired || column.hidden.one || column.hidden.list) {
      issue(
        `${path}.concurrency.field`,
        `"${name}" must be a visible, NOT NULL Int column of ${model}`,
        `add \`${name} Int @default(1)\` to the model (and a migration), or name another column`,
      );
    }
  }
}
