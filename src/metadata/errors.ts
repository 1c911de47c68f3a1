/** One problem found in the resource definitions, with where it is and how to fix it. */
export interface MetadataIssue {
  /** Dotted path into the definitions, e.g. `post.fields.titel.filter`. */
  readonly path: string;
  readonly message: string;
  readonly fix: string;
}

/** Reports one problem: where it is, what is wrong, and the fix. */
export type ReportIssue = (path: string, message: string, fix: string) => void;

/**
 * Bad resource definitions: thrown at boot, listing every problem found (not just the first), each
 * with its path and the fix.
 */
export class MetadataError extends Error {
  readonly issues: readonly MetadataIssue[];
  constructor(issues: readonly MetadataIssue[]) {
    super(
      `Invalid resource definitions (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n${issues
        .map((i) => `  - ${i.path}: ${i.message}\n    fix: ${i.fix}`)
        .join("\n")}`,
    );
    this.name = "MetadataError";
    this.issues = issues;
  }
}
