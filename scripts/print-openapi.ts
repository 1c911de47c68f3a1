// `npm run generate:openapi`: writes demo/schema/openapi.json, the OpenAPI 3.1 contract of the demo's REST
// facade, from the resource definitions in demo/schema/. Commit the result; a test fails when it is stale.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { resources } from "../demo/schema/index.ts";
import { resolveResources } from "../src/metadata/resolve.ts";
import { openApiText } from "../src/rest/openapi.ts";
import { datamodel } from "../demo/datamodel.ts";

const target = fileURLToPath(new URL("../demo/schema/openapi.json", import.meta.url));
const text = openApiText(resolveResources(resources, datamodel));
writeFileSync(target, text);
console.log(`wrote ${target} (${text.length} bytes)`);
