/** The backup routes (docs/guides/backup.md) in the document: `GET /_dump` and `POST /_load`, admin only. */
import { errorResponses, type Json, jsonContent, operation, parameter, ref } from "./builders.ts";

const TAGS = ["backup"];
const archive = { schema: { type: "string", format: "binary", contentMediaType: "application/gzip" } };
const resourcesParameter = parameter(
  "query",
  "resources",
  "Only these resources, by plural or singular name, comma-separated: their tables and their rows of Revision and Event. Every table when absent.",
  { schema: { type: "string" }, example: "posts,tags" },
);
const adminOnly = (op: Json): Json => ({ ...op, security: [{ bearer: [] }, { apiKey: [] }] });

/** The schema of a load's answer. */
const LOAD_SUMMARY: Json = {
  type: "object",
  required: ["format", "migration", "createdAt", "tables", "files"],
  properties: {
    format: { type: "string", description: "The archive format, autograph-dump/1." },
    migration: { type: ["string", "null"], description: "The newest migration applied where it was dumped." },
    createdAt: { type: "string", format: "date-time", description: "When the archive was dumped." },
    tables: {
      type: "array",
      items: {
        type: "object",
        required: ["name", "rows"],
        properties: { name: { type: "string" }, rows: { type: "integer", minimum: 0 } },
      },
    },
    files: { type: "integer", minimum: 0, description: "Files stored from the archive." },
  },
};

/** The tag of the backup routes. */
export const BACKUP_TAG = {
  name: "backup",
  description: "The whole installation as one archive (rows, revisions, events, files), for the admin role only.",
};

/** `/_dump` and `/_load`. */
export function backupPaths(): Json {
  return {
    "/_dump": {
      get: adminOnly(
        operation({
          id: "dumpInstallation",
          tags: TAGS,
          summary: "Dump the installation (npm run dump over HTTP)",
          description:
            "A gzip-compressed tar archive, streamed: manifest.json first, then tables/<Model>.ndjson, then blobs/<sha256>. One consistent snapshot. The status waits for the first byte; a failure after it cuts the response short.",
          parameters: [resourcesParameter],
          responses: {
            "200": {
              description: "The archive.",
              headers: {
                "Content-Disposition": {
                  description: 'attachment; filename="autograph-<time>.tar.gz"',
                  schema: { type: "string" },
                },
              },
              content: { "application/gzip": archive },
            },
            ...errorResponses("400", "401", "403", "409"),
          },
        }),
      ),
    },
    "/_load": {
      post: adminOnly(
        operation({
          id: "loadInstallation",
          tags: TAGS,
          summary: "Load an archive into the empty database (npm run load over HTTP)",
          description:
            "All or nothing, in one transaction: ids kept, sequences moved past them, every table's sha256 and every file's hash verified. A damaged, truncated or foreign archive is a 400; a target with rows already, at another migration, or whose foreign keys reject a row, a 409.",
          parameters: [resourcesParameter],
          requestBody: {
            required: true,
            content: {
              "application/gzip": archive,
              "application/x-gzip": archive,
              "application/octet-stream": archive,
            },
          },
          responses: {
            "200": {
              description: "What was loaded.",
              content: jsonContent(LOAD_SUMMARY),
            },
            ...errorResponses("400", "401", "403", "409"),
            "415": { description: "The body is not sent as an archive.", content: jsonContent(ref("Error")) },
          },
        }),
      ),
    },
  };
}
