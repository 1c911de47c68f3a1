// Prisma CLI configuration: the WASM schema engine through a project-owned adapter wrapper
// (src/server/prisma-config.ts, shipped as `autograph/prisma-config`; see ../shared/TOOLCHAIN.md).
// `npm run db -- <command>` sets DATABASE_URL (starting the embedded PostgreSQL when it is unset) before
// the CLI loads this file.
import { autographPrismaConfig } from "./src/server/prisma-config.ts";

export default autographPrismaConfig();
