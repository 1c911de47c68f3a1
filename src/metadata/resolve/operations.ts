/**
 * The operations a resource serves: its `operations` and `readOnly`, checked and expanded with the
 * lifecycle operations that follow them (the same {@link LIFECYCLE_PARENT} as access rules).
 */
import {
  LIFECYCLE_PARENT,
  type LifecycleOperation,
  OPERATIONS,
  type ResourceDefinition,
  type ServedOperation,
  WRITE_OPERATIONS,
} from "../definition.ts";
import type { ReportIssue } from "../errors.ts";

const WRITES: ReadonlySet<string> = new Set(WRITE_OPERATIONS);

/** The served set of a definition (shape already checked: names are known operations). */
export function servedOperations(
  def: ResourceDefinition,
  path: string,
  issue: ReportIssue,
): ReadonlySet<ServedOperation> {
  const declared = def.operations ?? OPERATIONS;
  if (def.operations?.length === 0)
    issue(
      `${path}.operations`,
      "serves no operation: every client request would be refused",
      `name some of ${OPERATIONS.join(", ")}, or remove the resource`,
    );
  const writes = def.readOnly && def.operations ? def.operations.filter((op) => WRITES.has(op)) : [];
  if (writes.length > 0)
    issue(
      `${path}.operations`,
      `names ${writes.join(", ")}, but the resource is \`readOnly: true\``,
      `remove ${writes.join(", ")} from \`operations\`, or remove \`readOnly\``,
    );
  const served = new Set<ServedOperation>(def.readOnly ? declared.filter((op) => !WRITES.has(op)) : declared);
  for (const [op, parent] of Object.entries(LIFECYCLE_PARENT))
    if (served.has(parent)) served.add(op as LifecycleOperation);
  if (served.has("list") && served.has("delete")) served.add("deleteWhere");
  return served;
}
