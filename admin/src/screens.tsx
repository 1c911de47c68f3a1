/** The generated screens of one resource: list, show, edit and create, from its description alone. */
import {
  BulkDeleteButton,
  CreateButton,
  Datagrid,
  DeleteButton,
  Edit,
  EditButton,
  ExportButton,
  FilterButton,
  List,
  ReferenceManyField,
  Show,
  ShowButton,
  SimpleForm,
  SimpleShowLayout,
  Create,
  TopToolbar,
  Labeled,
  SaveButton,
  Toolbar,
  useRecordContext,
} from "react-admin";
import { Link } from "react-router-dom";
import Button from "@mui/material/Button";
import { fieldView, listColumns } from "./fields.tsx";
import { History } from "./history.tsx";
import { fieldInput, filterInputs } from "./inputs.tsx";
import { useLiveRefresh } from "./live.ts";
import { LockNotice, useRecordLock } from "./lock.tsx";
import { LinkedRecords } from "./many-to-many.tsx";
import { can, type ResourceDescription, readable, type SchemaDescription } from "./meta.ts";

interface Props {
  meta: SchemaDescription;
  resource: ResourceDescription;
}

const eventsUrl = (r: ResourceDescription) => r.features.events?.path;

function ListActions({ meta, resource }: Props) {
  return (
    <TopToolbar>
      {filterInputs(meta, resource).length > (resource.features.search ? 1 : 0) ? <FilterButton /> : null}
      {can(resource, "create") ? <CreateButton /> : null}
      {resource.features.softDelete && can(resource, "restore") ? (
        <Button component={Link} to={`/${resource.path}/trash`} size="small">
          Trash
        </Button>
      ) : null}
      <ExportButton />
    </TopToolbar>
  );
}

export function ResourceList({ meta, resource }: Props) {
  useLiveRefresh(eventsUrl(resource));
  const columns = listColumns(resource);
  return (
    <List
      actions={<ListActions meta={meta} resource={resource} />}
      filters={filterInputs(meta, resource)}
      sort={resource.defaultSort}
      perPage={Math.min(25, resource.pageSize.default)}
    >
      <Datagrid
        rowClick={can(resource, "update") ? "edit" : "show"}
        bulkActionButtons={can(resource, "delete") ? <BulkDeleteButton /> : false}
      >
        {columns.map((f) => fieldView(resource, f, "list"))}
        <ShowButton />
      </Datagrid>
    </List>
  );
}

function ShowActions({ resource }: { resource: ResourceDescription }) {
  return (
    <TopToolbar>
      {can(resource, "update") ? <EditButton /> : null}
      {can(resource, "delete") ? <DeleteButton /> : null}
    </TopToolbar>
  );
}

export function ResourceShow({ meta, resource }: Props) {
  useLiveRefresh(eventsUrl(resource));
  return (
    <Show actions={<ShowActions resource={resource} />}>
      <SimpleShowLayout>
        {readable(resource, "one").map((f) => fieldView(resource, f))}
        {resource.relations
          .filter((r) => r.kind === "hasMany" && r.foreignField)
          .map((relation) => {
            const target = meta.resources.find((t) => t.path === relation.target.path);
            if (!target || !can(target, "list")) return null;
            return (
              <ReferenceManyField
                key={relation.name}
                label={relation.label}
                reference={relation.target.path}
                target={relation.foreignField as string}
                perPage={10}
              >
                <Datagrid rowClick="show" bulkActionButtons={false}>
                  {listColumns(target, 4)
                    .filter((f) => f.name !== relation.foreignField)
                    .map((f) => fieldView(target, f, "list"))}
                </Datagrid>
              </ReferenceManyField>
            );
          })}
        {resource.relations
          .filter((r) => r.kind === "manyToMany" && r.embed.one)
          .map((relation) => {
            const target = meta.resources.find((t) => t.path === relation.target.path);
            if (!target) return null;
            return (
              <Labeled key={relation.name} label={relation.label}>
                <LinkedRecords resource={resource} relation={relation} target={target} />
              </Labeled>
            );
          })}
        {resource.features.revisions && can(resource, "history") ? (
          <Labeled label="History" fullWidth>
            <History resource={resource} />
          </Labeled>
        ) : null}
      </SimpleShowLayout>
    </Show>
  );
}

/** The edit form, under the record's lock where the resource has locks. */
function EditForm({ meta, resource }: Props) {
  const record = useRecordContext();
  const lock = useRecordLock(resource.path, record?.id, resource.features.locks);
  return (
    <>
      <LockNotice state={lock} />
      {/* Save only: delete is in the actions above, and only for actors who may delete. */}
      <SimpleForm
        toolbar={
          <Toolbar>
            <SaveButton disabled={lock.heldBy !== undefined} />
          </Toolbar>
        }
      >
        {resource.fields.map((f) => fieldInput(meta, resource, f, "edit"))}
      </SimpleForm>
    </>
  );
}

export function ResourceEdit({ meta, resource }: Props) {
  return (
    <Edit mutationMode="pessimistic" actions={<ShowActions resource={resource} />}>
      <EditForm meta={meta} resource={resource} />
    </Edit>
  );
}

export function ResourceCreate({ meta, resource }: Props) {
  return (
    <Create redirect={can(resource, "update") ? "edit" : "show"}>
      <SimpleForm>{resource.fields.map((f) => fieldInput(meta, resource, f, "create"))}</SimpleForm>
    </Create>
  );
}
