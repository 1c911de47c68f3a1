/** The command contract over NATS JetStream: the machine's server (NATS_URL, default nats://127.0.0.1:4222), a stream of this file's own. */
import { randomBytes } from "node:crypto";
import { natsCommands } from "../../src/storage/brokers/nats-commands.ts";
import { deleteNatsStreams, natsClient } from "../support/command-clients.ts";
import { commandContract } from "./commands-contract.ts";

const url = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
const id = randomBytes(4).toString("hex");
const stream = `AUTOGRAPH_TEST_COMMANDS_${id}`;
const subject = `autograph.test.${id}.commands`;

commandContract("NATS JetStream", () => ({
  transport: () => natsCommands({ url, stream, subject, durable: `test_${id}`, prefetch: 8 }),
  cleanup: () => deleteNatsStreams(url, stream),
  client: () => natsClient(url, subject, stream),
}));
