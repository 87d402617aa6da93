// What suites share that needs no stack: paths, the example config and its variants, refusals, lock
// files, file trees, a script's words. support.ts re-exports all of it; a suite that builds no stack imports
// this file instead, and loads no construct or provider class (a few hundred milliseconds a suite).
import { spawnSync } from "child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { KNOWN_CLOSURE } from "../config/helper-requirements";
import { ConfigError, loadConfig } from "../config/load";
import { normalizeName } from "../config/requirements";
import { EnvironmentConfig } from "../config/schema";

export const ROOT = path.resolve(__dirname, "..");
/**
 * The tests' own configs (copies of the shipped examples): a team's fork may delete config/*.json and
 * keep only its own config; the product's tests do not read config/.
 */
export const FIXTURES = path.join(ROOT, "__tests__", "fixtures");
export const EXAMPLE_CONFIG = path.join(FIXTURES, "example.json");
export const ASSETS = path.join(ROOT, "assets");
/** The host agent's sources, which the startup scripts carry. */
export const AGENT = path.join(ROOT, "agent");

/** The example config, validated, optionally changed by `edit` (a deep copy is passed). */
export function exampleConfig(edit?: (c: EnvironmentConfig) => void): EnvironmentConfig {
  const config = structuredClone(loadConfig(EXAMPLE_CONFIG)[0].config);
  edit?.(config);
  return config;
}

/** Run this project's jest in a child process (for tests of the test set-up itself). */
export function nestedJest(args: string[], env: NodeJS.ProcessEnv = {}) {
  const jest = path.join(ROOT, "node_modules", "jest", "bin", "jest.js");
  return spawnSync(process.execPath, [jest, "--ci", ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: "utf8" });
}

/** A hash-pinned lock with these pins, completed with a pin (fake hash) of every other project of the helpers' closure. */
export function completeLock(pins: string[]): string {
  const pinned = new Set(pins.map((p) => normalizeName(p.split("==")[0])));
  const rest = KNOWN_CLOSURE.filter((name) => !pinned.has(name)).map((name) => `${name}==1.0`);
  return (
    [...pins, ...rest]
      .map((pin, i) => (pin.includes("--hash=") ? pin : `${pin} --hash=sha256:${i.toString(16).padStart(64, "0")}`))
      .join("\n") + "\n"
  );
}

/** The example config with `edit` applied (a deep copy), written to a file of its own; its path. */
export function exampleVariant(edit: (c: any) => void = () => {}): string {
  const config = JSON.parse(readFileSync(EXAMPLE_CONFIG, "utf8"));
  edit(config);
  const file = path.join(mkdtempSync(path.join(tmpdir(), "airlock-variant-")), "config.json");
  writeFileSync(file, JSON.stringify(config));
  return file;
}

/** A fleet's settings as the config resolves them (every default filled in), for tests that edit a resolved config. */
export function fleetSettings(fleet: Record<string, unknown>): NonNullable<EnvironmentConfig["fleet"]> {
  return loadConfig(exampleVariant((c) => (c.fleet = fleet)))[0].config.fleet!;
}

/** The problems loadConfig refuses `file` with (a test fails if it is accepted). */
export function refusals(file: string): string[] {
  return configErrorOf(() => loadConfig(file)).problems;
}

/** The ConfigError `run` throws (a test fails if it throws nothing, or something else). */
export function configErrorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

/** The problems of the ConfigError `run` throws, or none when it accepts the config. */
export function configProblems(run: () => unknown): string[] {
  try {
    run();
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

/**
 * What Terraform makes of a string of the synthesized JSON that holds no interpolation: the synth
 * escapes a script's own `${` and `%{` as `$${` and `%%{` (see constructs/terraform-literal.ts).
 */
export function terraformString(value: string): string {
  return value.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{");
}

/** Every file and folder under `dir` (relative path -> mode and content), to compare a tree before and after. */
export function fileTree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) {
        files[`${path.relative(dir, p)}/`] = "dir";
        walk(p);
      } else files[path.relative(dir, p)] = `${(statSync(p).mode & 0o7777).toString(8)} ${readFileSync(p, "base64")}`;
    }
  };
  if (existsSync(dir)) walk(dir);
  return files;
}

/**
 * The value a rendered startup script assigns to NAME at the start of a line (`NAME='...'`, one
 * single-quoted word as startup-script/shell-quote.ts writes it): read as data, never run.
 */
export function scriptWord(script: string, name: string): string {
  const at = script.indexOf(`\n${name}='`);
  if (at < 0 || script.indexOf(`\n${name}=`, at + 1) >= 0)
    throw new Error(`the script does not assign ${name} exactly once as a single-quoted word`);
  let i = at + name.length + 2;
  let value = "";
  for (;;) {
    const end = script.indexOf("'", i + 1);
    if (end < 0) throw new Error(`${name}: unterminated quote`);
    value += script.slice(i + 1, end);
    i = end + 1;
    if (!script.startsWith("\\''", i)) break;
    value += "'";
    i += 2;
  }
  if (script[i] !== "\n") throw new Error(`${name}: more than one word`);
  return value;
}

/** The settings a rendered startup script carries to the agent (its SETTINGS_JSON), parsed. */
export function carriedSettings(script: string): Record<string, any> {
  return JSON.parse(scriptWord(script, "SETTINGS_JSON"));
}
