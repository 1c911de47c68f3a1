#!/usr/bin/env node
// A Prisma generator that writes the schema's datamodel (models, fields, enums, relations) as JSON, so
// resource resolution can check definitions against the real schema at boot without parsing Prisma files.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import gh from "@prisma/generator-helper";

gh.generatorHandler({
  onManifest: () => ({ prettyName: "Autograph datamodel", defaultOutput: "./datamodel.json" }),
  onGenerate: async (options) => {
    const out = options.generator.output?.value;
    if (!out) throw new Error("datamodel generator: output is required");
    const { models, enums } = options.dmmf.datamodel;
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify({ models, enums }, null, 1)}\n`);
  },
});
