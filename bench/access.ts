// `npm run bench` (fifth part): what access control costs on reads. Lists a page of 50 tickets with
// its total (react-admin's Content-Range) over 20,000 tickets in two tenants, in turns: as the admin
// role (no tenant, no scope: the rules' fast path), as an agent (the tenant condition), as a customer
// (tenant + row scope), and a bare Prisma findMany + count with the agent's condition (the baseline).
// Prints the median time of each, its ratio to the baseline, and the SQL statements each read sends.
import { resources } from "../demo/schema/index.ts";
import type { Actor } from "../src/runtime/context.ts";
import { resolveResources } from "../src/metadata/resolve.ts";
import { createRuntime } from "../src/runtime/runtime.ts";
import { datamodel } from "../demo/datamodel.ts";
import { createDemoDatabase } from "../test/support/demo-database.ts";
import { createStore } from "../src/storage/store.ts";
import { prepareBenchDatabaseFromEnv } from "./database.ts";
import { medians } from "./medians.ts";

const REPEAT = Number(process.env.BENCH_ACCESS_REPEAT ?? 300);
const TICKETS = 20_000;
const log = (message: string) => console.error(`[bench:access] ${message}`);

const database = await prepareBenchDatabaseFromEnv(log);
const db = createDemoDatabase(database.url, { poolSize: 4 });
try {
  const customers = (
    await db.prisma.user.findMany({ where: { role: "reader" }, select: { id: true }, orderBy: { id: "asc" } })
  ).map((u) => u.id);
  const existing = await db.prisma.ticket.count();
  if (existing < TICKETS) {
    log(`inserting ${TICKETS - existing} tickets`);
    const rows = Array.from({ length: TICKETS - existing }, (_, i) => ({
      tenantId: i % 2 === 0 ? "acme" : "globex",
      title: `Bench ticket ${i}`,
      reporterId: customers[i % customers.length] as number,
      internalNote: i % 7 === 0 ? "escalated" : "",
      updatedAt: new Date(),
    }));
    for (let i = 0; i < rows.length; i += 5000) await db.prisma.ticket.createMany({ data: rows.slice(i, i + 5000) });
    await db.prisma.$executeRawUnsafe(`ANALYZE "Ticket"`);
  }
  const runtime = createRuntime({ schema: resolveResources(resources, datamodel), store: createStore(db) });
  const tickets = runtime.service("ticket");
  const customer = (
    await db.prisma.ticket.groupBy({ by: ["reporterId"], where: { tenantId: "acme" }, orderBy: { reporterId: "asc" } })
  )[0]?.reporterId;
  const actors: Record<string, Actor> = {
    admin: { id: "root", roles: ["admin"] },
    agent: { id: "agent-1", roles: ["agent"], tenantId: "acme" },
    customer: { id: String(customer), roles: ["customer"], tenantId: "acme" },
  };
  const page = { limit: 50, withTotal: true, sort: [{ field: "id", direction: "desc" as const }] };
  const agentWhere = { tenantId: "acme", deletedAt: null };
  const variants: { name: string; read: () => Promise<unknown> }[] = [
    {
      name: "bare Prisma, agent's where (baseline)",
      read: () =>
        Promise.all([
          db.prisma.ticket.findMany({ where: agentWhere, orderBy: { id: "desc" }, take: 50 }),
          db.prisma.ticket.count({ where: agentWhere }),
        ]),
    },
    ...Object.entries(actors).map(([name, actor]) => ({
      name: `runtime list as ${name}`,
      read: () => tickets.list(runtime.context({ actor }), page),
    })),
  ];
  const statements: number[] = [];
  const sizes: number[] = [];
  for (const v of variants) {
    db.statements.reset();
    for (let i = 0; i < 10; i++) await v.read();
    statements.push(db.statements.count / 10);
    const result = (await v.read()) as { total?: number } | [unknown[], number];
    sizes.push(Array.isArray(result) ? result[1] : (result.total ?? 0));
  }
  const times = await medians(
    variants.map((v) => v.read),
    REPEAT,
    20,
  );
  const base = times[0] as number;
  console.log(
    `\nA page of 50 tickets with its total, over ${TICKETS} tickets in 2 tenants (median of ${REPEAT}, in turns):`,
  );
  console.log("read                                    ms/read  vs baseline  SQL statements  rows matched");
  console.log("--------------------------------------  -------  -----------  --------------  ------------");
  for (const [i, v] of variants.entries()) {
    const ms = times[i] as number;
    console.log(
      `${v.name.padEnd(38)}  ${ms.toFixed(2).padStart(7)}  ${`${(ms / base).toFixed(2)}×`.padStart(11)}  ${String(statements[i]).padStart(14)}  ${String(sizes[i]).padStart(12)}`,
    );
  }
} finally {
  await db.close();
  await database.close();
}
