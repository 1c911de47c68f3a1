// The public API exports what the README and guides use, and they work together.
import { describe, expect, it } from "vitest";
import { datamodel } from "../demo/datamodel.ts";
import * as autograph from "../src/index.ts";

describe("public API", () => {
  it("exports the documented entry points", () => {
    for (const name of [
      "createResourceDefiner",
      "resolveResources",
      "createRuntime",
      "createApp",
      "startServer",
      "createGraphQLHandler",
      "createRestHandler",
      "buildOpenApi",
      "buildGraphQLSchema",
      "AppError",
      "MetadataError",
      "loadConfig",
    ]) {
      expect(typeof (autograph as Record<string, unknown>)[name], name).toBe("function");
    }
  });

  it("maps every error code to a 4xx or 5xx status", () => {
    for (const [code, status] of Object.entries(autograph.ERROR_STATUS)) {
      expect(new autograph.AppError(code as autograph.ErrorCode, "x").status).toBe(status);
      expect(status).toBeGreaterThanOrEqual(400);
    }
  });

  it("a definition made with the definer resolves against the datamodel", () => {
    const defineResource = autograph.createResourceDefiner<{ Tag: { scalars: "id" | "name"; relations: "posts" } }>();
    const schema = autograph.resolveResources([defineResource("Tag", { fields: { name: { sort: true } } })], datamodel);
    expect(schema.resource.get("tag")?.field.get("name")?.sortable).toBe(true);
  });
});
