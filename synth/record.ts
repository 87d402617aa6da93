import { readFileSync } from "fs";
import * as path from "path";

/**
 * `cdktf.out/pip-airlock.json`: which config produced the committed synth, so that CI checks a team's
 * own `cdktf.out/` against the team's own config, not against the example.
 */
export const SYNTH_RECORD_FILE = "pip-airlock.json";

/**
 * The command that synthesizes `config` into `cdktf.out/`: the app command cdktf.json names, run
 * directly. `npx cdktf synth` runs the same app inside the cdktf CLI, which shows a refusal twice.
 */
export function synthCommand(config?: string): string {
  return config ? `AIRLOCK_CONFIG=${config} node synth.js` : "node synth.js";
}

/** What to do about a missing or stale synth of `config` in the folder `outdirName`. */
export function synthFix(config: string, outdirName = "cdktf.out"): string {
  return `run "${synthCommand(config)}" and commit ${outdirName}/`;
}

export interface SynthRecord {
  /** The config file, relative to the project root (with `/`), as `AIRLOCK_CONFIG` would name it. */
  readonly config: string;
  readonly stacks: readonly string[];
}

export function synthRecord(projectRoot: string, configFile: string, stacks: readonly string[]): string {
  const config = path.relative(projectRoot, path.resolve(configFile)).split(path.sep).join("/");
  return `${JSON.stringify({ config, stacks } satisfies SynthRecord, null, 2)}\n`;
}

/** The record in `outdir`, or a message that says how to make one. */
export function readSynthRecord(outdir: string): SynthRecord {
  const file = path.join(outdir, SYNTH_RECORD_FILE);
  let record: SynthRecord;
  try {
    record = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    throw new Error(
      `${file} is missing or unreadable, so nothing says which config produced ${outdir}: ${synthFix("YOUR_CONFIG", path.basename(outdir))}`,
    );
  }
  if (typeof record?.config !== "string" || !Array.isArray(record.stacks)) {
    throw new Error(`${file} is not a synth record: ${synthFix("YOUR_CONFIG", path.basename(outdir))}`);
  }
  return record;
}
