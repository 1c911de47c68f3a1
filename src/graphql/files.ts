/**
 * File fields in GraphQL (docs/guides/files.md): the `File` upload scalar of the GraphQL multipart
 * request spec (yoga turns each file part into a Fetch API `File` in the variables), the `FileInfo`
 * type a record's file reads as. Only added to the schema when some resource has a file field. The files
 * of a mutation's `data` are stored by the runtime's `withUploads` (src/runtime/uploads.ts), as REST's
 * multipart parts are.
 */
import type { ObjectRef } from "@pothos/core";
import { SHARED_GRAPHQL_NAMES } from "../metadata/names.ts";
import type { ResolvedSchema } from "../metadata/resolved.ts";
import { AppError } from "../runtime/errors.ts";
import { isFile } from "../runtime/uploads.ts";
import type { Builder, Types } from "./builder.ts";

/** A file field's value as records carry it. */
interface FileInfo {
  readonly id: string;
  readonly size: number;
  readonly contentType: string;
  readonly filename: string | null;
  readonly url: string;
}

/** The file types of one schema, made on first use. */
export interface FileTypes {
  /** The input type of a file field: the upload scalar. */
  upload(): "File";
  /** The output type of a file field. */
  info(): ObjectRef<Types, FileInfo>;
}

/** Declares the file types lazily, so a schema without file fields holds none of them. */
export function fileTypes(builder: Builder, schema: ResolvedSchema): FileTypes {
  let scalar = false;
  let info: ObjectRef<Types, FileInfo> | undefined;
  const used = schema.resources.some((r) => r.fields.some((f) => f.blob));
  return {
    upload() {
      if (!used) throw new Error("File types are only for file fields");
      if (!scalar)
        builder.scalarType(SHARED_GRAPHQL_NAMES.file, {
          description: "A file part of a multipart request (GraphQL multipart request spec).",
          serialize: () => {
            throw new Error("File is an input type");
          },
          parseValue: (value) => {
            if (isFile(value)) return value;
            throw new AppError("BAD_REQUEST", "Expected a file part of a multipart request.");
          },
        });
      scalar = true;
      return "File";
    },
    info() {
      info ??= builder.objectRef<FileInfo>(SHARED_GRAPHQL_NAMES.fileInfo).implement({
        description: "A stored file: its bytes are served at `url` (access as the record's).",
        fields: (t) => ({
          id: t.exposeString("id", { description: "sha256 of the bytes, lowercase hex (the download's ETag)." }),
          size: t.exposeInt("size", { description: "Length in bytes." }),
          contentType: t.exposeString("contentType"),
          filename: t.exposeString("filename", { nullable: true }),
          url: t.exposeString("url", { description: "Where to GET the bytes (REST)." }),
        }),
      });
      return info;
    },
  };
}
