// Binds `defineResource` to this project's Prisma models, so a misspelt field is a type error too, and
// sets the project's REST naming: kebab-case paths (TicketReply → /api/ticket-replies).
import { createResourceDefiner } from "../../src/definitions.ts";
import type { Prisma } from "../generated/client.ts";

type Models = Prisma.TypeMap["model"];
/** Scalar and relation field names of every model of prisma/schema.prisma. */
export type DemoModels = {
  [M in keyof Models]: {
    scalars: keyof Models[M]["payload"]["scalars"] & string;
    relations: keyof Models[M]["payload"]["objects"] & string;
  };
};

export const defineResource = createResourceDefiner<DemoModels>({ naming: "kebab" });
