// The Prisma CLI's configuration: Autograph's (the offline WASM schema engine and a migrate adapter).
// `npm run db -- <command>` gives it DATABASE_URL, starting the embedded PostgreSQL when that is unset.
import { autographPrismaConfig } from "autograph/prisma-config";

export default autographPrismaConfig();
