import {
  BulkDeleteButton,
  Button,
  Create,
  Datagrid,
  Edit,
  List,
  NumberField,
  NumberInput,
  ReferenceField,
  ReferenceInput,
  required,
  SearchInput,
  SelectInput,
  SimpleForm,
  TextField,
  TextInput,
  useListContext,
  useNotify,
  useUnselectAll,
  useUpdateMany,
} from "react-admin";

const statusChoices = [
  { id: "draft", name: "Draft" },
  { id: "published", name: "Published" },
  { id: "archived", name: "Archived" },
];

const postFilters = [
  <SearchInput key="q" source="q" alwaysOn />,
  <SelectInput key="status" source="status" choices={statusChoices} />,
];

/** Publishes the selected posts: one updateMany, which ra-data-simple-rest sends as one PUT {status} per id. */
const BulkPublishButton = () => {
  const { selectedIds } = useListContext();
  const notify = useNotify();
  const unselectAll = useUnselectAll("posts");
  const [updateMany, { isPending }] = useUpdateMany();
  const publish = () =>
    updateMany(
      "posts",
      { ids: selectedIds, data: { status: "published" } },
      {
        onSuccess: () => {
          notify(`${selectedIds.length} posts published`);
          unselectAll();
        },
        onError: (error) =>
          notify(`Posts not published: ${error instanceof Error ? error.message : String(error)}`, { type: "error" }),
      },
    );
  return <Button label="Publish" onClick={publish} disabled={isPending} />;
};

const PostBulkActions = () => (
  <>
    <BulkPublishButton />
    <BulkDeleteButton />
  </>
);

export const PostList = () => (
  <List filters={postFilters}>
    <Datagrid rowClick="edit" bulkActionButtons={<PostBulkActions />}>
      <TextField source="id" />
      <TextField source="title" />
      <TextField source="status" />
      <NumberField source="views" />
      <ReferenceField source="authorId" reference="users" label="Author" />
    </Datagrid>
  </List>
);

const PostForm = () => (
  <SimpleForm>
    <TextInput source="title" validate={required()} />
    <TextInput source="body" multiline />
    <SelectInput source="status" choices={statusChoices} />
    <NumberInput source="views" />
    <ReferenceInput source="authorId" reference="users" />
  </SimpleForm>
);

export const PostEdit = () => (
  <Edit>
    <PostForm />
  </Edit>
);

export const PostCreate = () => (
  <Create>
    <PostForm />
  </Create>
);
