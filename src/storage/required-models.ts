/**
 * Autograph's own tables. Every Prisma schema Autograph serves declares four models besides the
 * project's own: `Revision` (the revision log), `Event` (the transactional outbox), `EventCursor` (how
 * far each outbox consumer got) and `EventDeadLetter` (events a handler gave up on). Copy them from
 * Autograph's templates/init/prisma/schema.prisma (in the package: node_modules/autograph/templates/init/prisma/schema.prisma), field for field; the boot checks they are there.
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

/**
 * Throws when `datamodel` lacks one of {@link REQUIRED_MODELS} or one of their fields, naming each gap
 * and the fix.
 */
export function checkRequiredModels(datamodel: Datamodel): void {
  const gaps: string[] = [];
  for (const [name, fields] of Object.entries(REQUIRED_MODELS)) {
    const model = datamodel.models.find((m) => m.name === name);
    if (!model) {
      gaps.push(`model ${name} is missing`);
      continue;
    }
    const missing = fields.filter((f) => !model.fields.some((field) => field.name === f));
    if (missing.length > 0) gaps.push(`model ${name} lacks ${missing.join(", ")}`);
  }
  if (gaps.length > 0)
    throw new Error(
      `The Prisma schema lacks Autograph's own tables: ${gaps.join("; ")}. Copy the models ${Object.keys(REQUIRED_MODELS).join(", ")} ` +
        "from Autograph's templates/init/prisma/schema.prisma (in the package: node_modules/autograph/templates/init/prisma/schema.prisma) into your schema.prisma, then run `prisma generate` and `prisma migrate dev`.",
    );
}
