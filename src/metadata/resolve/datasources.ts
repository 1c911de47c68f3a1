/**
 * What several databases cannot serve (docs/guides/datasources.md), refused at boot: a relation or a
 * foreign key between resources on different datasources (no database can join, reference or cascade
 * into another one), and file fields outside the default datasource (the blob garbage collector reads
 * the references in the default database only, so it would delete files still in use).
 */
import type { DatamodelModel } from "../datamodel.ts";
import { DEFAULT_DATASOURCE } from "../definition.ts";
import type { ReportIssue } from "../errors.ts";
import type { ResolvedResource } from "../resolved.ts";

/** Reports each relation, foreign key and file field that would span or leave its datasource. */
export function checkDatasources(
  resources: readonly ResolvedResource[],
  models: ReadonlyMap<string, DatamodelModel>,
  issue: ReportIssue,
): void {
  const byModel = new Map(resources.map((r) => [r.model, r]));
  const reported = new Set<string>();
  for (const resource of resources) {
    const at = `${resource.name}.datasource`;
    // The model's relation fields, exposed or not: their foreign keys reference tables of one database.
    for (const field of models.get(resource.model)?.fields ?? []) {
      if (field.kind !== "object") continue;
      const other = byModel.get(field.type);
      if (!other || other.datasource === resource.datasource) continue;
      const pair = [resource.model, other.model].sort().join("|");
      if (reported.has(pair)) continue;
      reported.add(pair);
      issue(
        at,
        `${resource.name} (datasource "${resource.datasource}") and ${other.name} (datasource "${other.datasource}") are related through ${resource.model}.${field.name}: a relation or foreign key cannot span two databases`,
        `put both resources on one datasource (\`datasource: "${resource.datasource}"\` on ${other.name}, or the other way round), or remove the relation from the Prisma model`,
      );
    }
    // Many-to-many relations reach their target through a join model the checks above do not see.
    for (const relation of resource.relations) {
      if (relation.kind !== "manyToMany") continue;
      const target = resources.find((r) => r.name === relation.target);
      if (!target || target.datasource === resource.datasource) continue;
      issue(
        `${resource.name}.relations.${relation.name}`,
        `the many-to-many relation "${relation.name}" joins ${resource.name} (datasource "${resource.datasource}") to ${target.name} (datasource "${target.datasource}"): a join cannot span two databases`,
        `put both resources on one datasource, or remove "${relation.name}" from ${resource.name}'s \`relations\``,
      );
    }
    if (resource.datasource === DEFAULT_DATASOURCE) continue;
    const files = resource.fields.filter((f) => f.blob).map((f) => f.name);
    if (files.length > 0)
      issue(
        at,
        `file fields (${files.join(", ")}) are served on the default datasource only: the blob garbage collector reads their references there and would delete these files`,
        `serve ${resource.name} from the default datasource, or make ${files.join(", ")} ordinary fields`,
      );
  }
}
