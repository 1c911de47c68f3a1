-- Full-text search (issue B): GIN expression indexes on exactly the tsvector expressions the runtime's
-- search queries use (src/storage/search-sql.ts). Printed by `npm run db:search-indexes` from schema/*.ts.
CREATE INDEX "User_search_idx" ON "User" USING GIN (to_tsvector('simple'::regconfig, coalesce("email", '') || ' ' || coalesce("name", '')));
CREATE INDEX "Post_search_idx" ON "Post" USING GIN (to_tsvector('english'::regconfig, coalesce("title", '') || ' ' || coalesce("body", '')));
CREATE INDEX "Comment_search_idx" ON "Comment" USING GIN (to_tsvector('english'::regconfig, coalesce("body", '')));
CREATE INDEX "Tag_search_idx" ON "Tag" USING GIN (to_tsvector('simple'::regconfig, coalesce("name", '')));
