/**
 * An app folder outside the repository (a scaffolded or initialised project) made runnable on this
 * checkout without `npm install`: its node_modules links every package the repository installed, and
 * an `autograph` package whose entries point at the sources (src/*.ts) instead of dist/lib, so the app
 * runs the code under test under tsx, and the Prisma CLI there loads `autograph/prisma-config`.
 */
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const REPO = resolve(import.meta.dirname, "../..");

/** Links the repository's node_modules and its sources (as the package `autograph`) into `appDir`. */
export function linkSourcePackage(appDir: string): void {
  const modules = join(appDir, "node_modules");
  mkdirSync(modules, { recursive: true });
  for (const entry of readdirSync(join(REPO, "node_modules")))
    symlinkSync(join(REPO, "node_modules", entry), join(modules, entry));
  const autograph = join(modules, "autograph");
  mkdirSync(autograph);
  symlinkSync(join(REPO, "src"), join(autograph, "src"));
  symlinkSync(join(REPO, "scripts"), join(autograph, "scripts"));
  const manifest = {
    name: "autograph",
    type: "module",
    exports: {
      ".": "./src/index.ts",
      "./definitions": "./src/definitions.ts",
      "./prisma-config": "./src/server/prisma-config.ts",
    },
  };
  writeFileSync(join(autograph, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
}
