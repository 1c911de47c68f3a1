/**
 * Custom operations (the definition's `actions`): each one's rule, names, and its input and output
 * schemas as JSON Schema (OpenAPI) and as the shape GraphQL maps, derived once from the zod schemas. What
 * GraphQL cannot map is a boot error naming the action and the property.
 */
import { z } from "zod";
import type { AccessOperation, ActionDefinition } from "../definition.ts";
import type { ReportIssue } from "../errors.ts";
import { pascalCase } from "../names.ts";
import { isRule } from "./access.ts";
import type { ActionSchema, ActionShape, ResolvedAction, ResolvedResource } from "../resolved.ts";

/** Action names: lower camel case, valid as a GraphQL name part and a URL segment. */
const ACTION_NAME = /^[a-z][A-Za-z0-9]*$/;

/** Path segments under a record the REST facade uses itself (§18, §19, locks). */
const MEMBER_SEGMENTS = ["restore", "purge", "revert", "publish", "revisions", "lock"];
/** Path segments under a collection the REST facade uses itself (§15, §20, §21, locks). */
const COLLECTION_SEGMENTS = ["aggregate", "events", "batch", "locks"];

const actionSchema = z.strictObject({
  description: z.string().optional(),
  input: z.instanceof(z.ZodType).optional(),
  output: z.union([z.literal("record"), z.instanceof(z.ZodType)]).optional(),
  record: z.boolean().optional(),
  kind: z.enum(["mutation", "query"]).optional(),
  access: z.unknown().optional(),
  run: z.function(),
});

/** The resolved actions of a resource whose other parts are resolved. */
export function resolveActions(
  actions: Record<string, ActionDefinition> | undefined,
  resource: Pick<ResolvedResource, "access" | "names" | "fields">,
  path: string,
  issue: ReportIssue,
): ResolvedAction[] {
  const out: ResolvedAction[] = [];
  for (const [name, raw] of Object.entries(actions ?? {})) {
    const at = `${path}.actions.${name}`;
    if (!ACTION_NAME.test(name)) {
      issue(at, `action name "${name}" is not lower camel case`, "name it like `close` or `markAsSpam`");
      continue;
    }
    const parsed = actionSchema.safeParse(raw);
    if (!parsed.success) {
      for (const e of parsed.error.issues)
        issue(
          [at, ...e.path.map(String)].join("."),
          e.message,
          'action options are: description, input (a zod object), output ("record" or a zod schema), record, kind, access, run',
        );
      continue;
    }
    const def = raw;
    const record = def.record ?? true;
    const kind = def.kind ?? "mutation";
    const reserved = record ? MEMBER_SEGMENTS : COLLECTION_SEGMENTS;
    const files = record ? resource.fields.filter((f) => f.blob).map((f) => f.name) : [];
    if ([...reserved, ...files].includes(name))
      issue(
        at,
        `"${name}" is a path the REST facade already serves under each ${record ? "record" : "collection"}`,
        "name the action otherwise",
      );
    const operation: AccessOperation = kind === "query" ? "read" : record ? "update" : "create";
    // Open resources (no rules) leave the action open unless it declares a rule; otherwise an undeclared
    // default rule denies it (but to the admin role), as it does the resource's own operations.
    const access = def.access ?? (resource.access ? (resource.access[operation] ?? false) : undefined);
    if (def.access !== undefined && !isRule(def.access))
      issue(
        `${at}.access`,
        `not an access rule: ${String(def.access)}`,
        'use true, false, "authenticated", a list of roles, or a function',
      );
    // `closeTicket` acts on one ticket; `importTickets` on the collection.
    const type = `${pascalCase(name)}${record ? resource.names.type : pascalCase(resource.names.list)}`;
    const names = {
      field: `${name}${type.slice(pascalCase(name).length)}`,
      input: `${type}Input`,
      output: `${type}Result`,
    };
    const input = schemaOf(def.input ?? z.object({}), "input", `${at}.input`, issue);
    if (input && input.shape.kind !== "object")
      issue(`${at}.input`, "the input must be a zod object", "wrap it: z.object({ value: ... })");
    const output =
      def.output === undefined || def.output === "record"
        ? "record"
        : schemaOf(def.output, "output", `${at}.output`, issue);
    if (!input || !output) continue;
    out.push(
      Object.freeze({
        name,
        description: def.description,
        record,
        kind,
        operation,
        access,
        input,
        output,
        run: def.run,
        names: Object.freeze(names),
      }),
    );
  }
  return out;
}

/**
 * The GraphQL type names an action's shapes need beyond the resource's own: its input type (when it has
 * fields), its output type and the nested objects and enums, named by their path.
 */
export function actionTypeNames(action: ResolvedAction): string[] {
  const out: string[] = [];
  const walk = (shape: ActionShape, name: string) => {
    if (shape.kind === "object") {
      out.push(name);
      for (const f of shape.fields) walk(f.shape, `${name}${pascalCase(f.name)}`);
    } else if (shape.kind === "enum") out.push(name);
    else if (shape.kind === "list") walk(shape.of, name);
  };
  if (action.input.shape.kind === "object" && action.input.shape.fields.length > 0)
    walk(action.input.shape, action.names.input);
  if (action.output !== "record") walk(action.output.shape, action.names.output);
  return out;
}

/** The JSON Schema and GraphQL shape of a zod schema; undefined (and an issue) when either cannot be made. */
function schemaOf(zod: z.ZodType, io: "input" | "output", at: string, issue: ReportIssue): ActionSchema | undefined {
  let json: Record<string, unknown>;
  try {
    const { $schema: _, ...rest } = z.toJSONSchema(zod, { io, unrepresentable: "throw" }) as Record<string, unknown>;
    json = rest;
  } catch (error) {
    issue(
      at,
      `the schema cannot be described in JSON Schema: ${(error as Error).message}`,
      "use JSON types (an ISO string instead of z.date())",
    );
    return undefined;
  }
  const problems: string[] = [];
  const shape = shapeOf(json, "", problems);
  for (const p of problems) issue(at, p, "use objects, strings, numbers, booleans, string enums, arrays and optionals");
  return shape && problems.length === 0 ? Object.freeze({ zod, json: Object.freeze(json), shape }) : undefined;
}

/** The shape GraphQL maps of a JSON Schema node; undefined (with a problem naming `where`) when there is none. */
function shapeOf(
  node: Record<string, unknown>,
  where: string,
  problems: string[],
  optional = false,
): ActionShape | undefined {
  const at = where === "" ? "the schema" : `"${where}"`;
  const anyOf = node.anyOf as Record<string, unknown>[] | undefined;
  if (anyOf) {
    const nonNull = anyOf.filter((n) => n.type !== "null");
    if (nonNull.length === 1 && anyOf.length === 2)
      return shapeOf(nonNull[0] as Record<string, unknown>, where, problems, true);
    problems.push(`${at} is a union, which GraphQL cannot map`);
    return undefined;
  }
  const type = node.type;
  if (Array.isArray(node.enum) && type === "string") return { kind: "enum", values: node.enum as string[], optional };
  switch (type) {
    case "string":
      return { kind: "scalar", scalar: "String", optional };
    case "integer":
      return { kind: "scalar", scalar: "Int", optional };
    case "number":
      return { kind: "scalar", scalar: "Float", optional };
    case "boolean":
      return { kind: "scalar", scalar: "Boolean", optional };
    case "array": {
      const of = node.items ? shapeOf(node.items as Record<string, unknown>, `${where}[]`, problems) : undefined;
      if (!node.items) problems.push(`${at} is an array without one item type`);
      return of ? { kind: "list", of, optional } : undefined;
    }
    case "object": {
      const properties = (node.properties ?? {}) as Record<string, Record<string, unknown>>;
      const required = new Set((node.required ?? []) as string[]);
      if (!node.properties && node.additionalProperties !== undefined && node.additionalProperties !== false) {
        problems.push(`${at} is a record with free keys, which GraphQL cannot map`);
        return undefined;
      }
      const fields: { name: string; shape: ActionShape }[] = [];
      for (const [name, child] of Object.entries(properties)) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
          problems.push(`property "${where ? `${where}.` : ""}${name}" is not a GraphQL name`);
          continue;
        }
        const shape = shapeOf(child, where ? `${where}.${name}` : name, problems, !required.has(name));
        if (shape) fields.push({ name, shape });
      }
      return { kind: "object", fields, optional };
    }
    default:
      problems.push(`${at} has no single JSON type (${JSON.stringify(type ?? "any")}), which GraphQL cannot map`);
      return undefined;
  }
}
