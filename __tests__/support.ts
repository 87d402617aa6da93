import { createHash } from "crypto";
import { App, Testing } from "cdktf";
import { readFileSync } from "fs";
import * as path from "path";
import { EnvironmentConfig } from "../config/schema";
import { AirlockStack } from "../constructs/airlock-stack";
import { Grantee } from "../constructs/python-repository";
import { referencedScriptFile } from "../startup-script/script-reference";
import { scriptFileName } from "../startup-script/scripts";
import { loadStartupSources, StartupSources } from "../startup-script/sources";
import { AGENT, ASSETS, exampleConfig } from "./config-support";

export * from "./config-support";

let sources: StartupSources | undefined;
/** The trampoline template and the agent's zipapp, as the synth reads them (once per test file). */
export function startupSources(): StartupSources {
  return (sources ??= loadStartupSources(ASSETS, AGENT));
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

/** The stack's VMs whose startup script is the mirror or the bootstrap (their `airlock-role` label). */
export function hostsByRole(json: SynthJson, role: "mirror" | "bootstrap"): any[] {
  return resourcesOf(json, "google_compute_instance").filter((i) => i.labels?.["airlock-role"] === role);
}

/** The one VM of `role`, or undefined. */
export function hostByRole(json: SynthJson, role: "mirror" | "bootstrap"): any {
  return hostsByRole(json, role)[0];
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
