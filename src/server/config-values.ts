/**
 * Value checks the configuration's parts share (config.ts hands each part `read` and `fail`): a whole
 * number within bounds, and a URL shown without its password in an error.
 */

/** Reads a variable of the environment; undefined when unset. */
export type ReadVariable = (name: string) => string | undefined;

/** Records a bad value (config.ts collects them into one ConfigError) and returns the fallback. */
export type FailVariable = <T>(name: string, expected: string, value: string, fallback: T) => T;

/**
 * A reader of whole numbers from `min` to `max`: the fallback when the variable is unset, a failure
 * naming the bounds and the unit when it is not such a number.
 * @example const bounded = boundedWhole(read, fail); bounded("COMMANDS_PREFETCH", 16, 1, 1000, "messages")
 */
export function boundedWhole(read: ReadVariable, fail: FailVariable) {
  return (name: string, fallback: number, min: number, max: number, unit: string): number => {
    const value = read(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    return /^\d+$/.test(value) && n >= min && n <= max
      ? n
      : fail(name, `a whole number of ${unit} from ${min} to ${max}`, value, fallback);
  };
}

/** `url` with its password masked, for an error message or a log line. */
export function hidePassword(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@]*@/, "//$1:***@");
}
