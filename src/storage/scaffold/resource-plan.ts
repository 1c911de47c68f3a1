/**
 * What the scaffold serves of each pulled model, and why: pure decisions over the pulled schema, which
 * src/storage/scaffold/render.ts turns into `schema/<resource>.ts` and the CLI prints.
 */
import type { PulledField, PulledModel, PulledSchema } from "./pulled-schema.ts";

/** One field's options in the generated definition, as source text (`filter: true`). */
export interface FieldPlan {
  readonly name: string;
  readonly options: readonly string[];
}

/** A model the scaffold serves. */
export interface ResourcePlan {
  readonly model: string;
  /** File name under schema/, without `.ts`: `invoice-line`. */
  readonly file: string;
  /** The variable schema/index.ts imports it as: `invoiceLine`. */
  readonly variable: string;
  readonly fields: readonly FieldPlan[];
  readonly relations: readonly string[];
  /** Set when not every operation can be served (no way to make ids). */
  readonly operations?: readonly string[];
  /** Set when the runtime makes the ids (`"uuid"`). */
  readonly id?: "uuid";
  /** What was chosen and why, one line each, for the report. */
  readonly decisions: readonly string[];
}

/** A model the scaffold leaves out, with the reason. */
export interface SkippedModel {
  readonly model: string;
  readonly reason: string;
}

/** The scaffold's decisions for a whole schema. */
export interface ScaffoldPlan {
  readonly resources: readonly ResourcePlan[];
  readonly skipped: readonly SkippedModel[];
}

/** Column names that hold secrets: served write-only (never read back). */
const SECRET = /pass(word|wd)?|secret|token|hash|salt|api_?key|private_?key|otp/i;
/** Types Autograph serves (src/metadata/resolve/fields.ts); Bytes and Unsupported(...) are not. */
const SERVED_SCALARS = new Set(["String", "Int", "BigInt", "Float", "Decimal", "Boolean", "DateTime", "Json"]);
const GRAPHQL_ROOTS = new Set(["Query", "Mutation", "Subscription"]);
const RESERVED = new Set(["delete", "new", "class", "default", "function", "in", "case", "switch", "import", "export"]);

/** `InvoiceLine` / `invoice_line` → its words, lowercase. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/** The file name of a model's definition: `InvoiceLine` → `invoice-line`. */
export function fileNameOf(model: string): string {
  return words(model).join("-") || "model";
}

/** The variable of a model's definition: `InvoiceLine` → `invoiceLine`. */
export function variableOf(model: string): string {
  const [first = "model", ...rest] = words(model);
  const name = /^[0-9]/.test(first) ? `m${first}` : first;
  const camel = name + rest.map((w) => w[0]?.toUpperCase() + w.slice(1)).join("");
  return RESERVED.has(camel) ? `${camel}Resource` : camel;
}

/** Why a model cannot be served, or undefined when it can. */
function unservable(model: PulledModel): string | undefined {
  if (model.ignored)
    return "Prisma cannot serve the table (@@ignore: it has no primary key or unique column Prisma can use)";
  if (GRAPHQL_ROOTS.has(model.name))
    return `its name is a GraphQL root type: rename the model (keeping the table with @@map("${model.name}"))`;
  const composite = model.indexes.find((i) => i.kind === "id" && i.columns.length > 1);
  if (composite) return `composite primary key (${composite.columns.join(", ")}): Autograph serves one id column`;
  const ids = model.fields.filter((f) => f.id);
  if (ids.length !== 1) return "no primary key: Autograph needs one id column";
  const id = ids[0] as PulledField;
  if (id.kind !== "scalar" || !SERVED_SCALARS.has(id.type) || id.type === "Json")
    return `its id ${id.name} has type ${id.type}, which Autograph does not serve as an id`;
  return undefined;
}

/** Plans every model: the served ones and the skipped ones, with reasons. */
export function planResources(schema: PulledSchema): ScaffoldPlan {
  const skipped: SkippedModel[] = [];
  const served = new Map<string, PulledModel>();
  for (const model of schema.models) {
    const reason = unservable(model);
    if (reason) skipped.push({ model: model.name, reason });
    else served.set(model.name, model);
  }
  const resources = [...served.values()].map((model) => planResource(model, served, skipped));
  return { resources, skipped };
}

function planResource(
  model: PulledModel,
  served: ReadonlyMap<string, PulledModel>,
  skipped: readonly SkippedModel[],
): ResourcePlan {
  const decisions: string[] = [];
  const fields: FieldPlan[] = [];
  const foreignKeys = new Set(model.fields.flatMap((f) => f.foreignKey ?? []));
  const leading = new Map<string, string>();
  for (const index of model.indexes)
    if (index.kind !== "id" && index.columns[0] && !leading.has(index.columns[0]))
      leading.set(index.columns[0], index.name ?? `@@${index.kind}([${index.columns.join(", ")}])`);
  const searched: string[] = [];
  const filtered: string[] = [];
  let id: ResourcePlan["id"];
  let operations: ResourcePlan["operations"];

  for (const field of model.fields) {
    if (field.kind === "relation") continue;
    if (field.kind === "unsupported" || (field.kind === "scalar" && !SERVED_SCALARS.has(field.type))) {
      decisions.push(`${field.name}: not served, type ${field.type} has no API form`);
      continue;
    }
    const options: string[] = [];
    if (field.id) {
      const idName = model.fields.some((f) => f.name === "id" && f !== field);
      if (field.name !== "id" && !idName) {
        options.push('apiName: "id"');
        decisions.push(`${field.name}: the id, served as "id" (the name react-admin expects)`);
      }
      if (!field.hasDefault) {
        if (
          field.type === "String" &&
          (field.nativeType === undefined || ["Uuid", "Text"].includes(field.nativeType))
        ) {
          id = "uuid";
          decisions.push(`${field.name} has no database default: the runtime makes ids (random UUIDs)`);
        } else {
          operations = ["list", "get", "update", "delete"];
          decisions.push(
            `create left out: ${field.name} has no database default (add a sequence, or an \`id\` function, to serve it)`,
          );
        }
      }
    } else if (SECRET.test(field.name)) {
      options.push('hidden: ["one", "list"]');
      decisions.push(`${field.name}: hidden, its name says secret (clients may write it, never read it)`);
    } else {
      const index = leading.get(field.name);
      if (index && field.type !== "Json" && !field.list) {
        options.push("filter: true", "sort: true");
        filtered.push(`${field.name} (${index})`);
      }
      if (field.type === "String" && field.nativeType !== "Uuid" && !field.list && !foreignKeys.has(field.name)) {
        options.push("search: true");
        searched.push(field.name);
      }
    }
    if (options.length > 0) fields.push({ name: field.name, options });
  }
  if (filtered.length > 0) decisions.push(`filter, sort: ${filtered.join(", ")}: an index leads with it`);
  if (searched.length > 0) decisions.push(`search: ${searched.join(", ")}: text columns`);

  const relations: string[] = [];
  for (const field of model.fields) {
    if (field.kind !== "relation") continue;
    const why = relationProblem(model, field, served, skipped);
    if (why) {
      decisions.push(`relation ${field.name}: not served, ${why}`);
      continue;
    }
    relations.push(field.name);
    decisions.push(
      field.foreignKey
        ? `relation ${field.name} → ${field.type}: foreign key ${field.foreignKey.join(", ")}`
        : `relation ${field.name} → ${field.type}[]: their foreign key points here`,
    );
  }
  return {
    model: model.name,
    file: fileNameOf(model.name),
    variable: variableOf(model.name),
    fields,
    relations,
    ...(operations ? { operations } : {}),
    ...(id ? { id } : {}),
    decisions,
  };
}

/** Why a relation field cannot be served, or undefined. */
function relationProblem(
  model: PulledModel,
  field: PulledField,
  served: ReadonlyMap<string, PulledModel>,
  skipped: readonly SkippedModel[],
): string | undefined {
  const target = served.get(field.type);
  if (!target) {
    const reason = skipped.find((s) => s.model === field.type) ? "its model is skipped" : "its model is not served";
    return `${field.type}: ${reason}`;
  }
  const counterpart = target.fields.find(
    (f) => f.kind === "relation" && f.type === model.name && f.relationName === field.relationName && f !== field,
  );
  const key = field.foreignKey ?? counterpart?.foreignKey ?? [];
  if (key.length !== 1) return "composite foreign keys are not served";
  if (!field.foreignKey && !field.list) return "the back side of a one-to-one relation is not served";
  return undefined;
}
