/**
 * Custom actions over GraphQL (rest-dialect.md §27 is the REST side): each action of a resource is a
 * mutation (or query) `<name><Type>` taking the record's `id` (record actions) and an `input` whose
 * type, like the output type, is built from the shape the metadata derived from the zod schema. The
 * resolver is one call to the resource's service, which enforces every rule.
 */
import type { ActionShape, ResolvedAction, ResolvedResource } from "../metadata/resolved.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { pascalCase } from "../metadata/names.ts";
import type { Builder } from "./builder.ts";
import type { InputObject } from "./inputs.ts";
import type { ObjectTypes } from "./object-types.ts";

// Pothos types its refs per schema; these are built from metadata at run time, so they stay loose here.
// biome-ignore lint/suspicious/noExplicitAny: a type ref of any kind, checked by graphql-js when the schema is built
type AnyRef = any;

/** Adds the action fields of every resource (and their input and output types). */
export function addActions(builder: Builder, runtime: Runtime, objects: ObjectTypes): void {
  for (const resource of runtime.schema.resources) {
    const object = objects.get(resource.name);
    for (const action of resource.actions) addAction(builder, runtime, resource, action, object);
  }
}

function addAction(
  builder: Builder,
  runtime: Runtime,
  resource: ResolvedResource,
  action: ResolvedAction,
  object: AnyRef,
): void {
  const service = runtime.service(resource.name);
  const inputShape = action.input.shape;
  const hasInput = inputShape.kind === "object" && inputShape.fields.length > 0;
  const inputRef = hasInput ? inputType(builder, inputShape, action.names.input) : undefined;
  const inputRequired = inputShape.kind === "object" && inputShape.fields.some((f) => !f.shape.optional);
  const output = action.output;
  const returns =
    output === "record"
      ? { type: object, nullable: true }
      : { type: outputType(builder, output.shape, action.names.output), nullable: nullability(output.shape) };
  const what = action.record ? `the ${resource.name} with this id` : `the ${resource.plural}`;
  const description = [
    action.description ?? `Runs the ${action.name} action on ${what}.`,
    output === "record" ? `Returns the ${resource.name} as it is afterwards (null when you can no longer see it).` : "",
  ]
    .filter(Boolean)
    .join(" ");
  const fields = (t: AnyRef) => ({
    [action.names.field]: t.field({
      ...returns,
      description,
      args: {
        ...(action.record ? { id: t.arg.id({ required: true }) } : {}),
        ...(inputRef ? { input: t.arg({ type: inputRef, required: inputRequired }) } : {}),
      },
      resolve: (_root: unknown, args: { id?: unknown; input?: unknown }, ctx: { context: never }) =>
        service.action(ctx.context, action.name, args.id, withoutNulls(inputShape, args.input)),
    }),
  });
  if (action.kind === "query") builder.queryFields(fields);
  else builder.mutationFields(fields);
}

/** Pothos' nullability of an output shape: lists say it for themselves and their items. */
function nullability(shape: ActionShape): boolean | { list: boolean; items: boolean } {
  if (shape.kind === "list") return { list: shape.optional, items: shape.of.optional };
  return shape.optional;
}

/** The GraphQL type of an input shape (objects and enums named by their path under `name`). */
function inputType(builder: Builder, shape: ActionShape, name: string): AnyRef {
  switch (shape.kind) {
    case "scalar":
      return shape.scalar;
    case "enum":
      return builder.enumType(name, { values: shape.values as readonly string[] });
    case "list":
      return [inputType(builder, shape.of, name)];
    case "object":
      return builder.inputRef<InputObject>(name).implement({
        fields: (t: AnyRef) =>
          Object.fromEntries(
            shape.fields.map((f) => [
              f.name,
              t.field({
                type: inputType(builder, f.shape, `${name}${pascalCase(f.name)}`),
                required:
                  f.shape.kind === "list"
                    ? { list: !f.shape.optional, items: !f.shape.of.optional }
                    : !f.shape.optional,
              }),
            ]),
          ),
      });
  }
}

/** The GraphQL type of an output shape (objects and enums named by their path under `name`). */
function outputType(builder: Builder, shape: ActionShape, name: string): AnyRef {
  switch (shape.kind) {
    case "scalar":
      return shape.scalar;
    case "enum":
      return builder.enumType(name, { values: shape.values as readonly string[] });
    case "list":
      return [outputType(builder, shape.of, name)];
    case "object":
      return builder.objectRef<Record<string, unknown>>(name).implement({
        fields: (t: AnyRef) =>
          Object.fromEntries(
            shape.fields.map((f) => [
              f.name,
              t.field({
                type: outputType(builder, f.shape, `${name}${pascalCase(f.name)}`),
                nullable: nullability(f.shape),
                resolve: (parent: Record<string, unknown>) => parent[f.name],
              }),
            ]),
          ),
      });
  }
}

/**
 * GraphQL sends null for an optional field a variable leaves empty; zod's `.optional()` takes an absent
 * key, not null, so such nulls are dropped (at every depth) before the runtime parses the input.
 */
function withoutNulls(shape: ActionShape, value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (shape.kind === "list" && Array.isArray(value)) return value.map((v) => withoutNulls(shape.of, v) ?? null);
  if (shape.kind !== "object" || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const f of shape.fields) {
    const v = withoutNulls(f.shape, (value as Record<string, unknown>)[f.name]);
    if (v !== undefined) out[f.name] = v;
  }
  return out;
}
