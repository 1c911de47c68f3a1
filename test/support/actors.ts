/**
 * Actors of the demo seed (src/storage/seed.ts gives users 1–2 the admin role, 3–8 editor, 9–24
 * author, 25–40 reader): the demo's users, posts, comments and tags are written by signed-in actors
 * with a role (schema/*.ts), so tests that write them act as one of these.
 */
import type { Actor } from "../../src/runtime/context.ts";

/** User 1, an admin: passes every rule, sees every tenant and scope (the back office). */
export const ADMIN: Actor = Object.freeze({ id: "1", roles: Object.freeze(["admin"]) });
/** User 3, an editor: writes any post, tag or comment. */
export const EDITOR: Actor = Object.freeze({ id: "3", roles: Object.freeze(["editor"]) });
/** User 25, a reader: reads, comments, edits their own profile. */
export const READER: Actor = Object.freeze({ id: "25", roles: Object.freeze(["reader"]) });

/** `DEV_ACTOR` of a test server whose anonymous requests act as {@link ADMIN}. */
export const ADMIN_DEV_ACTOR = "1:admin";
