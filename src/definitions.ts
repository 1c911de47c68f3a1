/**
 * The part of Autograph's public API that resource definition files need, on its own: importing it loads
 * the metadata layer only, not the server (GraphQL, REST, Prisma's runtime), so a tool that reads the
 * definitions (a dump, a load, a code generator) stays small. Everything here is also exported by the
 * main entry, `src/index.ts`.
 * @packageDocumentation
 */
export { createResourceDefiner, defineAction } from "./metadata/definition.ts";
// The error a definition's actions and validators throw to answer a client (a module without imports).
export { AppError } from "./runtime/errors.ts";
export { resolveResources } from "./metadata/resolve.ts";
