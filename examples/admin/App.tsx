// Bring your own react-admin: Autograph's data provider (ra-data-simple-rest's dialect plus trash, history
// and change events), and react-admin's guessers for the screens. Replace a guesser by your own component.
import { Admin, EditGuesser, ListGuesser, Resource, ShowGuesser } from "react-admin";
import { autographDataProvider } from "../../clients/ra-data-autograph/index.ts";

const dataProvider = autographDataProvider("http://localhost:4000/api");

export const App = () => (
  <Admin dataProvider={dataProvider}>
    {["posts", "users", "comments", "tags"].map((name) => (
      <Resource key={name} name={name} list={ListGuesser} show={ShowGuesser} edit={EditGuesser} />
    ))}
  </Admin>
);
