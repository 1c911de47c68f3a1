/**
 * The datasources' variables of the configuration (config.ts): every `DATASOURCE_<NAME>_URL`, the
 * database of the resources declaring `datasource: "<name>"` (docs/guides/datasources.md).
 */

/** The datasources' part of the configuration. */
export interface DatasourceConfig {
  /**
   * The URL of each datasource besides the default one (`DATABASE_URL`), by name: `DATASOURCE_ANALYTICS_URL`
   * is the datasource `analytics`. Each a postgresql:// URL of a database migrated with the same schema.
   * @default {} (every resource on the default datasource)
   */
  readonly datasources: Readonly<Record<string, string>>;
}

const VARIABLE = /^DATASOURCE_(.+)_URL$/;

/**
 * Reads and checks every `DATASOURCE_<NAME>_URL` among `names` (the environment's variable names);
 * each problem goes to `fail` (config.ts collects them into one ConfigError), naming the variable.
 * @example datasourceConfig(Object.keys(env), (name) => env[name], fail)
 */
export function datasourceConfig(
  names: readonly string[],
  read: (name: string) => string | undefined,
  fail: <T>(name: string, expected: string, value: string, fallback: T) => T,
): DatasourceConfig {
  const datasources: Record<string, string> = {};
  for (const variable of names) {
    const name = VARIABLE.exec(variable)?.[1];
    const url = name === undefined ? undefined : read(variable);
    if (name === undefined || url === undefined) continue;
    if (!/^[A-Z][A-Z0-9_]*$/.test(name) || name === "DEFAULT") {
      fail(
        variable,
        "named DATASOURCE_<NAME>_URL with NAME in capitals, digits and _, starting with a letter, not DEFAULT (the default datasource is DATABASE_URL)",
        "(set)",
        undefined,
      );
      continue;
    }
    let protocol: string | undefined;
    try {
      protocol = new URL(url).protocol;
    } catch {}
    // Without its password: error messages end up in logs.
    const shown = url.replace(/\/\/([^:/@]*):[^@]*@/, "//$1:***@");
    if (protocol !== "postgres:" && protocol !== "postgresql:") fail(variable, "a postgresql:// URL", shown, undefined);
    else datasources[name.toLowerCase()] = url;
  }
  return { datasources: Object.freeze(datasources) };
}

/** The variable holding the URL of datasource `name`: `analytics` → `DATASOURCE_ANALYTICS_URL`. */
export function datasourceVariable(name: string): string {
  return `DATASOURCE_${name.toUpperCase()}_URL`;
}
