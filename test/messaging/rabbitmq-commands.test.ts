/** The command contract over RabbitMQ: the machine's broker (MQ_URL, default amqp://guest:guest@127.0.0.1:5672), a queue of this file's own. */
import { randomBytes } from "node:crypto";
import { rabbitMqCommands } from "../../src/storage/brokers/rabbitmq-commands.ts";
import { deleteRabbitMqQueue, rabbitMqClient } from "../support/command-clients.ts";
import { commandContract } from "./commands-contract.ts";

const url = process.env.MQ_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const queue = `autograph.test.commands.${randomBytes(4).toString("hex")}`;

commandContract("RabbitMQ", () => ({
  transport: () => rabbitMqCommands({ url, queue, prefetch: 8 }),
  cleanup: () => deleteRabbitMqQueue(url, queue),
  client: () => rabbitMqClient(url, queue),
}));
