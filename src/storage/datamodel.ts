/** The project's Prisma datamodel, as written by scripts/datamodel-generator.mjs at `prisma generate`. */
import type { Datamodel } from "../metadata/datamodel.ts";
import generated from "./generated/datamodel.json" with { type: "json" };

/** The datamodel resolution checks resource definitions against. */
export const datamodel: Datamodel = generated as unknown as Datamodel;
