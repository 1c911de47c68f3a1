/**
 * The relay's part of a configuration that sets none of its variables: no relay, and the documented
 * defaults. Asserted by config.test.ts (the whole configuration) and relay-config.test.ts (its own part).
 */
export const RELAY_OFF = {
  amqp: undefined,
  nats: undefined,
  from: "newest",
  actor: undefined,
  batchSize: 500,
  confirmTimeoutMs: 10_000,
};
