import { spawnSync } from "child_process";
import { createHash } from "crypto";
import { App, Testing } from "cdktf";
import * as path from "path";
import { KNOWN_CLOSURE } from "../config/helper-requirements";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { ConfigError, loadConfig } from "../config/load";
import { normalizeName } from "../config/requirements";
import { EnvironmentConfig } from "../config/schema";
import { AirlockStack } from "../constructs/airlock-stack";
import { Grantee } from "../constructs/python-repository";
import { referencedScriptFile } from "../startup-script/script-reference";
import { scriptFileName } from "../startup-script/scripts";
import { loadStartupSources, StartupSources } from "../startup-script/sources";

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

let sources: StartupSources | undefined;
/** The trampoline template and the agent's zipapp, as the synth reads them (once per test file). */
export function startupSources(): StartupSources {
  return (sources ??= loadStartupSources(ASSETS, AGENT));
}

/** The example config, validated, optionally changed by `edit` (a deep copy is passed). */
export function exampleConfig(edit?: (c: EnvironmentConfig) => void): EnvironmentConfig {
  const config = structuredClone(loadConfig(EXAMPLE_CONFIG)[0].config);
  edit?.(config);
  return config;
}

/** Build an AirlockStack in a fresh test app. */
export function buildStack(config: EnvironmentConfig = exampleConfig(), lockContent = ""): { app: App; stack: AirlockStack } {
  const app = Testing.app({ stackTraces: false });
  const stack = new AirlockStack(app, "airlock", { config, lockContent, startupSources: startupSources() });
  return { app, stack };
}

export interface SynthJson {
  resource: Record<string, Record<string, any>>;
  locals?: Record<string, string>;
  output?: Record<string, { value: string }>;
  terraform?: Record<string, any>;
}

/** The stack's synthesized Terraform JSON, parsed. */
export function synthJson(stack: AirlockStack): SynthJson {
  return JSON.parse(Testing.synth(stack));
}

/** Every resource of one type, as a list of configs. */
export function resourcesOf(json: SynthJson, type: string): any[] {
  return Object.values(json.resource[type] ?? {});
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

/** The stack's VMs whose startup script is the mirror or the bootstrap (their `airlock-role` label). */
export function hostsByRole(json: SynthJson, role: "mirror" | "bootstrap"): any[] {
  return resourcesOf(json, "google_compute_instance").filter((i) => i.labels?.["airlock-role"] === role);
}

/** The one VM of `role`, or undefined. */
export function hostByRole(json: SynthJson, role: "mirror" | "bootstrap"): any {
  return hostsByRole(json, role)[0];
}

/**
 * What Terraform makes of a string of the synthesized JSON that holds no interpolation: the synth
 * escapes a script's own `${` and `%{` as `$${` and `%%{` (see constructs/terraform-literal.ts).
 */
export function terraformString(value: string): string {
  return value.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{");
}

/**
 * The script a `startup-script` metadata value (or the bootstrap output) of `json` hands the VM, as
 * Terraform evaluates it: the file its local reads beside cdk.tf.json, taken from the synth folder `from`
 * or, for a stack synthesized in memory, from the scripts the stack rendered (which the synth writes there).
 */
export function carriedScript(json: SynthJson, value: string, from: AirlockStack | string): string {
  const file = referencedScriptFile(json, value);
  if (!file) throw new Error(`not a reference to a script file: ${value.slice(0, 80)}`);
  if (typeof from === "string") return readFileSync(path.join(from, file), "utf8");
  const script = from.startupScripts.find((s) => scriptFileName(s) === file);
  if (!script) throw new Error(`the stack renders no ${file}`);
  return script.text;
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

/** A grantee whose grant takes the construct id `id` (a test's own grant, at a path it can name). */
export function grantee(id: string, member: string): Grantee {
  return { member, grantId: () => id };
}

/**
 * `json` with every startup script (instance and template metadata, the bootstrap output) replaced by
 * its size and digest: a snapshot that shows what the stack is without repeating what the scripts say.
 */
export function withoutScriptBodies<T>(json: T): T {
  const digest = (script: string) =>
    `<script: ${Buffer.byteLength(script)} bytes, sha256 ${createHash("sha256").update(script).digest("hex").slice(0, 16)}>`;
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== "object") return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, v]) => [key, typeof v === "string" && v.startsWith("#!") ? digest(v) : walk(v)]),
    );
  };
  return walk(json) as T;
}
