/**
 * Why a dump or a load was refused. A `conflict` is a target that does not fit a sound archive (another
 * migration, rows already there, a row its foreign keys reject, a file missing from the store); otherwise
 * the archive or the request is at fault (damaged, foreign, truncated, an unknown table or resource).
 */
export class DumpError extends Error {
  override readonly name = "DumpError";
  /** The target's state, not the archive or the request, is what stands in the way. */
  readonly conflict: boolean;

  constructor(message: string, options: { conflict?: boolean } = {}) {
    super(message);
    this.conflict = options.conflict ?? false;
  }
}
