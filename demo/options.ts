// The demo app: what `npm start` (demo/main.ts) passes to startServer, shared with the tests and scripts.
import type { StartOptions } from "../src/index.ts";
import { datamodel } from "./datamodel.ts";
import { PrismaClient } from "./generated/client.ts";
import { extensions } from "./schema/extensions.ts";
import { resources } from "./schema/index.ts";
import { seedDemo } from "./seed.ts";

/** The demo's client, datamodel, resources, GraphQL extensions and seed. */
export const demoOptions = {
  prismaClient: PrismaClient,
  datamodel,
  resources,
  graphqlExtensions: extensions,
  seed: seedDemo,
} satisfies StartOptions<PrismaClient>;
