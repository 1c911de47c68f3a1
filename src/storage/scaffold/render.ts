/**
 * The scaffold's TypeScript files: one resource definition per planned model, `schema/define.ts` (the
 * typed `defineResource`), `schema/index.ts` (the list the server serves) and `src/main.ts`.
 */
import type { ResourcePlan } from "./resource-plan.ts";

/** A property key as source: bare when it is an identifier, quoted otherwise. */
function key(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
}

/** `schema/<file>.ts` of one resource. */
export function renderResource(plan: ResourcePlan): string {
  const lines = [
    `// The ${plan.model} table, served as scaffolded from the database (\`npm run scaffold\`). Yours to edit: a`,
    "// second scaffold keeps this file unless it is run with --force.",
    'import { defineResource } from "./define.ts";',
    "",
    `export default defineResource(${JSON.stringify(plan.model)}, {`,
  ];
  if (plan.id) lines.push(`  id: ${JSON.stringify(plan.id)},`);
  if (plan.operations) {
    lines.push("  // The id column has no default, so clients cannot create: add a sequence, or an `id` function.");
    lines.push(`  operations: [${plan.operations.map((o) => JSON.stringify(o)).join(", ")}],`);
  }
  if (plan.fields.length > 0) {
    lines.push("  fields: {");
    for (const field of plan.fields) lines.push(`    ${key(field.name)}: { ${field.options.join(", ")} },`);
    lines.push("  },");
  }
  if (plan.relations.length > 0)
    lines.push(`  relations: { ${plan.relations.map((r) => `${key(r)}: true`).join(", ")} },`);
  lines.push("});", "");
  return lines.join("\n");
}

/** `schema/define.ts`: `defineResource` bound to the project's Prisma models, REST paths in kebab-case. */
export function renderDefine(): string {
  return `// Binds \`defineResource\` to this project's Prisma models, so a misspelt field is a type error too, and
// sets the REST naming of every resource: kebab-case paths (InvoiceLine → /api/invoice-lines).
import { createResourceDefiner } from "autograph/definitions";
import type { Prisma } from "../src/generated/client.ts";

type Models = Prisma.TypeMap["model"];
/** Scalar and relation field names of every model of prisma/schema.prisma. */
export type AppModels = {
  [M in keyof Models]: {
    scalars: keyof Models[M]["payload"]["scalars"] & string;
    relations: keyof Models[M]["payload"]["objects"] & string;
  };
};

export const defineResource = createResourceDefiner<AppModels>({ naming: "kebab" });
`;
}

/** `schema/index.ts`: every scaffolded resource. */
export function renderIndex(plans: readonly ResourcePlan[]): string {
  const imports = plans.map((p) => `import ${p.variable} from "./${p.file}.ts";`);
  return `// The resources the app serves, one file per table (scaffolded by \`npm run scaffold\`).
// Without \`access\` rules a resource is open to every caller outside production: add them before you deploy.
${imports.join("\n")}

/** Every resource the app serves. */
export const resources = [${plans.map((p) => p.variable).join(", ")}];
`;
}

/**
 * `src/main.ts`: `autograph init`'s entry point (`template`, templates/init/src/main.ts), serving
 * schema/index.ts on DATABASE_URL instead of src/resources.ts on the embedded PostgreSQL.
 */
export function renderMain(template: string): string {
  const header = `// \`npm start\`: serves schema/index.ts on PORT (default 4000) on DATABASE_URL (the database the project was
// scaffolded from); pending migrations are applied first. SIGTERM / SIGINT stop it gracefully.
`;
  const body = template.replace(/^(\/\/.*\n)+/, "");
  const resources = 'import { resources } from "./resources.ts";';
  if (!body.includes(resources)) throw new Error(`templates/init/src/main.ts no longer imports ${resources}`);
  return header + body.replace(resources, 'import { resources } from "../schema/index.ts";');
}
