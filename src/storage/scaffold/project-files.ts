/**
 * Writing the scaffolded project: a file that exists is kept (it may be hand-edited) unless the run has
 * `--force`; every file is reported as written, rewritten or kept. The files a project needs besides
 * the schema (package.json, prisma.config.ts, tsconfig.json, .gitignore) come from the `autograph init`
 * template, so a scaffolded project is the same kind of project as an initialised one.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** What happened to one file. */
export type FileOutcome = "written" | "rewritten" | "kept";

/** Writes files under one folder, keeping existing ones unless forced, and remembers each outcome. */
export class ProjectWriter {
  readonly outcomes = new Map<string, FileOutcome>();

  constructor(
    readonly root: string,
    private readonly force: boolean,
  ) {}

  /** Writes `path` (relative to the root) unless it exists and the writer is not forced. */
  write(path: string, content: string): FileOutcome {
    const target = join(this.root, path);
    const exists = existsSync(target);
    const outcome: FileOutcome = !exists ? "written" : this.force ? "rewritten" : "kept";
    if (outcome !== "kept") {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, content);
    }
    this.outcomes.set(path, outcome);
    return outcome;
  }

  /** The paths with a given outcome, in the order they were written. */
  list(outcome: FileOutcome): string[] {
    return [...this.outcomes].filter(([, o]) => o === outcome).map(([path]) => path);
  }
}

/** An npm package name for the project's folder. */
function packageName(dir: string): string {
  return (
    basename(dir)
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, "-")
      .replace(/^[._-]+/, "") || "autograph-app"
  );
}

/**
 * The template's project files for `root`: package.json (named after the folder, its dependencies at the
 * versions of this Autograph, as `autograph init` sets them), prisma.config.ts, tsconfig.json (covering
 * schema/ too) and .gitignore.
 */
export function templateFiles(template: string, autographRoot: string, root: string): Record<string, string> {
  const read = (path: string) => readFileSync(join(template, path), "utf8");
  const own = JSON.parse(readFileSync(join(autographRoot, "package.json"), "utf8"));
  const manifest = JSON.parse(read("package.json"));
  manifest.name = packageName(root);
  const versions: Record<string, string> = { ...own.devDependencies, ...own.dependencies };
  for (const deps of [manifest.dependencies, manifest.devDependencies] as Record<string, string>[])
    for (const name of Object.keys(deps)) if (versions[name]) deps[name] = versions[name];
  manifest.dependencies.autograph = `^${own.version}`;
  const tsconfig = JSON.parse(read("tsconfig.json"));
  tsconfig.include = ["src", "schema", "prisma.config.ts"];
  return {
    "package.json": `${JSON.stringify(manifest, null, 2)}\n`,
    "prisma.config.ts": read("prisma.config.ts"),
    "tsconfig.json": `${JSON.stringify(tsconfig, null, 2)}\n`,
    ".gitignore": read("gitignore"),
  };
}
