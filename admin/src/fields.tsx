/** How a field's value is shown, by its described type: in list columns and on the show page. */
import {
  BooleanField,
  DateField,
  FunctionField,
  NumberField,
  ReferenceField,
  TextField,
  useRecordContext,
} from "react-admin";
import { type FieldDescription, type ResourceDescription, referenceOf } from "./meta.ts";

/** A file field's value: its metadata and where to GET the bytes. */
interface FileValue {
  id: string;
  size: number;
  contentType: string;
  filename: string | null;
  url: string;
}

/** A file: a thumbnail for images, else a link with its name and size. */
export function FileView({ source }: { source: string; label?: string }) {
  const record = useRecordContext();
  const file = record?.[source] as FileValue | null | undefined;
  if (!file) return null;
  const name = file.filename ?? file.id.slice(0, 12);
  if (file.contentType.startsWith("image/"))
    return <img src={file.url} alt={name} title={name} style={{ maxHeight: 64, maxWidth: 128 }} />;
  return (
    <a href={file.url} download={name} onClick={(e) => e.stopPropagation()}>
      {name} ({Math.ceil(file.size / 1024)} KB)
    </a>
  );
}

/** A JSON value, pretty-printed. */
export function JsonView({ source }: { source: string; label?: string }) {
  const record = useRecordContext();
  const value = record?.[source];
  if (value === undefined || value === null) return null;
  return <pre style={{ margin: 0, fontSize: 12, whiteSpace: "pre-wrap" }}>{JSON.stringify(value, null, 2)}</pre>;
}

/** Text cut to `max` characters with an ellipsis: lists show a line of each long text, not all of it. */
function ShortText({ source, max }: { source: string; max: number; label?: string; sortable?: boolean }) {
  const record = useRecordContext();
  const value = record?.[source];
  if (typeof value !== "string") return null;
  return (
    <span title={value.length > max ? value : undefined}>{value.length > max ? `${value.slice(0, max)}…` : value}</span>
  );
}

/** The field's view, labelled and sortable as the description says; `list` shortens long text. */
export function fieldView(resource: ResourceDescription, field: FieldDescription, view: "one" | "list" = "one") {
  const common = { key: field.name, source: field.name, label: field.label, sortable: field.sortable };
  const reference = referenceOf(resource, field.name);
  if (reference)
    return <ReferenceField {...common} reference={reference.target.path} link="show" label={reference.label} />;
  if (field.list)
    return (
      <FunctionField
        {...common}
        render={(r: Record<string, unknown>) =>
          Array.isArray(r[field.name]) ? (r[field.name] as unknown[]).join(", ") : ""
        }
      />
    );
  switch (field.type) {
    case "boolean":
      return <BooleanField {...common} />;
    case "datetime":
      return <DateField {...common} showTime />;
    case "integer":
    case "float":
      return <NumberField {...common} />;
    case "json":
      return <JsonView {...common} />;
    case "file":
      return <FileView {...common} />;
    default:
      return view === "list" ? <ShortText {...common} max={60} /> : <TextField {...common} />;
  }
}

/** Up to `max` columns for a list: the id, references, then sortable, filterable or enum fields; no JSON. */
export function listColumns(resource: ResourceDescription, max = 7): FieldDescription[] {
  const candidates = resource.fields.filter((f) => f.readable.list && f.type !== "json");
  const score = (f: FieldDescription) =>
    (f.name === resource.id.field ? 100 : 0) +
    (referenceOf(resource, f.name) ? 40 : 0) +
    (f.type === "file" ? 35 : 0) +
    (f.searchable ? 30 : 0) +
    (f.type === "enum" ? 25 : 0) +
    (f.sortable ? 20 : 0) +
    (f.filter.length > 0 ? 10 : 0) -
    (f.type === "string" && (f.validation?.maxLength ?? 0) > 500 ? 50 : 0);
  const chosen = new Set([...candidates].sort((a, b) => score(b) - score(a)).slice(0, max));
  return candidates.filter((f) => chosen.has(f)); // in the resource's own order
}
