-- A post's cover image: the metadata of a blob (docs/guides/files.md).
ALTER TABLE "Post" ADD COLUMN "cover" JSONB;
