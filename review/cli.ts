import { spawnSync } from "child_process";
import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { chooseConfig } from "../synth/choose-config";
import { checkOutCommittedSynth } from "./committed-synth";
import { reviewAccess } from "./review";
import { readSynthFolder, SynthSnapshot } from "./snapshot";

const USAGE = `usage: npm run review [-- [--ref REF | SYNTH_DIR]]
  Prints what the config, synthesized now, changes in access against the committed synth: cdktf.out/
  as commit REF holds it (default HEAD), or the synth in SYNTH_DIR (a cdktf.out/ folder).
  The config is the one node synth.js would synthesize (AIRLOCK_CONFIG, else the one cdktf.out/ records).`;

/** Synthesizes `configFile` with the app command into a scratch folder (never cdktf.out/), as JSON. */
function synthNow(root: string, configFile: string, env: NodeJS.ProcessEnv, scratch: string): SynthSnapshot {
  const outdir = path.join(scratch, "cdktf.out");
  const { SYNTH_HCL_OUTPUT: _hcl, ...rest } = env;
  const run = spawnSync(process.execPath, [path.join(root, "synth.js")], {
    cwd: root,
    env: { ...rest, AIRLOCK_CONFIG: configFile, CDKTF_OUTDIR: outdir },
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`synthesizing ${path.relative(root, configFile)} failed:\n${run.stderr}`);
  return readSynthFolder(outdir);
}

/**
 * `npm run review`: the access a change makes, against the committed synth. Returns the exit code: 0
 * with the review printed, 1 when it cannot synthesize or find the committed synth, 2 on bad arguments.
 */
export function main(argv: string[], env: NodeJS.ProcessEnv = process.env, root = path.resolve(__dirname, "..")): number {
  const out = (text: string) => process.stdout.write(`${text}\n`);
  const err = (text: string) => process.stderr.write(`pip-airlock review: ${text}\n`);
  let ref = "HEAD";
  let dir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--help" || argv[i] === "-h") return (out(USAGE), 0);
    if (argv[i] === "--ref" && argv[i + 1] !== undefined) ref = argv[++i];
    else if (!argv[i].startsWith("-") && dir === undefined) dir = argv[i];
    else return (err(`unexpected argument "${argv[i]}"`), process.stderr.write(`${USAGE}\n`), 2);
  }
  const scratch = mkdtempSync(path.join(tmpdir(), "airlock-review-"));
  try {
    let before: SynthSnapshot;
    let against: string;
    if (dir !== undefined) {
      before = readSynthFolder(path.resolve(dir));
      against = dir;
    } else {
      const committed = checkOutCommittedSynth(root, ref, path.join(scratch, "committed"));
      before = readSynthFolder(committed.outdir);
      against = `cdktf.out/ at ${ref} (${committed.commit})`;
    }
    const { configFile } = chooseConfig(root, path.join(root, "cdktf.out"), env.AIRLOCK_CONFIG);
    const after = synthNow(root, configFile, env, path.join(scratch, "now"));
    out(`pip-airlock review: access, ${against} → ${path.relative(root, configFile)} synthesized now`);
    for (const line of reviewAccess(before, after)) out(line);
    return 0;
  } catch (e) {
    err(e instanceof Error ? e.message : String(e));
    return 1;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
