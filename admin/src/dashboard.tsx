/** The dashboard: each resource the actor may list, with its count. */
import { Title, useGetList, usePermissions } from "react-admin";
import { Link } from "react-router-dom";
import Card from "@mui/material/Card";
import CardActionArea from "@mui/material/CardActionArea";
import CardContent from "@mui/material/CardContent";
import Grid from "@mui/material/Grid";
import Typography from "@mui/material/Typography";
import { can, type ResourceDescription, type SchemaDescription } from "./meta.ts";

function Count({ resource }: { resource: ResourceDescription }) {
  const { total, isPending, error } = useGetList(resource.path, { pagination: { page: 1, perPage: 1 } });
  return (
    <Card>
      <CardActionArea component={Link} to={`/${resource.path}`}>
        <CardContent>
          <Typography variant="overline">{resource.label.plural}</Typography>
          <Typography variant="h4" data-testid={`count-${resource.path}`}>
            {isPending ? "…" : error ? "—" : total}
          </Typography>
        </CardContent>
      </CardActionArea>
    </Card>
  );
}

export function Dashboard() {
  const { permissions } = usePermissions<SchemaDescription>();
  return (
    <>
      <Title title="Autograph" />
      <Grid container spacing={2} sx={{ mt: 1 }}>
        {(permissions?.resources ?? [])
          .filter((r) => can(r, "list"))
          .map((r) => (
            <Grid key={r.path} size={{ xs: 12, sm: 6, md: 4 }}>
              <Count resource={r} />
            </Grid>
          ))}
      </Grid>
    </>
  );
}
