/**
 * The admin: one react-admin <Resource> per resource of the schema description, each with the screens
 * the actor may use, a trash page where there is a trash, the dashboard, sign-in, and light or dark as
 * the system says.
 */
import { Route } from "react-router-dom";
import { Admin, CustomRoutes, defaultDarkTheme, defaultLightTheme, Resource } from "react-admin";
import { authProvider, meta } from "./auth.ts";
import { Dashboard } from "./dashboard.tsx";
import { dataProvider } from "./data-provider.ts";
import { LoginPage } from "./login.tsx";
import { can, representationOf, type SchemaDescription } from "./meta.ts";
import { ResourceCreate, ResourceEdit, ResourceList, ResourceShow } from "./screens.tsx";
import { Trash } from "./trash.tsx";

const provider = dataProvider(meta);

export const App = () => (
  <Admin
    title="Autograph"
    dataProvider={provider}
    authProvider={authProvider}
    loginPage={LoginPage}
    dashboard={Dashboard}
    theme={defaultLightTheme}
    darkTheme={defaultDarkTheme}
    disableTelemetry
    requireAuth
  >
    {(permissions: SchemaDescription | undefined) => {
      if (!permissions) return [];
      return [
        ...permissions.resources
          .filter((r) => can(r, "list") || can(r, "get"))
          .map((r) => (
            <Resource
              key={r.path}
              name={r.path}
              options={{ label: r.label.plural }}
              recordRepresentation={representationOf(r)}
              list={can(r, "list") ? <ResourceList meta={permissions} resource={r} /> : undefined}
              show={<ResourceShow meta={permissions} resource={r} />}
              edit={can(r, "update") ? <ResourceEdit meta={permissions} resource={r} /> : undefined}
              create={can(r, "create") ? <ResourceCreate meta={permissions} resource={r} /> : undefined}
            />
          )),
        <CustomRoutes key="trash">
          {permissions.resources
            .filter((r) => r.features.softDelete && can(r, "restore"))
            .map((r) => (
              <Route key={r.path} path={`/${r.path}/trash`} element={<Trash resource={r} />} />
            ))}
        </CustomRoutes>,
      ];
    }}
  </Admin>
);
