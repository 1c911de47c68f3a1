/** Why a dump or a load was refused: an archive that is not what it claims, or a target that does not fit it. */
export class DumpError extends Error {
  override readonly name = "DumpError";
}
