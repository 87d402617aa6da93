import { App, Aspects } from "cdktf";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "fs";
import * as path from "path";
import { ConfigError, loadConfig } from "./config/load";
import { readSynthRecord, synthCommand, SYNTH_RECORD_FILE, SynthRecord, synthRecord } from "./config/synth-record";
import { AirlockStack } from "./constructs/airlock-stack";
import { GuardrailError, Guardrails } from "./constructs/guardrails";
import { writeScriptFiles } from "./startup-script/files";
import { startupScriptProblems } from "./startup-script/metadata-limit";
import { loadTemplates } from "./startup-script/templates";

export interface SynthOptions {
  readonly configFile: string;
  readonly outdir: string;
  readonly assetsDir: string;
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
}

/** Name of the file, in each stack's folder, holding the private host's rendered bootstrap script. */
export { BOOTSTRAP_SCRIPT_FILE } from "./startup-script/files";

/**
 * Validate the config, build one stack per environment, synthesize into a scratch folder, check the
 * guardrails, and only then move the result into `outdir`: a failure leaves `outdir` untouched.
 */
export function synthesize(options: SynthOptions): string[] {
  const environments = loadConfig(options.configFile);
  const templates = loadTemplates(options.assetsDir);
  mkdirSync(path.dirname(path.resolve(options.outdir)), { recursive: true });
  const scratch = mkdtempSync(path.join(path.dirname(path.resolve(options.outdir)), ".airlock-synth-"));
  try {
    const app = new App({ outdir: scratch, stackTraces: false });
    const guardrails = new Guardrails();
    const stacks = environments.map((env) => new AirlockStack(app, env.name, { config: env.config, lockContent: env.lockContent, templates }));
    for (const stack of stacks) Aspects.of(stack).add(guardrails);
    try {
      app.synth();
    } catch (e) {
      guardrails.assertClean(); // a guardrail's own error says more than cdktf's "Encountered Annotations"
      const oversized = startupScriptProblems(app); // the hosts' validations: cdktf's error names construct paths
      if (oversized.length > 0) throw new ConfigError(options.configFile, oversized);
      throw e;
    }
    guardrails.assertClean();
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

/** Move each stack's files over the old ones (keeping e.g. `.terraform/`), drop stale stacks, then the manifest and record. */
function publish(scratch: string, outdir: string, stackNames: string[], removeStaleStacks: boolean): void {
  const stacksDir = path.join(outdir, "stacks");
  mkdirSync(stacksDir, { recursive: true });
  for (const name of stackNames) {
    const target = path.join(stacksDir, name);
    mkdirSync(target, { recursive: true });
    for (const file of readdirSync(path.join(scratch, "stacks", name))) {
      copyFileSync(path.join(scratch, "stacks", name, file), path.join(target, `${file}.new`));
      renameSync(path.join(target, `${file}.new`), path.join(target, file));
    }
  }
  if (removeStaleStacks) {
    for (const stale of readdirSync(stacksDir).filter((d) => !stackNames.includes(d))) {
      rmSync(path.join(stacksDir, stale), { recursive: true, force: true });
    }
  }
  for (const file of ["manifest.json", SYNTH_RECORD_FILE]) {
    copyFileSync(path.join(scratch, file), path.join(outdir, `${file}.new`));
    renameSync(path.join(outdir, `${file}.new`), path.join(outdir, file));
  }
}

/**
 * Which config to synthesize into `outdir`: `AIRLOCK_CONFIG` if set; else the one `outdir`'s synth record
 * names (a team's fork keeps synthesizing its own config, never the example over it); else, with no
 * record yet, config/example.json. Says when the choice replaces what `outdir` holds.
 */
export function chooseConfig(root: string, outdir: string, requested: string | undefined): { configFile: string; notice?: string } {
  let recorded: SynthRecord | undefined;
  try {
    recorded = existsSync(path.join(outdir, SYNTH_RECORD_FILE)) ? readSynthRecord(outdir) : undefined;
  } catch {
    recorded = undefined;
  }
  const relative = (file: string) => path.relative(root, file).split(path.sep).join("/");
  if (requested !== undefined) {
    const configFile = path.resolve(requested);
    const notice =
      recorded && path.resolve(root, recorded.config) !== configFile
        ? `${relative(configFile)} replaces ${recorded.config}, which ${path.basename(outdir)}/ was synthesized from (its stacks: ${recorded.stacks.join(", ")})`
        : undefined;
    return { configFile, notice };
  }
  if (recorded) {
    const configFile = path.resolve(root, recorded.config);
    if (!existsSync(configFile)) {
      throw new ConfigError(configFile, [
        `${path.basename(outdir)}/${SYNTH_RECORD_FILE} records this config, which is missing: restore it, or name the config to synthesize instead (${synthCommand("config/YOURS.json")})`,
      ]);
    }
    return { configFile };
  }
  const example = path.join(root, "config", "example.json");
  if (!existsSync(example)) {
    throw new ConfigError(example, [`nothing says which config to synthesize (${path.basename(outdir)}/ has no ${SYNTH_RECORD_FILE}, and the example is gone): ${synthCommand("config/YOURS.json")}`]);
  }
  return { configFile: example };
}

/** The CLI: `AIRLOCK_CONFIG` names the config (default: the recorded one, see chooseConfig); cdktf sets CDKTF_OUTDIR. */
export function main(env: NodeJS.ProcessEnv = process.env): number {
  // main.ts runs from the project root (ts-node, jest) or bundled from dist/ (cdktf synth).
  const root = path.basename(__dirname) === "dist" ? path.dirname(__dirname) : __dirname;
  const outdir = env.CDKTF_OUTDIR ?? path.join(root, "cdktf.out");
  try {
    const { configFile, notice } = chooseConfig(root, outdir, env.AIRLOCK_CONFIG);
    if (notice) process.stdout.write(`pip-airlock: ${notice}\n`);
    const stacks = synthesize({
      configFile,
      outdir,
      assetsDir: path.join(root, "assets"),
      projectRoot: root,
      // The cdktf CLI passes its context in CDKTF_CONTEXT_JSON, and removes stale stack folders itself.
      removeStaleStacks: env.CDKTF_CONTEXT_JSON === undefined,
      onNote: (note) => process.stdout.write(`pip-airlock: note: ${note}\n`),
    });
    process.stdout.write(`pip-airlock: synthesized ${stacks.join(", ")} from ${path.relative(process.cwd(), configFile)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ConfigError || e instanceof GuardrailError) {
      process.stderr.write(`pip-airlock: nothing was synthesized:\n${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

if (require.main === module) process.exitCode = main();
