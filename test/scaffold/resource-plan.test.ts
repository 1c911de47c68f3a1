// The scaffold's decisions over a pulled schema (src/storage/scaffold/resource-plan.ts), on the cases
// Chinook does not have: a table Prisma ignores, an unsupported column, a uuid id without a default, an
// id with a default, a one-to-one relation, a user's table named like one of Autograph's. Pure: no database.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { autographModelsOf, withoutAutographModels } from "../../src/storage/scaffold/project-schema.ts";
import { parsePulledSchema } from "../../src/storage/scaffold/pulled-schema.ts";
import { renderResource } from "../../src/storage/scaffold/render.ts";
import { fileNameOf, planResources, variableOf } from "../../src/storage/scaffold/resource-plan.ts";

const REPO = resolve(import.meta.dirname, "../..");
const autograph = autographModelsOf(readFileSync(join(REPO, "templates/init/prisma/schema.prisma"), "utf8"));

const PULLED = `datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}

enum rating {
  G
  PG
}

model film {
  film_id     Int                      @id @default(autoincrement())
  title       String                   @db.VarChar(255)
  rating      rating?
  fulltext    Unsupported("tsvector")
  api_token   String?
  poster      Bytes?
  language_id Int
  language    language                 @relation(fields: [language_id], references: [language_id])
  details     film_details?

  @@index([title, film_id], map: "idx_title")
  @@index([fulltext], map: "film_fulltext_idx", type: Gist)
}

model film_details {
  film_id Int    @id
  notes   String
  film    film   @relation(fields: [film_id], references: [film_id])
}

model language {
  language_id Int    @id @default(autoincrement())
  name        String @unique(map: "language_name_key") @db.Char(20)
  film        film[]
}

model session {
  id      String @id @db.Uuid
  user_id Int
}

/// The underlying table does not contain a valid unique identifier and can therefore currently not be handled by Prisma Client.
model payment_log {
  amount Decimal @db.Decimal(5, 2)

  @@ignore
}
`;

describe("the scaffold's plan", () => {
  const plan = planResources(parsePulledSchema(PULLED));
  const film = plan.resources.find((r) => r.model === "film");

  it("skips what Autograph cannot serve, with the reason", () => {
    expect(plan.skipped).toEqual([{ model: "payment_log", reason: expect.stringContaining("@@ignore") }]);
    expect(plan.resources.map((r) => r.model)).toEqual(["film", "film_details", "language", "session"]);
    expect(film?.decisions).toContain('fulltext: not served, type Unsupported("tsvector") has no API form');
    expect(film?.decisions).toContain("poster: not served, type Bytes has no API form");
  });

  it("filters and sorts on the leading column of an index, searches text, hides secrets", () => {
    expect(film?.fields).toEqual([
      { name: "film_id", options: ['apiName: "id"'] },
      { name: "title", options: ["filter: true", "sort: true", "search: true"] },
      { name: "api_token", options: ['hidden: ["one", "list"]'] },
    ]);
    const language = plan.resources.find((r) => r.model === "language");
    expect(language?.fields).toContainEqual({ name: "name", options: ["filter: true", "sort: true", "search: true"] });
    expect(language?.decisions).toContain("filter, sort: name (language_name_key): an index leads with it");
  });

  it("serves foreign-key relations, not the back side of a one-to-one", () => {
    expect(film?.relations).toEqual(["language"]);
    expect(film?.decisions).toContain(
      "relation details: not served, the back side of a one-to-one relation is not served",
    );
    expect(plan.resources.find((r) => r.model === "film_details")?.relations).toEqual(["film"]);
  });

  it("makes uuid ids in the runtime, and leaves create out when nothing can make an id", () => {
    const session = plan.resources.find((r) => r.model === "session");
    expect(session?.id).toBe("uuid");
    expect(session?.operations).toBeUndefined();
    expect(plan.resources.find((r) => r.model === "film_details")?.operations).toEqual([
      "list",
      "get",
      "update",
      "delete",
    ]);
    expect(film?.operations).toBeUndefined();
    expect(renderResource(session as NonNullable<typeof session>)).toContain('  id: "uuid",\n');
  });

  it("names files and variables after the model", () => {
    expect([fileNameOf("InvoiceLine"), fileNameOf("film_actor"), fileNameOf("HTTPLog")]).toEqual([
      "invoice-line",
      "film-actor",
      "http-log",
    ]);
    expect([variableOf("InvoiceLine"), variableOf("film_actor"), variableOf("Delete")]).toEqual([
      "invoiceLine",
      "filmActor",
      "deleteResource",
    ]);
  });
});

describe("Autograph's own tables in a pulled schema", () => {
  it("are recognised as Autograph's and left out of the user's models", () => {
    const pulled = parsePulledSchema(`${PULLED}\n${autograph.text}\n`);
    const models = withoutAutographModels(pulled, autograph).models.map((m) => m.name);
    expect(models).toEqual(["film", "film_details", "language", "session", "payment_log"]);
  });

  it("are a clear error when a user's table has one of their names", () => {
    const pulled = parsePulledSchema(`${PULLED}\nmodel Event {\n  id   Int    @id\n  name String\n}\n`);
    expect(() => withoutAutographModels(pulled, autograph)).toThrow(
      /The database has a table "Event" that is not Autograph's \(it lacks resource, recordId, action/,
    );
  });
});
