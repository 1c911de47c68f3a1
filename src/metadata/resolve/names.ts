/**
 * Name collisions, reported at boot: every public name of a resource (GraphQL types and fields, REST path)
 * must be unique across resources, and the names derived from fields, relations, enums and aggregates must
 * not collide with each other or with the shared and built-in ones.
 */
import type { DatamodelModel } from "../datamodel.ts";
import { AGGREGATES } from "../definition.ts";
import type { ReportIssue } from "../errors.ts";
import {
  aggregateTypeNames,
  fieldFilterInputName,
  relationFilterInputName,
  SHARED_GRAPHQL_NAMES,
  SNAPSHOT_ID_FIELD,
  WHERE_INPUT_KEYS,
} from "../names.ts";
import type { ResolvedResource, ResourceNames } from "../resolved.ts";
import { actionTypeNames } from "./actions.ts";
import type { ValidDefinition } from "./definitions.ts";

/** The GraphQL type names of a resource, which may not be a built-in type's. */
const TYPE_NAME_KEYS = [
  "type",
  "whereInput",
  "orderByInput",
  "createInput",
  "updateInput",
  "connectionType",
  "edgeType",
  "revisionType",
  "snapshotType",
  "batchUpdateInput",
  "batchResultType",
  "batchItemType",
  "changeType",
] as const satisfies readonly (keyof ResourceNames)[];

/** Pass 1 of the names: every public name of a resource must be unique across resources. */
export function checkResourceNames(valid: readonly ValidDefinition[], issue: ReportIssue): void {
  const taken = new Map<string, DatamodelModel>();
  for (const { name, plural, names, path, model } of valid) {
    if (name === plural)
      issue(`${path}.plural`, `plural "${plural}" equals the singular name`, "set a different `plural`");
    for (const [kind, value] of Object.entries(names)) {
      const key = kind === "path" ? `path:${value}` : `graphql:${value}`;
      const owner = taken.get(key);
      if (!owner || owner === model) taken.set(key, model);
      else if (kind === "path")
        issue(
          `${path}.naming`,
          `REST path "/${value}" of model ${model.name} is also the path of model ${owner.name}`,
          "set `naming` (or `plural`) on one of them",
        );
      else
        issue(
          path,
          `name "${value}" (${kind}) of model ${model.name} is also used by model ${owner.name}`,
          "set `name` or `plural` on one of them",
        );
    }
  }
}

/**
 * GraphQL type names beyond the per-resource ones checked in pass 1: per-field and per-relation filter
 * inputs, aggregate types, enums and the shared types (lifecycle ones included) must not collide with
 * each other or with a resource's types. Also within one resource: its query and mutation fields, and
 * the keys of its batch update input (`id`, `expectedVersion` next to the fields).
 */
export function checkGraphQLTypeNames(
  resources: readonly ResolvedResource[],
  enumNames: readonly string[],
  issue: ReportIssue,
): void {
  const owners = new Map<string, string>();
  const claim = (name: string, owner: string, path: string, fix: string) => {
    const previous = owners.get(name);
    if (previous !== undefined && previous !== owner)
      issue(path, `GraphQL type name "${name}" (${owner}) is also used by ${previous}`, fix);
    else owners.set(name, owner);
  };
  for (const name of [...Object.values(SHARED_GRAPHQL_NAMES), "String", "Int", "Float", "Boolean", "ID"])
    owners.set(name, "a built-in type");
  for (const r of resources) {
    for (const name of TYPE_NAME_KEYS.map((key) => r.names[key])) {
      // Collisions between resources were reported in pass 1; only the shared names are new here.
      if (owners.get(name) === "a built-in type")
        issue(
          r.name,
          `GraphQL type name "${name}" (resource ${r.name}) is a built-in type`,
          "set `name` on the resource",
        );
      else owners.set(name, `resource ${r.name}`);
    }
  }
  for (const name of enumNames)
    claim(name, `enum ${name}`, name, "rename the enum in the Prisma schema, or set `name` on the resource");
  for (const r of resources) {
    for (const f of r.fields) {
      if (f.filter.size === 0 || (f.hidden.one && f.hidden.list)) continue;
      const at = `${r.name}.fields.${f.name}`;
      if ((WHERE_INPUT_KEYS as readonly string[]).includes(f.name))
        issue(
          at,
          `a filterable field cannot be called "${f.name}" (a keyword of where inputs)`,
          "remove `filter`, or rename the field",
        );
      claim(
        fieldFilterInputName(r.names, f.name),
        `the filter of ${r.name}.${f.name}`,
        at,
        "set `name` on one of the resources, or rename the field",
      );
    }
    for (const relation of r.relations) {
      if (!relation.filterable) continue;
      const at = `${r.name}.relations.${relation.name}`;
      if ((WHERE_INPUT_KEYS as readonly string[]).includes(relation.name))
        issue(
          at,
          `a filterable relation cannot be called "${relation.name}" (a keyword of where inputs)`,
          "remove `filter`, or rename the relation",
        );
      if (relation.kind !== "belongsTo")
        claim(
          relationFilterInputName(r.names, relation.name),
          `the filter of ${r.name}.${relation.name}`,
          at,
          "set `name` on one of the resources, or rename the relation",
        );
    }
    for (const name of aggregateTypesOf(r))
      claim(name, `the aggregates of ${r.name}`, r.name, "set `name` on one of the resources");
    for (const action of r.actions)
      for (const name of actionTypeNames(action))
        claim(name, `action ${r.name}.${action.name}`, `${r.name}.actions.${action.name}`, "rename the action");
    checkOwnFieldNames(r, issue);
  }
}

/**
 * Names that pass 1 cannot tell apart because one resource owns both: two root fields of the resource
 * (e.g. plural "postRevisions" is also the revision query of post), or a field of the batch update
 * input named like its `id` / `expectedVersion` keys.
 */
function checkOwnFieldNames(r: ResolvedResource, issue: ReportIssue): void {
  const n = r.names;
  const roots: [string, string][] = [
    ["one", n.one],
    ["list", n.list],
    ["count", n.count],
    ["connection", n.connection],
    ["aggregate", n.aggregate],
    ["create", n.create],
    ["update", n.update],
    ["delete", n.delete],
    ["purge", n.purge],
    ["createMany", n.createMany],
    ["updateMany", n.updateMany],
    ["deleteMany", n.deleteMany],
    ["purgeMany", n.purgeMany],
    ["lock", n.lock],
    ["unlock", n.unlock],
    ["recordLock", n.recordLock],
    ["recordLocks", n.recordLocks],
  ];
  if (r.softDelete) roots.push(["restore", n.restore], ["restoreMany", n.restoreMany]);
  if (r.revisions)
    roots.push(
      ["revisions", n.revisions],
      ["revision", n.revision],
      ["revisionDiff", n.revisionDiff],
      ["asOf", n.asOf],
      ["revert", n.revert],
    );
  if (r.revisions?.draft) roots.push(["publish", n.publish]);
  for (const action of r.actions) roots.push([`action ${action.name}`, action.names.field]);
  const seen = new Map<string, string>();
  for (const [kind, name] of roots) {
    const other = seen.get(name);
    if (other)
      issue(
        r.name,
        `GraphQL field name "${name}" is both the ${other} and the ${kind} field of ${r.name}`,
        "set a different `plural` (or `name`) on the resource",
      );
    else seen.set(name, kind);
  }
  const recordId = r.revisions && r.fields.find((f) => !f.isId && f.name === SNAPSHOT_ID_FIELD);
  if (recordId)
    issue(
      `${r.name}.fields.${recordId.name}`,
      `a field of a resource with revisions cannot be called "${SNAPSHOT_ID_FIELD}": ${n.snapshotType} uses that name for the record's id`,
      "rename the column (or map it to another field name)",
    );
  const reserved = r.version ? ["id", "expectedVersion"] : ["id"];
  for (const f of r.fields) {
    if (f.isId || f.readOnly || f.hidden.update || !reserved.includes(f.name)) continue;
    issue(
      `${r.name}.fields.${f.name}`,
      `a field written on update cannot be called "${f.name}": ${n.batchUpdateInput} uses that key for ${f.name === "id" ? "the record's id" : "the version read"}`,
      "make the field read-only, or rename the column",
    );
  }
}

/**
 * The aggregate types a resource's GraphQL schema has: none unless it declares `groupBy` or `aggregate`
 * on a readable field; group-by types (key, enum, having, order) only with a `groupBy` field; one
 * object per function some field declares.
 */
function aggregateTypesOf(r: ResolvedResource): string[] {
  const readable = r.fields.filter((f) => !(f.hidden.one && f.hidden.list));
  const grouped = readable.some((f) => f.groupable);
  const aggregated = readable.some((f) => f.aggregates.size > 0);
  if (!grouped && !aggregated) return [];
  const names = aggregateTypeNames(r.names);
  const out = [names.group];
  if (grouped) out.push(names.key, names.groupByField, names.having, names.orderBy, names.keyOrderBy);
  if (grouped && aggregated) out.push(names.aggregateField);
  for (const fn of AGGREGATES) {
    if (!readable.some((f) => f.aggregates.has(fn))) continue;
    out.push(names.functions[fn].type);
    if (grouped) out.push(names.functions[fn].orderBy);
  }
  return out;
}
