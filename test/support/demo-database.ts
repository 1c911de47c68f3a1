/**
 * A database of the demo schema (prisma/schema.prisma): the demo's generated Prisma client, typed, on a
 * counted pool (src/storage/prisma.ts). Tests and benchmarks check what requests did through it.
 */
import { datamodel } from "../../demo/datamodel.ts";
import { PrismaClient } from "../../demo/generated/client.ts";
import { type CreateDatabaseOptions, createDatabase, type Database } from "../../src/storage/prisma.ts";

/** A {@link Database} with the demo's typed client (`db.prisma.post.findMany(...)`). */
export type DemoDatabase = Database<PrismaClient>;

/**
 * Opens the demo's Prisma client on `url`.
 * @example
 * const db = createDemoDatabase(testDb.url);
 * expect(await db.prisma.post.count()).toBe(320);
 * await db.close();
 */
export function createDemoDatabase(
  url: string,
  options: Omit<CreateDatabaseOptions<PrismaClient>, "prismaClient" | "datamodel"> = {},
): DemoDatabase {
  return createDatabase(url, { ...options, prismaClient: PrismaClient, datamodel });
}

/** The demo's Prisma client class and datamodel, as `startServer` and `createDatabase` take them. */
export const demoPrisma = { prismaClient: PrismaClient, datamodel };
