/** One environment's settings before validation, and what its problems' field paths start with. */
export interface EnvironmentSettings {
  readonly name: string;
  readonly settings: unknown;
  /** `environments.NAME.` for an entry of `environments`, "" for a file without them. */
  readonly prefix: string;
}

/**
 * The environments a config file defines: each entry of `environments` merged over the top-level settings,
 * or, without `environments`, the top-level settings as the one environment `name`.
 */
export function environmentSettings(
  name: string,
  environments: Record<string, unknown> | undefined,
  base: Record<string, unknown>,
): EnvironmentSettings[] {
  if (!environments) return [{ name, settings: base, prefix: "" }];
  return Object.entries(environments).map(([envName, overrides]) => ({
    name: envName,
    settings: mergeOverrides(base, overrides),
    prefix: `environments.${envName}.`,
  }));
}

/** Objects merge key by key; null removes what `base` has (its default applies again); anything else replaces it. */
export function mergeOverrides(base: unknown, overrides: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(overrides)) return overrides === undefined ? base : overrides;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === null) delete merged[key];
    else merged[key] = mergeOverrides(base[key], value);
  }
  return merged;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
