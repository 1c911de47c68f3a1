import { Admin, Resource } from "react-admin";
import simpleRestProvider from "ra-data-simple-rest";
import { CommentList } from "./comments.tsx";
import { PostCreate, PostEdit, PostList } from "./posts.tsx";
import { TagCreate, TagEdit, TagList } from "./tags.tsx";
import { UserList, UserShow } from "./users.tsx";

/** The whole app: ra-data-simple-rest pointed at Autograph's REST facade, nothing in between. */
export const App = ({ apiUrl }: { apiUrl: string }) => (
  <Admin dataProvider={simpleRestProvider(apiUrl)} disableTelemetry>
    <Resource name="posts" list={PostList} edit={PostEdit} create={PostCreate} recordRepresentation="title" />
    <Resource name="users" list={UserList} show={UserShow} recordRepresentation="name" />
    <Resource name="tags" list={TagList} edit={TagEdit} create={TagCreate} recordRepresentation="name" />
    <Resource name="comments" list={CommentList} />
  </Admin>
);
