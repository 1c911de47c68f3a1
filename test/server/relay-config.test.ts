// The relay's variables: off unless asked for, on with a broker URL and a destination, and every bad
// value named with what was expected.
import { describe, expect, test } from "vitest";
import { loadConfig } from "../../src/server/config.ts";
import { RELAY_OFF } from "../support/relay-defaults.ts";

describe("relay configuration", () => {
  test("off by default, and the broker URLs alone (the command consumers') do not turn it on", () => {
    expect(loadConfig({}).relay).toEqual(RELAY_OFF);
    const urlsOnly = loadConfig({ MQ_URL: "amqp://127.0.0.1", NATS_URL: "nats://127.0.0.1:4222" }).relay;
    expect(urlsOnly.amqp).toBeUndefined();
    expect(urlsOnly.nats).toBeUndefined();
  });

  test("an exchange or a subject turns a relay on", () => {
    const { relay } = loadConfig({
      MQ_URL: "amqp://guest:guest@mq:5672/",
      MQ_RELAY_EXCHANGE: "autograph.events",
      NATS_URL: "nats://a:4222,nats://b:4222",
      NATS_RELAY_SUBJECT: "autograph.events",
      RELAY_FROM: "beginning",
      RELAY_ACTOR: "relay:admin",
      RELAY_BATCH_SIZE: "50",
      RELAY_CONFIRM_TIMEOUT_MS: "2500",
    });
    expect(relay).toEqual({
      amqp: { url: "amqp://guest:guest@mq:5672/", exchange: "autograph.events" },
      nats: { url: "nats://a:4222,nats://b:4222", subject: "autograph.events", stream: "AUTOGRAPH_EVENTS" },
      from: "beginning",
      actor: "relay:admin",
      batchSize: 50,
      confirmTimeoutMs: 2500,
    });
  });

  test("bad values stop the boot, each named with what was expected", () => {
    expect(() => loadConfig({ MQ_RELAY_EXCHANGE: "events" })).toThrow(
      'MQ_RELAY_EXCHANGE must be unset unless MQ_URL is set (the RabbitMQ server to publish to), got "events"',
    );
    expect(() => loadConfig({ NATS_URL: "nats://n:4222", NATS_RELAY_SUBJECT: "events.>" })).toThrow(
      "NATS_RELAY_SUBJECT must be a subject prefix of dot-separated tokens without wildcards",
    );
    expect(() => loadConfig({ MQ_URL: "http://user:pw@mq" })).toThrow(
      'MQ_URL must be an amqp:// or amqps:// URL, got "http://user:***@mq"',
    );
    expect(() => loadConfig({ NATS_URL: "localhost:4222" })).toThrow(
      "NATS_URL must be nats:// or tls:// URLs, comma-separated",
    );
    expect(() => loadConfig({ RELAY_FROM: "oldest" })).toThrow('RELAY_FROM must be newest or beginning, got "oldest"');
    expect(() => loadConfig({ RELAY_ACTOR: "a b" })).toThrow("RELAY_ACTOR must be <id> or <id>:<role>,<role>");
    expect(() => loadConfig({ RELAY_BATCH_SIZE: "0" })).toThrow(
      'RELAY_BATCH_SIZE must be a whole number of events from 1 to 10000, got "0"',
    );
    expect(() => loadConfig({ RELAY_CONFIRM_TIMEOUT_MS: "10s" })).toThrow(
      'RELAY_CONFIRM_TIMEOUT_MS must be a whole number of milliseconds from 100 to 600000, got "10s"',
    );
  });
});
