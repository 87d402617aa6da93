import { App } from "cdktf";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import * as path from "path";
import { ConfigError, LoadedEnvironment, loadConfig } from "../config/load";
import { AirlockStack } from "../constructs/airlock-stack";
import { checkGuardrails } from "../constructs/guardrails";
import { writeScriptFiles } from "../startup-script/files";
import { startupScriptProblems } from "../startup-script/metadata-limit";
import { loadStartupSources, StartupSources } from "../startup-script/sources";
import { hclRequested, HclRefused } from "./output-format";
import { publish } from "./publish";
import { SYNTH_RECORD_FILE, synthRecord } from "./record";
import { addStackDependencies } from "./stack-dependencies";

/** Builds one environment's stack in `app`: the product's own by default; tests pass one that breaks a rule. */
export type StackFactory = (app: App, environment: LoadedEnvironment, startupSources: StartupSources) => AirlockStack;

export const airlockStack: StackFactory = (app, environment, startupSources) =>
  new AirlockStack(app, environment.name, {
    config: environment.config,
    sharing: environment.sharing,
    lockContent: environment.lockContent,
    startupSources,
  });

export interface SynthOptions {
  readonly configFile: string;
  readonly outdir: string;
  /** The app's assets/ (the startup scripts' template). */
  readonly assetsDir: string;
  /** The host agent's sources (agent/), which the startup scripts carry; by default `agent/` beside `assetsDir`. */
  readonly agentDir?: string;
  /** Where the config path recorded in `outdir` is relative to (the project root). */
  readonly projectRoot?: string;
  /**
   * Remove stack folders of an earlier synth that this one no longer has. Not under the cdktf CLI: it
   * lists the stack folders before running the app and removes the stale ones itself afterwards,
   * failing with ENOENT on one already gone (@cdktf/cli-core, SynthStack.synth).
   */
  readonly removeStaleStacks?: boolean;
  /** Told what the guardrails could not check (e.g. the rest of an existing network), one line each. */
  readonly onNote?: (note: string) => void;
  readonly stackFactory?: StackFactory;
}

/**
 * Validate the config, build one stack per environment, check the guardrails, synthesize into a scratch
 * folder, and only then move the result into `outdir`: a failure leaves `outdir` untouched.
 */
export function synthesize(options: SynthOptions): string[] {
  if (hclRequested(process.env)) throw new HclRefused(); // what cdktf's App and stacks read
  const environments = loadConfig(options.configFile);
  const startupSources = loadStartupSources(
    options.assetsDir,
    options.agentDir ?? path.join(path.dirname(path.resolve(options.assetsDir)), "agent"),
  );
  const build = options.stackFactory ?? airlockStack;
  mkdirSync(path.dirname(path.resolve(options.outdir)), { recursive: true });
  const scratch = mkdtempSync(path.join(path.dirname(path.resolve(options.outdir)), ".airlock-synth-"));
  try {
    const app = new App({ outdir: scratch, stackTraces: false });
    const stacks = environments.map((env) => build(app, env, startupSources));
    addStackDependencies(stacks, environments);
    const guardrails = checkGuardrails(stacks);
    guardrails.assertClean();
    try {
      app.synth();
    } catch (e) {
      const oversized = startupScriptProblems(app); // the hosts' validations: cdktf's error names construct paths
      if (oversized.length > 0) throw new ConfigError(options.configFile, oversized);
      throw e;
    }
    for (const note of [...environments.flatMap((e) => e.notes), ...guardrails.notes]) options.onNote?.(note);
    for (const stack of stacks) writeScriptFiles(path.join(scratch, "stacks", stack.node.id), stack.startupScripts);
    const names = stacks.map((s) => s.node.id);
    writeFileSync(path.join(scratch, SYNTH_RECORD_FILE), synthRecord(options.projectRoot ?? process.cwd(), options.configFile, names));
    publish(scratch, options.outdir, names, options.removeStaleStacks ?? true);
    return names;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
