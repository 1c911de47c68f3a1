// Preloaded into the Prisma CLI (`node --require`): the WASM schema engine leaves long timers that keep
// the process alive 10-60 s after a command has finished. Unref'ing them lets the CLI exit when done.
const original = globalThis.setTimeout;
globalThis.setTimeout = (fn, ms, ...args) => {
  const timer = original(fn, ms, ...args);
  if (typeof ms === "number" && ms >= 1000 && timer && typeof timer.unref === "function") timer.unref();
  return timer;
};
const originalInterval = globalThis.setInterval;
globalThis.setInterval = (fn, ms, ...args) => {
  const timer = originalInterval(fn, ms, ...args);
  if (timer && typeof timer.unref === "function") timer.unref();
  return timer;
};
