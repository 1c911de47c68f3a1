// Second half of `npm run build` (tsc emits the JavaScript and the imported JSON to dist/): copies the
// other files the runtime reads beside its modules (demo/schema/reports.graphql, read by
// demo/schema/extensions.ts from import.meta.dirname), so dist/ serves what the sources do. Plain
// JavaScript: `npm start` runs it before every start, and tsx's start-up would cost more than the copy.
import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, extname, join } from "node:path";

const ROOT = join(import.meta.dirname, "..");
const FOLDERS = ["src", "demo"];
const ASSETS = new Set([".graphql"]);

function* assets(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* assets(path);
    else if (ASSETS.has(extname(entry.name))) yield path;
  }
}

for (const folder of FOLDERS) {
  for (const source of assets(join(ROOT, folder))) {
    const target = join(ROOT, "dist", source.slice(ROOT.length + 1));
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(source, target);
  }
}
