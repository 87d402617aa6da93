import * as path from "path";
import { ConfigError } from "./config/load";
import { GuardrailError } from "./constructs/guardrails";
import { chooseConfig } from "./synth/choose-config";
import { HclRefused } from "./synth/output-format";
import { synthesize } from "./synth/synthesize";

/**
 * The command line: `AIRLOCK_CONFIG` names the config (default: the recorded one, see chooseConfig);
 * cdktf sets CDKTF_OUTDIR. Prints what was synthesized, or why nothing was (exit 1).
 */
export function main(env: NodeJS.ProcessEnv = process.env): number {
  // main.ts runs from the project root (ts-node, jest) or bundled from dist/ (cdktf synth).
  const root = path.basename(__dirname) === "dist" ? path.dirname(__dirname) : __dirname;
  const outdir = env.CDKTF_OUTDIR ?? path.join(root, "cdktf.out");
  try {
    const { configFile, notice } = chooseConfig(root, outdir, env.AIRLOCK_CONFIG);
    const stacks = synthesize({
      configFile,
      outdir,
      assetsDir: path.join(root, "assets"),
      agentDir: path.join(root, "agent"),
      projectRoot: root,
      // The cdktf CLI passes its context in CDKTF_CONTEXT_JSON, and removes stale stack folders itself.
      removeStaleStacks: env.CDKTF_CONTEXT_JSON === undefined,
      onNote: (note) => process.stdout.write(`pip-airlock: note: ${note}\n`),
    });
    // Only now: a config that is refused replaces nothing (cdktf.out/ is untouched).
    if (notice) process.stdout.write(`pip-airlock: ${notice}\n`);
    process.stdout.write(`pip-airlock: synthesized ${stacks.join(", ")} from ${path.relative(process.cwd(), configFile)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ConfigError || e instanceof GuardrailError || e instanceof HclRefused) {
      process.stderr.write(`pip-airlock: nothing was synthesized:\n${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

if (require.main === module) process.exitCode = main();
