/**
 * `Promise.withResolvers` (Node 22) for PostGraphile v5 on Node 20: grafast and @dataplan/pg call it
 * while executing (their packages declare `engines: node >= 22`), and without it every PostGraphile
 * query fails with "Cannot read properties of undefined (reading 'items')". Imported first by
 * bench/postgraphile.ts; does nothing where Node has it.
 */
// Typed by lib ES2024, missing at run time on Node 20.
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== "function") {
  Promise.withResolvers = function withResolvers<T>() {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

export {};
