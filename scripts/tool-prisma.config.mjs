// The Prisma CLI configuration of Autograph's own tools when they run outside any project, such as
// `autograph scaffold` from an empty folder (src/storage/prisma-cli.ts passes it with --config). The
// commands they run name their schema files; the schema here is only one that exists (a configured schema
// that is missing makes the CLI fall back to a native engine it cannot download offline). Shipped in the
// package, it loads the compiled library.
import { autographPrismaConfig } from "../dist/lib/server/prisma-config.js";

export default autographPrismaConfig({ schema: "../templates/init/prisma/schema.prisma" });
