/**
 * Input types per resource (where, order-by, create, update) and their translation into the runtime's
 * query language. Translation is syntax only: the runtime checks fields, operators, values and limits.
 */
import type { InputObjectRef } from "@pothos/core";
import type { Operator } from "../metadata/definition.ts";
import { fieldFilterInputName, WHERE_INPUT_KEYS } from "../metadata/names.ts";
import type { ResolvedField, ResolvedResource } from "../metadata/resolved.ts";
import { AppError } from "../runtime/errors.ts";
import type { Filter, Sort } from "../runtime/query.ts";
import type { Builder, Types } from "./builder.ts";
import { isReadable } from "./object-types.ts";
import type { LeafTypes } from "./scalars.ts";

/** An input object as GraphQL hands it to a resolver. */
export type InputObject = { readonly [key: string]: unknown };

type InputRef = InputObjectRef<Types, InputObject>;

/** The input types of one resource. Create or update is missing when the resource has no field to write there. */
export interface ResourceInputs {
  readonly where: InputRef;
  readonly orderBy: InputRef;
  readonly create: InputRef | undefined;
  readonly update: InputRef | undefined;
}

const OPERATOR_DESCRIPTIONS: Readonly<Record<Operator, string>> = {
  eq: "Equal to (null: the field is null).",
  ne: "Not equal to; records where the field is null match too.",
  gt: "Greater than.",
  gte: "Greater than or equal to.",
  lt: "Less than.",
  lte: "Less than or equal to.",
  in: "Equal to one of the values.",
  notIn: "Equal to none of the values.",
  contains: "Contains the text (case-insensitive).",
  startsWith: "Starts with the text (case-insensitive).",
  endsWith: "Ends with the text (case-insensitive).",
  isNull: "true: the field is null; false: it is not.",
};

/** Fields a client may filter on (hidden fields never, whatever their options say). */
export function filterableFields(resource: ResolvedResource): ResolvedField[] {
  return resource.fields.filter((f) => f.filter.size > 0 && isReadable(f));
}

/** Fields a client may write in a view. */
export function writableFields(resource: ResolvedResource, view: "create" | "update"): ResolvedField[] {
  return resource.fields.filter((f) => !f.readOnly && !f.hidden[view]);
}

/** Adds the input types of a resource. */
export function addResourceInputs(builder: Builder, resource: ResolvedResource, leaves: LeafTypes): ResourceInputs {
  const { names } = resource;

  const operatorInputs = new Map<string, InputRef>();
  for (const field of filterableFields(resource)) {
    const leaf = leaves.of(field);
    const ops = [...field.filter];
    operatorInputs.set(
      field.name,
      builder.inputRef<InputObject>(fieldFilterInputName(names, field.name)).implement({
        description: `Conditions on ${resource.name}.${field.name}; all of them must hold.`,
        fields: (t) =>
          Object.fromEntries(
            ops.map((op) => {
              const description = OPERATOR_DESCRIPTIONS[op];
              switch (op) {
                case "in":
                case "notIn":
                  return [op, t.field({ type: [leaf], description })];
                case "contains":
                case "startsWith":
                case "endsWith":
                  return [op, t.field({ type: "String", description })];
                case "isNull":
                  return [op, t.field({ type: "Boolean", description })];
                default:
                  return [op, t.field({ type: leaf, description })];
              }
            }),
          ),
      }),
    );
  }

  const searchable = resource.fields.some((f) => f.searchable && isReadable(f));
  const whereRef = builder.inputRef<InputObject>(names.whereInput);
  const where: InputRef = whereRef.implement({
    description: `Which ${resource.plural} to match: every condition given must hold.`,
    fields: (t) => ({
      ...Object.fromEntries([...operatorInputs].map(([name, ref]) => [name, t.field({ type: ref })])),
      AND: t.field({ type: [whereRef], description: "Every one of these must match." }),
      OR: t.field({ type: [whereRef], description: "At least one of these must match." }),
      NOT: t.field({ type: whereRef, description: "This must not match." }),
      ...(searchable ? { search: t.field({ type: "String", description: `Free text matched against ${searchableNames(resource)} (case-insensitive).` }) } : {}),
    }),
  });

  const orderBy = builder.inputRef<InputObject>(names.orderByInput).implement({
    description: `One sort key of ${resource.plural}: set exactly one field. Ties are broken by id.`,
    fields: (t) => Object.fromEntries(resource.fields.filter((f) => f.sortable && isReadable(f)).map((f) => [f.name, t.field({ type: leaves.sortDirection })])),
  });

  const writeInput = (name: string, view: "create" | "update", description: string): InputRef | undefined => {
    const fields = writableFields(resource, view);
    if (fields.length === 0) return undefined;
    return builder.inputRef<InputObject>(name).implement({
      description,
      fields: (t) =>
        Object.fromEntries(
          fields.map((f) => {
            const leaf = leaves.of(f);
            const required = view === "create" && f.requiredOnCreate;
            const options = { required, ...(f.description ? { description: f.description } : {}) };
            return [f.name, f.isList ? t.field({ type: [leaf], ...options }) : t.field({ type: leaf, ...options })];
          }),
        ),
    });
  };

  return {
    where,
    orderBy,
    create: writeInput(names.createInput, "create", `The fields of a new ${resource.name}.`),
    update: writeInput(names.updateInput, "update", `The fields of a ${resource.name} to change; fields left out keep their value (a patch).`),
  };
}

function searchableNames(resource: ResolvedResource): string {
  return resource.fields.filter((f) => f.searchable && isReadable(f)).map((f) => f.name).join(", ");
}

// Metadata refuses filterable fields with these names, so a key is either a combinator or a field.
const COMBINATORS: ReadonlySet<string> = new Set(WHERE_INPUT_KEYS);

/**
 * A where input as the runtime's {@link Filter}: conditions of one object are ANDed, as are the
 * operators given for one field. Absent and null keys are ignored, except a null operator value,
 * which goes to the runtime (`eq: null` means "is null"; others are rejected there).
 */
export function toFilter(where: InputObject | null | undefined): Filter | undefined {
  if (where === null || where === undefined) return undefined;
  const all: Filter[] = [];
  for (const [key, value] of Object.entries(where)) {
    if (value === null || value === undefined) continue;
    if (COMBINATORS.has(key)) {
      if (key === "search") all.push({ search: value as string });
      else if (key === "NOT") all.push({ not: toFilter(value as InputObject) ?? { and: [] } });
      else {
        const parts = (value as InputObject[]).map((w) => toFilter(w) ?? { and: [] });
        all.push(key === "AND" ? { and: parts } : { or: parts });
      }
      continue;
    }
    for (const [op, operand] of Object.entries(value as InputObject)) {
      if (operand !== undefined) all.push({ field: key, op: op as Operator, value: operand });
    }
  }
  if (all.length === 0) return undefined;
  return all.length === 1 ? all[0] : { and: all };
}

/** An order-by list as sort keys; each element must name exactly one field. */
export function toSort(resource: ResolvedResource, orderBy: readonly InputObject[] | null | undefined): Sort[] | undefined {
  if (!orderBy) return undefined;
  return orderBy.map((element, index) => {
    const keys = Object.entries(element).filter(([, direction]) => direction !== null && direction !== undefined);
    const [first] = keys;
    if (keys.length !== 1 || !first) {
      const got = keys.length === 0 ? "none" : keys.map(([k]) => k).join(", ");
      throw new AppError("BAD_REQUEST", `Each ${resource.names.orderByInput} must set exactly one field; orderBy[${index}] sets ${got}.`);
    }
    return { field: first[0], direction: first[1] as Sort["direction"] };
  });
}

/** A create or update input as the plain object the runtime checks (keys left out stay out). */
export function toWriteInput(data: InputObject | null | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data ?? {}).filter(([, value]) => value !== undefined));
}
