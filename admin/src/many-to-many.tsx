/**
 * A many-to-many relation on the show page: the linked records, read with `embed` (rest-dialect.md §5),
 * each a chip to its own page. Read-only: the API does not write links through the join model yet.
 */
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { useRecordContext } from "react-admin";
import Chip from "@mui/material/Chip";
import Stack from "@mui/material/Stack";
import { API, httpClient } from "./api.ts";
import type { RelationDescription, ResourceDescription } from "./meta.ts";

export function LinkedRecords({
  resource,
  relation,
  target,
}: {
  resource: ResourceDescription;
  relation: RelationDescription;
  target: ResourceDescription;
  label?: string;
}) {
  const record = useRecordContext();
  const { data } = useQuery({
    queryKey: [resource.path, record?.id, "embed", relation.name],
    enabled: record !== undefined,
    queryFn: async () => {
      const url = `${API}/${resource.path}/${encodeURIComponent(String(record?.id))}?embed=${relation.name}`;
      return ((await httpClient(url)).json as Record<string, unknown>)[relation.name] as Record<string, unknown>[];
    },
  });
  const label = (r: Record<string, unknown>) =>
    String(r[target.fields.find((f) => ["name", "title"].includes(f.name))?.name ?? target.id.field] ?? "");
  return (
    <Stack direction="row" spacing={1} useFlexGap sx={{ flexWrap: "wrap" }} id={`linked-${relation.name}`}>
      {(data ?? []).map((r) => (
        <Chip
          key={String(r[target.id.field])}
          label={label(r)}
          component={Link}
          to={`/${target.path}/${encodeURIComponent(String(r[target.id.field]))}/show`}
          clickable
          size="small"
        />
      ))}
    </Stack>
  );
}
