/**
 * Who may do what: the access rules of the operations and of fields, the tenant column, and the checks
 * that go with a `scope`.
 */
import type { DatamodelField } from "../datamodel.ts";
import {
  ACCESS_OPERATIONS,
  type AccessOperation,
  type AccessRule,
  LIFECYCLE_PARENT,
  type LifecycleOperation,
  type ResourceDefinition,
} from "../definition.ts";
import type { ReportIssue } from "../errors.ts";
import type { ResolvedField, ResolvedResource } from "../resolved.ts";

/** true, false, "authenticated", a list of role names, or a checker function. */
export function isRule(rule: unknown): boolean {
  if (typeof rule === "boolean" || rule === "authenticated" || typeof rule === "function") return true;
  return Array.isArray(rule) && rule.every((r) => typeof r === "string" && r.length > 0);
}

/** Every operation's rule: declared, else its parent's, else undefined (denied). */
export function accessRules(
  access: Partial<Record<AccessOperation, unknown>>,
  at: string,
  issue: ReportIssue,
): Record<AccessOperation, AccessRule | undefined> {
  const out = {} as Record<AccessOperation, AccessRule | undefined>;
  for (const op of ACCESS_OPERATIONS) {
    const parent = op in LIFECYCLE_PARENT ? LIFECYCLE_PARENT[op as LifecycleOperation] : undefined;
    const rule = access[op] ?? (parent ? access[parent] : undefined);
    if (rule !== undefined && !isRule(rule))
      issue(
        `${at}.${op}`,
        `not an access rule: ${JSON.stringify(rule)}`,
        'use true, false, "authenticated", a list of roles, or a function',
      );
    out[op] = rule as AccessRule | undefined;
  }
  return Object.freeze(out);
}

/** A resource's rules and where they come from: declared, public, or the default (open; locked in production). */
export function effectiveAccess(
  access: ResourceDefinition["access"],
  production: boolean,
  at: string,
  issue: ReportIssue,
): Pick<ResolvedResource, "access" | "accessSource"> {
  if (access === "public") return { access: undefined, accessSource: "public" };
  if (access !== undefined) return { access: accessRules(access, at, issue), accessSource: "declared" };
  if (!production) return { access: undefined, accessSource: "open" };
  return { access: accessRules({ read: "authenticated" }, at, issue), accessSource: "locked" };
}

/** A field's `access`, after checking its rules. */
export function checkFieldAccess<T extends { read?: unknown; write?: unknown }>(
  access: T,
  at: string,
  issue: ReportIssue,
): T {
  for (const key of ["read", "write"] as const) {
    if (access[key] !== undefined && !isRule(access[key]))
      issue(
        `${at}.access.${key}`,
        `not an access rule: ${JSON.stringify(access[key])}`,
        'use true, false, "authenticated", a list of roles, or a function of the actor',
      );
  }
  return access;
}

/**
 * Whether the tenant column (the runtime's to fill from the actor and to filter by) is a NOT NULL String
 * or Int column of the model; an issue when it is not.
 */
export function checkTenantColumn(
  def: ResourceDefinition,
  scalars: readonly DatamodelField[],
  model: string,
  path: string,
  issue: ReportIssue,
): boolean {
  const column = scalars.find((f) => f.name === def.tenant);
  if (!column || !["String", "Int"].includes(column.type) || column.isList || !column.isRequired) {
    issue(
      `${path}.tenant`,
      `"${def.tenant}" must be a NOT NULL String or Int column of ${model}`,
      `add \`${def.tenant} String\` to the model (and a migration), or name another column`,
    );
    return false;
  }
  return true;
}

/** The row conditions: `ensure` names model fields; `scopedWrites` and fields' `hiddenWhenScoped` need a `scope`. */
export function checkScopeOptions(
  def: ResourceDefinition,
  fields: readonly ResolvedField[],
  path: string,
  issue: ReportIssue,
  modelFields: readonly string[] = [],
): void {
  // `ensure` is a where over the model: its keys name columns or relations, or combine conditions.
  for (const key of Object.keys(def.ensure ?? {}))
    if (!["AND", "OR", "NOT"].includes(key) && !modelFields.includes(key))
      issue(
        `${path}.ensure.${key}`,
        `"${key}" is no field of the model`,
        `use the model's fields (${modelFields.join(", ")}) or AND / OR / NOT`,
      );
  if (def.scopedWrites !== undefined && !def.scope)
    issue(`${path}.scopedWrites`, "scopedWrites needs a `scope`", "add `scope`, or remove `scopedWrites`");
  if (!def.scope)
    for (const f of fields)
      if (f.hiddenWhenScoped)
        issue(
          `${path}.fields.${f.prismaName}.hiddenWhenScoped`,
          "hiddenWhenScoped needs the resource's `scope`",
          "add `scope`, or remove `hiddenWhenScoped`",
        );
}
