// `npm run scaffold -- --from <DATABASE_URL> [--out <dir>] [--force]`: an Autograph project serving an
// existing PostgreSQL database (src/storage/scaffold/command.ts, which the package's bin runs as
// `autograph scaffold`). See docs/guides/scaffold.md.
import { scaffoldCommand } from "../src/storage/scaffold/command.ts";

process.exitCode = await scaffoldCommand(process.argv.slice(2), "npm run scaffold --");
