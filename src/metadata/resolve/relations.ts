/**
 * The relations a resource exposes: belongs-to (a foreign key on this model), has-many (one on the
 * target's) and many-to-many through a join model, each to a served resource.
 */
import type { DatamodelField, DatamodelModel } from "../datamodel.ts";
import type { RelationOptions, ResourceDefinition } from "../definition.ts";
import type { ReportIssue } from "../errors.ts";
import { camelCase } from "../names.ts";
import type { ResolvedField, ResolvedRelation } from "../resolved.ts";
import type { ValidDefinition } from "./definitions.ts";
import { apiNameOf } from "./fields.ts";

/** What resolving a resource's relations needs. */
export interface RelationContext {
  def: ResourceDefinition;
  model: DatamodelModel;
  /** The resource's name. */
  name: string;
  path: string;
  /** The model's relation fields. */
  relationFields: readonly DatamodelField[];
  /** The resolved fields, whose names a relation must not take. */
  fields: readonly ResolvedField[];
  models: ReadonlyMap<string, DatamodelModel>;
  /** The valid definitions by model name: the resources a relation may point at. */
  byModel: ReadonlyMap<string, ValidDefinition>;
  issue: ReportIssue;
}

/** The relations declared under `relations`, resolved; every one that cannot be served is an issue. */
export function resolveRelations(context: RelationContext): ResolvedRelation[] {
  const { def, model, name, path, relationFields, fields, models, byModel, issue } = context;
  const relationDefs = (def.relations ?? {}) as Record<string, RelationOptions | true>;
  const relations: ResolvedRelation[] = [];
  for (const [key, opts] of Object.entries(relationDefs)) {
    const at = `${path}.relations.${key}`;
    const rf = relationFields.find((f) => f.name === key);
    if (!rf) {
      issue(
        at,
        `model ${model.name} has no relation "${key}"`,
        `use one of: ${relationFields.map((f) => f.name).join(", ") || "(none)"}`,
      );
      continue;
    }
    const o = opts === true ? {} : opts;
    const viewList = o.views ?? ["one", "list"];
    const views = { one: viewList.includes("one"), list: viewList.includes("list") };
    const base = {
      name: key,
      views: Object.freeze(views),
      filterable: Boolean(o.filter),
      sortable: Boolean(o.sort),
      nestedWrites: Boolean(o.nestedWrites),
      ...(o.description ? { description: o.description } : {}),
    };
    if (o.sort && o.through)
      issue(`${at}.sort`, "many-to-many relations cannot be sorted by (to-one and has-many ones can)", "remove `sort`");
    if (o.onDelete && (!rf.isList || o.through))
      issue(`${at}.onDelete`, "delete rules apply to has-many relations only", "remove `onDelete`");
    if (o.through) {
      const join = models.get(rf.type);
      const toTarget = join?.fields.find((f) => f.name === o.through && f.kind === "object");
      const toSelf = join?.fields.find(
        (f) => f.kind === "object" && f.type === model.name && f.relationName === rf.relationName,
      );
      if (!rf.isList || !join || !toTarget || !toSelf?.relationFromFields?.[0] || !toTarget.relationFromFields?.[0]) {
        issue(
          `${at}.through`,
          `"${o.through}" is not a relation of the join model ${rf.type} that holds a foreign key`,
          `name the ${rf.type} relation field pointing at the other model`,
        );
        continue;
      }
      const target = byModel.get(toTarget.type);
      const joinDef = byModel.get(join.name)?.def;
      if (!target) {
        issue(
          at,
          `the target model ${toTarget.type} is not served as a resource`,
          `add a resource definition for ${toTarget.type}, or remove this relation`,
        );
        continue;
      }
      relations.push(
        Object.freeze({
          ...base,
          kind: "manyToMany",
          target: target.name,
          joinModel: join.name,
          joinDelegate: camelCase(join.name),
          joinLocalField: apiNameOf(joinDef, toSelf.relationFromFields[0]),
          joinTargetField: apiNameOf(joinDef, toTarget.relationFromFields[0]),
          joinTargetRelation: toTarget.name,
        }),
      );
      continue;
    }
    const target = byModel.get(rf.type);
    if (!target) {
      const join = models.get(rf.type);
      const hint =
        join && rf.isList ? ` (for a many-to-many through ${rf.type}, set \`through\` to its relation field)` : "";
      issue(
        at,
        `the target model ${rf.type} is not served as a resource${hint}`,
        `add a resource definition for ${rf.type}, or remove this relation`,
      );
      continue;
    }
    if (rf.relationFromFields && rf.relationFromFields.length > 0) {
      if (rf.relationFromFields.length !== 1) {
        issue(at, "composite foreign keys are not served", "remove this relation");
        continue;
      }
      relations.push(
        Object.freeze({
          ...base,
          kind: "belongsTo",
          target: target.name,
          localField: apiNameOf(def, rf.relationFromFields[0] as string),
          targetField: apiNameOf(target.def, rf.relationToFields?.[0] ?? "id"),
          isRequired: rf.isRequired,
        }),
      );
    } else {
      const back = target.model.fields.find(
        (f) => f.kind === "object" && f.relationName === rf.relationName && f.relationFromFields?.length,
      );
      if (!back?.relationFromFields?.[0] || !rf.isList) {
        issue(
          at,
          `one-to-one relations without a foreign key on ${model.name} are not served`,
          "expose it from the side that holds the foreign key",
        );
        continue;
      }
      if (o.onDelete === "setNull" && back.isRequired) {
        issue(
          `${at}.onDelete`,
          `"setNull" needs an optional foreign key, but ${target.model.name}.${back.relationFromFields[0]} is required`,
          'use "restrict" or "cascade", or make the column optional',
        );
      }
      if (o.onDelete === "cascade" && def.softDelete && !target.def.softDelete) {
        issue(
          `${at}.onDelete`,
          `"cascade" from a soft-deleted ${name} needs ${target.name} to be soft-deleted too (a restore would have nothing to bring back)`,
          `add \`softDelete\` to ${target.name}, or use "restrict"`,
        );
      }
      relations.push(
        Object.freeze({
          ...base,
          kind: "hasMany",
          target: target.name,
          foreignField: apiNameOf(target.def, back.relationFromFields[0]),
          onDelete: o.onDelete,
        }),
      );
    }
  }
  for (const r of relations) {
    if (fields.some((f) => f.name === r.name))
      issue(`${path}.relations.${r.name}`, `name collides with a field`, "rename the relation in the Prisma schema");
  }
  return relations;
}
