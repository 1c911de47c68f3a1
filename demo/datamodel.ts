// The demo's datamodel, as Autograph's datamodel generator writes it at `prisma generate` (prisma/schema.prisma).
import type { Datamodel } from "../src/index.ts";
import generated from "./generated/datamodel.json" with { type: "json" };

/** The models and enums of prisma/schema.prisma, which resource definitions are checked against. */
export const datamodel = generated as Datamodel;
