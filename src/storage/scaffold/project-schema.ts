/**
 * The scaffolded project's prisma/schema.prisma: the pulled models as they are, Autograph's generators,
 * and Autograph's own models (Revision, Event, EventCursor, EventDeadLetter, RecordLock) taken from the
 * `autograph init` template, so both kinds of project declare them alike.
 */
import { parsePulledSchema, type PulledModel, type PulledSchema } from "./pulled-schema.ts";

/** Where Autograph's own models start in templates/init/prisma/schema.prisma. */
const AUTOGRAPH_MARKER = "/// Revision history";

/** Autograph's models, as the init template declares them. */
export interface AutographModels {
  readonly text: string;
  readonly models: readonly PulledModel[];
}

/** Autograph's models from the init template's schema text. */
export function autographModelsOf(templateSchema: string): AutographModels {
  const start = templateSchema.indexOf(AUTOGRAPH_MARKER);
  if (start < 0) throw new Error(`the init template's schema has no "${AUTOGRAPH_MARKER}" model`);
  const text = templateSchema.slice(start).trimEnd();
  return { text, models: parsePulledSchema(text).models };
}

/**
 * The pulled schema less Autograph's own tables, found there when the database already has them (a
 * second scaffold, after the app ran). A user's table with one of their names but other columns is a
 * conflict the scaffold cannot settle: an error naming it.
 */
export function withoutAutographModels(pulled: PulledSchema, autograph: AutographModels): PulledSchema {
  const ours = new Map(autograph.models.map((m) => [m.name, m]));
  const models = pulled.models.filter((model) => {
    const mine = ours.get(model.name);
    if (!mine) return true;
    const columns = new Set(model.fields.map((f) => f.name));
    const missing = mine.fields.filter((f) => f.kind !== "relation" && !columns.has(f.name));
    if (missing.length > 0)
      throw new Error(
        `The database has a table "${model.name}" that is not Autograph's (it lacks ${missing.map((f) => f.name).join(", ")}), and Autograph needs a model of that name for its own table. Rename the table (or map it: @@map) before scaffolding.`,
      );
    return false;
  });
  return { ...pulled, models };
}

const DATASOURCE = `datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}`;

/** The user's schema alone (datasource, enums, models): the database as it was, for the baseline. */
export function userSchemaText(pulled: PulledSchema): string {
  return [DATASOURCE, ...pulled.otherBlocks, ...pulled.models.map((m) => m.text)].join("\n\n").concat("\n");
}

/** The project's prisma/schema.prisma. */
export function projectSchemaText(pulled: PulledSchema, autograph: AutographModels, url: string): string {
  const source = new URL(url);
  const from = `${source.hostname}${source.port ? `:${source.port}` : ""}${source.pathname}`;
  return `// Pulled from ${from} by \`npm run scaffold\` (prisma db pull): the tables as they are. schema/*.ts say how
// each model is served. After changing this file, \`npm run db -- migrate dev --name <change>\` writes and
// applies a migration.

generator client {
  provider        = "prisma-client"
  output          = "../src/generated"
  engineType      = "client"
  previewFeatures = ["relationJoins"]
}

// Autograph reads the models and their fields from this JSON, written at \`prisma generate\`.
generator datamodel {
  provider = "node node_modules/autograph/scripts/datamodel-generator.mjs"
  output   = "../src/generated/datamodel.json"
}

${userSchemaText(pulled).trimEnd()}

// Autograph's own tables (revisions, the change-event outbox and its consumers, record locks): keep them.
// The migration after the baseline creates them.

${autograph.text}
`;
}
