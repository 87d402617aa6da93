// The tests' copy of a working tree follows the working tree, not git's index: running `npm test` after
// a synth removed a stack folder (or after deleting a config), before committing, must work.
import { execFileSync } from "child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { cloneProject } from "./clone-project";

it("copies what exists, skips what the index still lists but the working tree no longer has, and takes new files", () => {
  const repo = mkdtempSync(path.join(tmpdir(), "airlock-repo-"));
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.email=t@e", "-c", "user.name=t", ...args], { cwd: repo, stdio: "pipe" });
  git("init", "-q");
  mkdirSync(path.join(repo, "cdktf.out", "stacks", "airlock"), { recursive: true });
  writeFileSync(path.join(repo, "cdktf.out", "stacks", "airlock", "cdk.tf.json"), "{}");
  writeFileSync(path.join(repo, "kept.txt"), "kept");
  git("add", "-A");
  git("commit", "-q", "-m", "first");
  rmSync(path.join(repo, "cdktf.out", "stacks", "airlock"), { recursive: true });
  writeFileSync(path.join(repo, "new.txt"), "new");
  const clone = cloneProject(repo);
  expect(existsSync(path.join(clone, "kept.txt"))).toBe(true);
  expect(existsSync(path.join(clone, "new.txt"))).toBe(true);
  expect(existsSync(path.join(clone, "cdktf.out", "stacks", "airlock"))).toBe(false);
});
