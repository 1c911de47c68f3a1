/**
 * The schemas of a resource's records: what a read answers (one record, a list item) and what a write
 * takes (create, update). Hidden fields never appear in output schemas. A field hidden from output but
 * writable on create (a password hash) appears only in the Create input, marked `writeOnly`.
 */
import type { ResolvedField, ResolvedRelation, ResolvedResource, ResolvedSchema } from "../../metadata/resolved.ts";
import { exposedField } from "../operators.ts";
import { type Json, ref, schemaOf } from "./builders.ts";

/** Names of the component schemas of a resource. */
export function schemaNames(resource: ResolvedResource) {
  const type = resource.names.type;
  return {
    one: type,
    listItem: listDiffers(resource) ? `${type}ListItem` : type,
    create: `${type}Create`,
    update: `${type}Update`,
  };
}

/** Whether list items carry other fields or relations than a single record. */
function listDiffers(resource: ResolvedResource): boolean {
  return (
    resource.fields.some((f) => f.hidden.one !== f.hidden.list) ||
    resource.relations.some((r) => r.views.one !== r.views.list)
  );
}

/**
 * JSON Schema keywords for a field's validation rules (the ones JSON Schema can say): lengths, pattern,
 * numeric bounds, email / uri formats and allowed values. Rules it cannot say (blank text, date bounds,
 * `custom`, the resource's rule, own messages) are enforced by the runtime all the same.
 */
function ruleKeywords(field: ResolvedField, nullable: boolean): Json {
  const rules = field.validation;
  if (!rules) return {};
  const out: Json = {};
  const minLength = Math.max(rules.minLength?.value ?? 0, rules.required && field.kind === "String" ? 1 : 0);
  if (minLength > 0) out.minLength = minLength;
  if (rules.maxLength) out.maxLength = rules.maxLength.value;
  // JSON Schema patterns carry no flags: only a pattern whose flags change nothing here is exported.
  if (rules.pattern && /^u?$/.test(rules.pattern.value.flags)) out.pattern = rules.pattern.value.source;
  if (typeof rules.min?.value === "number") out.minimum = rules.min.value;
  if (typeof rules.max?.value === "number") out.maximum = rules.max.value;
  if (rules.email) out.format = "email";
  else if (rules.url) out.format = "uri";
  if (rules.oneOf) out.enum = nullable ? [...rules.oneOf.value, null] : [...rules.oneOf.value];
  return out;
}

/** An embedded relation in a record: the target's record (or null), or a list of its list items. */
function relationSchema(schema: ResolvedSchema, relation: ResolvedRelation): Json {
  const target = schema.resource.get(relation.target);
  const names = target ? schemaNames(target) : { one: relation.target, listItem: relation.target };
  const note = `Present only when asked for with embed=${relation.name}.`;
  const description = relation.description ? `${relation.description} ${note}` : note;
  if (relation.kind === "belongsTo") {
    return relation.isRequired
      ? { ...ref(names.one), description }
      : { anyOf: [ref(names.one), { type: "null" }], description };
  }
  return { type: "array", items: ref(names.listItem), description };
}

/** A record as read: one record (`one`) or a list item (`list`). */
export function recordSchema(schema: ResolvedSchema, resource: ResolvedResource, view: "one" | "list"): Json {
  const properties: Json = {};
  const required: string[] = [];
  for (const field of resource.fields) {
    if (field.hidden[view]) continue;
    properties[field.name] = field.readOnly ? { ...schemaOf(field, false), readOnly: true } : schemaOf(field, false);
    // Left out for actors who may not see it (field access, hiddenWhenScoped).
    if (!field.conditional) required.push(field.name);
  }
  for (const relation of resource.relations) {
    if (relation.views[view]) properties[relation.name] = relationSchema(schema, relation);
  }
  const description = resource.description ?? `A ${resource.name}.`;
  return {
    type: "object",
    description: view === "one" ? description : `${description} (as a list item)`,
    properties,
    required,
  };
}

/** The nested writes a relation with `nestedWrites` takes in a create or update body (rest-dialect.md §28). */
function nestedSchema(schema: ResolvedSchema, relation: ResolvedRelation): Json {
  const target = schema.resource.get(relation.target);
  const names = target
    ? schemaNames(target)
    : { create: `${relation.target}Create`, update: `${relation.target}Update` };
  const id = { type: "object", properties: { id: { type: ["string", "integer"] } }, required: ["id"] };
  const ids = { type: "array", items: id };
  const description = `Nested writes of ${relation.name} (§28), in this write's transaction. An embedded record sent back (react-admin) is ignored.`;
  if (relation.kind === "belongsTo")
    return {
      type: "object",
      description: `${description} Exactly one of connect, create${relation.isRequired ? "" : ", disconnect"}.`,
      properties: {
        connect: id,
        create: ref(names.create),
        ...(relation.isRequired ? {} : { disconnect: { type: "boolean", enum: [true] } }),
      },
    };
  return {
    type: "object",
    description: `${description} create, connect, disconnect, set (replaces the links), update.`,
    properties: {
      create: {
        type: "array",
        items: ref(names.create),
        ...(relation.kind === "hasMany"
          ? { description: `Without ${relation.foreignField}: the relation sets it.` }
          : {}),
      },
      connect: ids,
      disconnect: ids,
      set: ids,
      update: {
        type: "array",
        items: {
          type: "object",
          properties: { id: id.properties.id, version: { type: "integer" }, data: ref(names.update) },
          required: ["id", "data"],
        },
      },
    },
  };
}

/** The body of a create or an update. */
export function inputSchema(schema: ResolvedSchema, resource: ResolvedResource, mode: "create" | "update"): Json {
  const view = mode === "create" ? "create" : "update";
  const properties: Json = {};
  const required: string[] = [];
  // A foreign key a relation with nested writes may set instead (`author: { connect }`) is not required.
  // Required on create, it is then one of the two (anyOf).
  const setByRelation = new Map(
    resource.relations.flatMap((r) => (r.kind === "belongsTo" && r.nestedWrites ? [[r.localField, r.name]] : [])),
  );
  const either: Json[] = [];
  for (const field of resource.fields) {
    if (field.readOnly || field.hidden[view]) continue;
    // A `required` rule refuses null even where the column allows it.
    const nullable = !field.isRequired && !field.validation?.required;
    let s = schemaOf(nullable === !field.isRequired ? field : { ...field, isRequired: true }, true);
    s = { ...s, ...ruleKeywords(field, nullable) };
    if (field.hidden.one && field.hidden.list) s = { ...s, writeOnly: true };
    // A computed default (a function) has no value to show.
    if (field.default !== undefined && typeof field.default !== "function") s = { ...s, default: field.default };
    properties[field.name] = s;
    if (mode === "create" && field.requiredOnCreate) {
      const relation = setByRelation.get(field.name);
      if (relation) either.push({ anyOf: [{ required: [field.name] }, { required: [relation] }] });
      else required.push(field.name);
    }
  }
  // react-admin sends records back whole (update, Clone): read-only fields and embeds are accepted and ignored.
  for (const field of resource.fields) {
    if (!(field.readOnly || field.isId) || !exposedField(resource, field.name)) continue;
    properties[field.name] = {
      ...schemaOf(field, true),
      readOnly: true,
      description: "Read-only: accepted and ignored.",
    };
  }
  for (const relation of resource.relations)
    properties[relation.name] = relation.nestedWrites
      ? nestedSchema(schema, relation)
      : { readOnly: true, description: `Embedded ${relation.target}(s): accepted and ignored.` };
  const description = {
    create: `Fields of a new ${resource.name}. Read-only fields and embedded relations may be sent (react-admin's Clone does); they are ignored.`,
    update: `Fields of a ${resource.name} to change: PUT and PATCH change only the fields sent. Read-only fields and embedded relations may be sent back as received; they are ignored.`,
  }[mode];
  return {
    type: "object",
    description,
    properties,
    ...(required.length > 0 ? { required } : {}),
    ...(either.length === 1 ? either[0] : either.length > 1 ? { allOf: either } : {}),
    additionalProperties: false,
  };
}
