// How each model of prisma/schema.prisma is served over GraphQL (/graphql) and REST (/api).
import { createResourceDefiner } from "autograph";
import type { Prisma } from "./generated/client.ts";

type Models = Prisma.TypeMap["model"];
/** Scalar and relation field names of every model, so a misspelt field is a type error. */
type AppModels = {
  [M in keyof Models]: {
    scalars: keyof Models[M]["payload"]["scalars"] & string;
    relations: keyof Models[M]["payload"]["objects"] & string;
  };
};

const defineResource = createResourceDefiner<AppModels>();

// Without `access` rules a resource is open to every caller: add them before you deploy.
export const note = defineResource("Note", {
  fields: {
    title: { filter: ["eq", "contains"], sort: true, search: true, validate: { minLength: 1, maxLength: 200 } },
    body: { search: true },
    createdAt: { readOnly: true, onCreate: "now", sort: true },
  },
});

/** Every resource the app serves. */
export const resources = [note];
