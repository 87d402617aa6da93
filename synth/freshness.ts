import { existsSync, mkdtempSync, readdirSync, readFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { readSynthRecord, synthFix } from "./record";
import { synthesize } from "./synthesize";

/** Every file under `dir` (relative path -> content), skipping what terraform itself leaves in stack folders. */
function tree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (sub: string) => {
    for (const entry of readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = path.join(sub, entry.name);
      if (entry.name.startsWith(".terraform") || entry.name.endsWith(".tfstate") || entry.name.endsWith(".tfstate.backup")) continue;
      if (entry.isDirectory()) walk(rel);
      else files[rel] = readFileSync(path.join(dir, rel), "utf8");
    }
  };
  walk("");
  return files;
}

/**
 * Why the committed `cdktf.out/` of the project at `root` is not what a synth of the config it records
 * gives today: one line per stale stack (or other file), each with the command that fixes it.
 */
export function staleSynth(root: string): string[] {
  const committed = path.join(root, "cdktf.out");
  const record = readSynthRecord(committed);
  const configFile = path.resolve(root, record.config);
  const fix = synthFix(record.config);
  if (!existsSync(configFile))
    return [`cdktf.out/ was synthesized from ${record.config}, which no longer exists: ${synthFix("YOUR_CONFIG")}`];
  const fresh = path.join(mkdtempSync(path.join(tmpdir(), "airlock-fresh-")), "cdktf.out");
  synthesize({ configFile, outdir: fresh, assetsDir: path.join(root, "assets"), agentDir: path.join(root, "agent"), projectRoot: root });
  const [before, after] = [tree(committed), tree(fresh)];
  const differing = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((f) => before[f] !== after[f]).sort();
  const where = (file: string) => (file.startsWith(`stacks${path.sep}`) ? `stack "${file.split(path.sep)[1]}"` : file);
  return [...new Set(differing.map(where))].map((what) => `cdktf.out/: ${what} is not what ${record.config} synthesizes today: ${fix}`);
}
