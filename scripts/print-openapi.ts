// `npm run generate:openapi`: writes schema/openapi.json, the OpenAPI 3.1 contract of the REST facade,
// from the resource definitions in schema/. Commit the result; a test fails when it is stale.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { resources } from "../schema/index.ts";
import { resolveResources } from "../src/metadata/resolve.ts";
import { openApiText } from "../src/rest/openapi.ts";
import { datamodel } from "../src/storage/datamodel.ts";

const target = fileURLToPath(new URL("../schema/openapi.json", import.meta.url));
const text = openApiText(resolveResources(resources, datamodel));
writeFileSync(target, text);
console.log(`wrote ${target} (${text.length} bytes)`);
