/**
 * Autograph's own tables. Every Prisma schema Autograph serves declares four models besides the
 * project's own: `Revision` (the revision log), `Event` (the transactional outbox), `EventCursor` (how
 * far each outbox consumer got) and `EventDeadLetter` (events a handler gave up on). Copy them from
 * Autograph's templates/init/prisma/schema.prisma (in the package: node_modules/autograph/templates/init/prisma/schema.prisma), field for field; the boot checks they are there.
 * One more is optional: `RecordLock` (record locks, docs/guides/locks.md). Without it the lock routes
 * answer 501; with it, it must have every field Autograph uses. So is `CommandReceipt` (the replies of
 * broker commands, docs/guides/messaging.md): without it broker commands refuse to start.
 */
import type { Datamodel } from "../metadata/datamodel.ts";

/** Each model Autograph writes, with the fields it reads and writes. */
export const REQUIRED_MODELS: Readonly<Record<string, readonly string[]>> = {
  Revision: [
    "id",
    "resource",
    "recordId",
    "number",
    "parentNumber",
    "action",
    "status",
    "actorId",
    "createdAt",
    "schemaVersion",
    "data",
  ],
  Event: [
    "id",
    "resource",
    "recordId",
    "action",
    "revisionId",
    "revisionNumber",
    "actorId",
    "createdAt",
    "changed",
    "record",
  ],
  EventCursor: ["name", "lastId", "updatedAt"],
  EventDeadLetter: ["id", "handler", "eventId", "attempts", "error", "createdAt"],
};

/** Each model Autograph uses when the schema declares it, with the fields it reads and writes. */
export const OPTIONAL_MODELS: Readonly<Record<string, readonly string[]>> = {
  RecordLock: ["id", "resource", "recordId", "ownerId", "tenantId", "createdAt", "expiresAt"],
  CommandReceipt: ["key", "resource", "action", "reply", "createdAt", "expiresAt"],
};

/** How to add Autograph's models: copy them from the template, then generate and migrate. */
export function addModelFix(names: string): string {
  return `Copy ${names.includes(",") ? "the models" : "the model"} ${names} from Autograph's templates/init/prisma/schema.prisma (in the package: node_modules/autograph/templates/init/prisma/schema.prisma) into your schema.prisma, then run \`prisma generate\` and \`prisma migrate dev\`.`;
}

/**
 * Throws when `datamodel` lacks one of {@link REQUIRED_MODELS} or one of their fields, or declares one of
 * {@link OPTIONAL_MODELS} without all of its fields, naming each gap and the fix.
 */
export function checkRequiredModels(datamodel: Datamodel): void {
  const gaps: string[] = [];
  const models = new Set<string>();
  const check = (name: string, fields: readonly string[], required: boolean) => {
    const model = datamodel.models.find((m) => m.name === name);
    const missing = model ? fields.filter((f) => !model.fields.some((field) => field.name === f)) : [];
    if (!model && required) gaps.push(`model ${name} is missing`);
    else if (missing.length > 0) gaps.push(`model ${name} lacks ${missing.join(", ")}`);
    else return;
    // Copying every required model is the fix for any of them: they come as a set.
    for (const m of required ? Object.keys(REQUIRED_MODELS) : [name]) models.add(m);
  };
  for (const [name, fields] of Object.entries(REQUIRED_MODELS)) check(name, fields, true);
  // An optional model the schema declares must still have every field Autograph uses.
  for (const [name, fields] of Object.entries(OPTIONAL_MODELS)) check(name, fields, false);
  if (gaps.length > 0)
    throw new Error(
      `The Prisma schema lacks Autograph's own tables: ${gaps.join("; ")}. ${addModelFix([...models].join(", "))}`,
    );
}
