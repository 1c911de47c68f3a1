/** Progress of a dump or a load: rows of one table done so far. */
export interface TableProgress {
  /** `count` while a dump hashes its snapshot; `write` while it writes it; `load` while a load inserts. */
  readonly phase: "count" | "write" | "load";
  readonly table: string;
  readonly rows: number;
  /** The table's rows in all, once known. */
  readonly total?: number;
}
