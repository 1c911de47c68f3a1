/** Inputs by the described type of a field, with its validation rules, for forms and list filters. */
import {
  AutocompleteInput,
  BooleanInput,
  DateTimeInput,
  email,
  FileField,
  FileInput,
  ImageField,
  maxLength,
  maxValue,
  minLength,
  minValue,
  NullableBooleanInput,
  NumberInput,
  ReferenceInput,
  regex,
  required,
  SearchInput,
  SelectInput,
  TextInput,
  type Validator,
} from "react-admin";
import {
  type FieldDescription,
  type RelationDescription,
  type ResourceDescription,
  referenceOf,
  representationOf,
  type SchemaDescription,
} from "./meta.ts";

/** The description's rules as react-admin validators (the server checks them again, and its own). */
function validators(field: FieldDescription, mode: "create" | "edit"): Validator[] {
  const v = field.validation ?? {};
  const message = (rule: string) => v.messages?.[rule];
  const out: Validator[] = [];
  if ((field.required && mode === "create" && field.default === undefined) || v.required)
    out.push(required(message("required")));
  if (v.minLength !== undefined) out.push(minLength(v.minLength, message("minLength")));
  if (v.maxLength !== undefined) out.push(maxLength(v.maxLength, message("maxLength")));
  if (v.pattern) out.push(regex(new RegExp(v.pattern.source, v.pattern.flags), message("pattern") ?? "Wrong format"));
  if (typeof v.min === "number") out.push(minValue(v.min, message("min")));
  if (typeof v.max === "number") out.push(maxValue(v.max, message("max")));
  if (v.email) out.push(email(message("email")));
  return out;
}

/** JSON edited as text: shown pretty-printed, sent parsed; text that is not JSON is an error under the input. */
const jsonFormat = (value: unknown) => (value === undefined || value === null ? "" : JSON.stringify(value, null, 2));
const jsonParse = (text: string) => {
  if (text.trim() === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text; // left as text: the validator below says what is wrong
  }
};
const isJson = (value: unknown) => (typeof value === "string" && value.trim() !== "" ? "Not valid JSON" : undefined);

/** What a reference's autocomplete filters its target by: the search, or "contains" on its label field. */
function queryOf(target: ResourceDescription | undefined) {
  if (!target) return undefined;
  if (target.features.search) return (q: string) => ({ q });
  const label = target.fields.find((f) => f.name === representationOf(target));
  if (label?.filter.includes("contains")) return (q: string) => (q ? { [`${label.name}_contains`]: q } : {});
  return undefined;
}

/** A belongsTo field's input: an autocomplete over the target, shown by its label field, searched as it allows. */
function referenceInput(
  meta: SchemaDescription,
  field: FieldDescription,
  reference: RelationDescription,
  validate: Validator[] = [],
) {
  const target = meta.resources.find((r) => r.path === reference.target.path);
  const filterToQuery = queryOf(target);
  return (
    <ReferenceInput key={field.name} source={field.name} reference={reference.target.path}>
      <AutocompleteInput
        label={reference.label}
        validate={validate}
        {...(filterToQuery ? { filterToQuery } : {})}
        {...(target ? { optionText: representationOf(target) } : {})}
      />
    </ReferenceInput>
  );
}

/** The form input of a field, or null when this actor may not write it in `mode`. */
export function fieldInput(
  meta: SchemaDescription,
  resource: ResourceDescription,
  field: FieldDescription,
  mode: "create" | "edit",
) {
  if (field.readOnly || !field.writable[mode === "create" ? "create" : "update"]) return null;
  // A write-only field (a password hash, a note the actor may not read) on an edit form would start empty
  // and send that emptiness back over the value it cannot see: it is set on create only.
  if (mode === "edit" && !field.readable.one) return null;
  const validate = validators(field, mode);
  const common = { key: field.name, source: field.name, label: field.label, validate, helperText: field.description };
  const reference = referenceOf(resource, field.name);
  if (reference) return referenceInput(meta, field, reference, validate);
  switch (field.type) {
    case "enum":
      return <SelectInput {...common} choices={(field.enum?.values ?? []).map((v) => ({ id: v, name: v }))} />;
    case "boolean":
      return field.nullable ? <NullableBooleanInput {...common} /> : <BooleanInput {...common} />;
    case "datetime":
      return <DateTimeInput {...common} />;
    case "integer":
    case "float":
      return <NumberInput {...common} />;
    case "json":
      return (
        <TextInput
          {...common}
          multiline
          minRows={3}
          format={jsonFormat}
          parse={jsonParse}
          validate={[...validate, isJson]}
        />
      );
    case "file":
      return (
        <FileInput
          {...common}
          accept={Object.fromEntries((field.blob?.contentTypes ?? []).map((t) => [t, []]))}
          maxSize={field.blob?.maxBytes}
          format={(value: unknown) =>
            value && typeof value === "object" && "url" in value
              ? { ...value, src: (value as { url: string }).url, title: (value as { filename?: string }).filename }
              : value
          }
        >
          {field.blob?.contentTypes.every((t) => t.startsWith("image/")) ? (
            <ImageField source="src" title="title" />
          ) : (
            <FileField source="src" title="title" />
          )}
        </FileInput>
      );
    default: {
      const long = (field.validation?.maxLength ?? 10_000) > 200;
      return <TextInput {...common} {...(long ? { multiline: true } : {})} />;
    }
  }
}

/** The list filters of a resource: the search box, then an input per filterable field and operator. */
export function filterInputs(meta: SchemaDescription, resource: ResourceDescription) {
  const out = resource.features.search ? [<SearchInput key="q" source="q" alwaysOn />] : [];
  for (const field of resource.fields) {
    const ops = new Set(field.filter);
    if (ops.size === 0 || field.type === "json" || field.type === "file") continue;
    const reference = referenceOf(resource, field.name);
    if (reference && ops.has("eq")) {
      out.push(referenceInput(meta, field, reference));
      continue;
    }
    const label = field.label;
    if (field.type === "enum" && ops.has("eq")) {
      const choices = (field.enum?.values ?? []).map((v) => ({ id: v, name: v }));
      out.push(<SelectInput key={field.name} source={field.name} label={label} choices={choices} />);
    } else if (field.type === "boolean" && ops.has("eq")) {
      out.push(<NullableBooleanInput key={field.name} source={field.name} label={label} />);
    } else if (field.type === "string" && ops.has("contains")) {
      out.push(<TextInput key={field.name} source={`${field.name}_contains`} label={`${label} contains`} />);
    } else if (["integer", "float", "datetime"].includes(field.type) && (ops.has("gte") || ops.has("lte"))) {
      const Input = field.type === "datetime" ? DateTimeInput : NumberInput;
      if (ops.has("gte"))
        out.push(<Input key={`${field.name}_gte`} source={`${field.name}_gte`} label={`${label} from`} />);
      if (ops.has("lte"))
        out.push(<Input key={`${field.name}_lte`} source={`${field.name}_lte`} label={`${label} to`} />);
    } else if (ops.has("eq")) {
      out.push(<TextInput key={field.name} source={field.name} label={label} />);
    }
  }
  return out;
}
