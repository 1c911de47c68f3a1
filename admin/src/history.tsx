/** A record's revisions (rest-dialect.md §19): who changed what and when, each one's diff, and revert. */
import { Fragment, useState } from "react";
import { type Identifier, useDataProvider, useNotify, useRecordContext, useRefresh } from "react-admin";
import { useQuery } from "@tanstack/react-query";
import Button from "@mui/material/Button";
import Table from "@mui/material/Table";
import TableBody from "@mui/material/TableBody";
import TableCell from "@mui/material/TableCell";
import TableHead from "@mui/material/TableHead";
import TableRow from "@mui/material/TableRow";
import { API, httpClient } from "./api.ts";
import { can, type ResourceDescription } from "./meta.ts";

interface Revision {
  number: number;
  action: string;
  authorId: string | null;
  date: string;
}
interface Diff {
  changes: { field: string; from: unknown; to: unknown }[];
}

const show = (value: unknown) => (value === undefined ? "" : JSON.stringify(value));

function DiffRows({ resource, id, number }: { resource: string; id: Identifier; number: number }) {
  const { data, error } = useQuery({
    queryKey: [resource, id, "diff", number],
    queryFn: async () =>
      (await httpClient(`${API}/${resource}/${encodeURIComponent(String(id))}/revisions/${number}/diff`)).json as Diff,
  });
  if (error)
    return (
      <TableRow>
        <TableCell colSpan={5}>{String(error)}</TableCell>
      </TableRow>
    );
  return (
    <>
      {(data?.changes ?? []).map((c) => (
        <TableRow key={c.field} className="diff">
          <TableCell />
          <TableCell>{c.field}</TableCell>
          <TableCell colSpan={3}>
            <del>{show(c.from)}</del> → <ins>{show(c.to)}</ins>
          </TableCell>
        </TableRow>
      ))}
    </>
  );
}

export function History({ resource }: { resource: ResourceDescription; label?: string }) {
  const record = useRecordContext();
  const dataProvider = useDataProvider();
  const notify = useNotify();
  const refresh = useRefresh();
  const [open, setOpen] = useState<number | undefined>();
  const { data: revisions, refetch } = useQuery({
    queryKey: [resource.path, record?.id, "revisions"],
    enabled: record !== undefined,
    queryFn: async () =>
      ((await dataProvider.getRevisions(resource.path, { recordId: record?.id })) as { data: Revision[] }).data,
  });
  if (!record || !revisions) return null;
  const revert = async (number: number) => {
    try {
      await dataProvider.revert(resource.path, { id: record.id, number });
      notify(`Reverted to revision ${number}`, { type: "success" });
      await refetch();
      refresh();
    } catch (error) {
      notify((error as Error).message, { type: "error" });
    }
  };
  return (
    <Table size="small" aria-label="History">
      <TableHead>
        <TableRow>
          <TableCell>#</TableCell>
          <TableCell>Action</TableCell>
          <TableCell>By</TableCell>
          <TableCell>When</TableCell>
          <TableCell />
        </TableRow>
      </TableHead>
      <TableBody>
        {[...revisions].reverse().map((r, i) => (
          <Fragment key={r.number}>
            <TableRow className="revision">
              <TableCell>{r.number}</TableCell>
              <TableCell>{r.action}</TableCell>
              <TableCell>{r.authorId ?? ""}</TableCell>
              <TableCell>{new Date(r.date).toLocaleString()}</TableCell>
              <TableCell>
                <Button size="small" onClick={() => setOpen(open === r.number ? undefined : r.number)}>
                  Diff
                </Button>
                {i > 0 && can(resource, "revert") ? (
                  <Button size="small" onClick={() => void revert(r.number)}>
                    Revert
                  </Button>
                ) : null}
              </TableCell>
            </TableRow>
            {open === r.number ? <DiffRows resource={resource.path} id={record.id} number={r.number} /> : null}
          </Fragment>
        ))}
      </TableBody>
    </Table>
  );
}
