import { Datagrid, DateField, List, ReferenceField, TextField } from "react-admin";

export const CommentList = () => (
  <List sort={{ field: "createdAt", order: "DESC" }}>
    <Datagrid>
      <TextField source="body" />
      <ReferenceField source="postId" reference="posts" />
      <ReferenceField source="authorId" reference="users" />
      <DateField source="createdAt" />
    </Datagrid>
  </List>
);
