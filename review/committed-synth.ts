import { execFileSync, spawnSync } from "child_process";
import { mkdirSync } from "fs";
import * as path from "path";

/**
 * Copies `cdktf.out/` as commit `ref` of the repository at `root` holds it into `into` (which then holds
 * `cdktf.out/`), without touching the working tree; returns the copy's path and the commit's short id.
 */
export function checkOutCommittedSynth(root: string, ref: string, into: string): { outdir: string; commit: string } {
  const git = (...args: string[]) => execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  let commit: string;
  try {
    commit = git("rev-parse", "--verify", "--short", `${ref}^{commit}`);
  } catch {
    throw new Error(`"${ref}" is not a commit of ${root}: name one (--ref origin/main), or a folder holding a synth to compare with`);
  }
  if (git("ls-tree", "--name-only", commit, "--", "cdktf.out") === "") {
    throw new Error(`commit ${commit} (${ref}) has no cdktf.out/: commit a synth first (node synth.js), or name a folder holding one`);
  }
  mkdirSync(into, { recursive: true });
  const archive = spawnSync("git", ["archive", "--format=tar", commit, "cdktf.out"], { cwd: root, maxBuffer: 1 << 30 });
  if (archive.status !== 0) throw new Error(`git archive ${commit} cdktf.out failed: ${archive.stderr.toString()}`);
  const untar = spawnSync("tar", ["-x", "-f", "-", "-C", into], { input: archive.stdout });
  if (untar.status !== 0) throw new Error(`extracting cdktf.out/ of ${commit} failed: ${untar.stderr.toString()}`);
  return { outdir: path.join(into, "cdktf.out"), commit };
}
