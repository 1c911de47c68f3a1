// Part of `npm run build` (and so `npm start`): bundles the admin app (admin/src, served at /admin by
// src/server/admin-site.ts) with esbuild into dist/admin: index.html, main.js and main.js.gz. Cached: an
// unchanged app (its sources, the data provider, the lock file) is not rebuilt. Prints the gzipped size.
// Plain JavaScript, like copy-assets.mjs: it runs before every start.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const ROOT = join(import.meta.dirname, "..");
const OUT = process.env.ADMIN_OUT_DIR ?? join(ROOT, "dist", "admin");
const MAIN = join(OUT, "main.js");

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}

const inputs = [
  ...files(join(ROOT, "admin", "src")),
  join(ROOT, "clients", "ra-data-autograph", "index.ts"),
  join(ROOT, "src", "runtime", "describe.ts"),
  join(ROOT, "package-lock.json"),
  import.meta.filename,
];
const built = statSync(MAIN, { throwIfNoEntry: false })?.mtimeMs ?? 0;
const newest = Math.max(
  ...inputs.map((f) => statSync(f, { throwIfNoEntry: false })?.mtimeMs ?? Number.POSITIVE_INFINITY),
);
if (built > newest && process.argv[2] !== "--force") process.exit(0);

let esbuild;
try {
  esbuild = await import("esbuild");
} catch {
  // An install without devDependencies has no esbuild: /admin says so instead of failing the start.
  console.error("[autograph] the admin app is not built: esbuild is not installed (npm install without --omit=dev)");
  process.exit(0);
}
const started = performance.now();
mkdirSync(OUT, { recursive: true });
await esbuild.build({
  entryPoints: [join(ROOT, "admin", "src", "main.tsx")],
  outfile: MAIN,
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  jsx: "automatic",
  legalComments: "none",
  // React and MUI pick their production builds from this.
  define: { "process.env.NODE_ENV": '"production"' },
  logLevel: "warning",
});
const code = readFileSync(MAIN);
const gzipped = gzipSync(code, { level: 9 });
writeFileSync(`${MAIN}.gz`, gzipped);
writeFileSync(
  join(OUT, "index.html"),
  `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="color-scheme" content="light dark" />
    <title>Autograph admin</title>
    <link rel="icon" href="data:," />
  </head>
  <body>
    <div id="root"><p style="font: 16px system-ui, sans-serif; margin: 2rem">Loading the Autograph admin…</p></div>
    <script type="module" src="./main.js"></script>
  </body>
</html>
`,
);
const mb = (n) => `${(n / 1024 / 1024).toFixed(2)} MB`;
console.error(
  `[autograph] admin app built in ${Math.round(performance.now() - started)} ms: main.js ${mb(code.length)}, ${mb(gzipped.length)} gzipped`,
);
