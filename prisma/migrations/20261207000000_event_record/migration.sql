-- The record as each write left it: change events are checked against their own snapshot.
ALTER TABLE "Event" ADD COLUMN "record" JSONB;
