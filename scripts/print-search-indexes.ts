// `npm run db:search-indexes`: the CREATE INDEX statements full-text search needs, one per resource
// with searchable fields, computed from the resource definitions. Paste them into a migration
// (`npm run db -- migrate dev --create-only --name search`); Prisma leaves expression indexes alone.
import { resources } from "../demo/schema/index.ts";
import { resolveResources } from "../src/metadata/resolve.ts";
import { datamodel } from "../demo/datamodel.ts";
import { searchIndexStatements } from "../src/storage/search-indexes.ts";

for (const statement of searchIndexStatements(resolveResources(resources, datamodel), datamodel))
  console.log(statement);
