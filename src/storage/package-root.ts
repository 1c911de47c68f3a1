/**
 * Where Autograph's own files are: this repository (src/ run by tsx and tests, dist/ under `npm start`)
 * or the installed package (dist/lib/ in node_modules). Its scripts/ and templates/ ship beside the code,
 * and the tools read them from there: the Prisma CLI's preload and tool configuration, the project
 * template a scaffold copies.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

/** The first folder from `start` upwards that holds `file`, or undefined. */
export function folderWith(start: string, file: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, file))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Autograph's own folder, the one holding its scripts/; undefined if this code was copied out of it. */
export const PACKAGE_ROOT: string | undefined = folderWith(import.meta.dirname, "scripts/unref-timers.cjs");
