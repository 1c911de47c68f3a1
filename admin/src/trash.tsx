/** A resource's trash (rest-dialect.md §18): the deleted records, each to restore or purge for good. */
import { useState } from "react";
import { Confirm, Title, useDataProvider, useNotify } from "react-admin";
import { useQuery } from "@tanstack/react-query";
import Button from "@mui/material/Button";
import Card from "@mui/material/Card";
import Table from "@mui/material/Table";
import TableBody from "@mui/material/TableBody";
import TableCell from "@mui/material/TableCell";
import TableHead from "@mui/material/TableHead";
import TableRow from "@mui/material/TableRow";
import TablePagination from "@mui/material/TablePagination";
import { can, representationOf, type ResourceDescription } from "./meta.ts";

interface Deleted {
  id: string;
  deleted_at: string;
  deleted_by: string | null;
  data: Record<string, unknown>;
}

export function Trash({ resource }: { resource: ResourceDescription }) {
  const dataProvider = useDataProvider();
  const notify = useNotify();
  const [page, setPage] = useState(0);
  const [purging, setPurging] = useState<string | undefined>();
  const perPage = 10;
  const { data, refetch } = useQuery({
    queryKey: [resource.path, "trash", page],
    queryFn: async () =>
      (await dataProvider.getListDeleted({
        filter: { resource: resource.path },
        pagination: { page: page + 1, perPage },
        sort: { field: "deleted_at", order: "DESC" },
      })) as { data: Deleted[]; total: number },
  });
  const label = representationOf(resource);
  const act = async (what: "restore" | "purge", id: string) => {
    try {
      if (what === "restore") await dataProvider.restoreOne({ id });
      else await dataProvider.hardDelete({ id });
      notify(what === "restore" ? "Restored" : "Purged for good", { type: "success" });
      await refetch();
    } catch (error) {
      notify((error as Error).message, { type: "error" });
    }
  };
  return (
    <Card sx={{ mt: 2 }}>
      <Title title={`${resource.label.plural}: trash`} />
      <Table size="small" aria-label="Trash">
        <TableHead>
          <TableRow>
            <TableCell>{resource.id.field}</TableCell>
            <TableCell>{label}</TableCell>
            <TableCell>Deleted</TableCell>
            <TableCell>By</TableCell>
            <TableCell />
          </TableRow>
        </TableHead>
        <TableBody>
          {(data?.data ?? []).map((d) => (
            <TableRow key={d.id} className="trashed">
              <TableCell>{String(d.data[resource.id.field])}</TableCell>
              <TableCell>{String(d.data[label] ?? "")}</TableCell>
              <TableCell>{new Date(d.deleted_at).toLocaleString()}</TableCell>
              <TableCell>{d.deleted_by ?? ""}</TableCell>
              <TableCell>
                <Button size="small" onClick={() => void act("restore", d.id)}>
                  Restore
                </Button>
                {can(resource, "purge") ? (
                  <Button size="small" color="error" onClick={() => setPurging(d.id)}>
                    Purge
                  </Button>
                ) : null}
              </TableCell>
            </TableRow>
          ))}
          {data && data.data.length === 0 ? (
            <TableRow>
              <TableCell colSpan={5}>The trash is empty.</TableCell>
            </TableRow>
          ) : null}
        </TableBody>
      </Table>
      <TablePagination
        component="div"
        count={data?.total ?? 0}
        page={page}
        rowsPerPage={perPage}
        rowsPerPageOptions={[perPage]}
        onPageChange={(_e, p) => setPage(p)}
      />
      <Confirm
        isOpen={purging !== undefined}
        title="Purge for good?"
        content="The record and its files go; its revisions stay. This cannot be undone."
        onConfirm={() => {
          const id = purging as string;
          setPurging(undefined);
          void act("purge", id);
        }}
        onClose={() => setPurging(undefined)}
      />
    </Card>
  );
}
