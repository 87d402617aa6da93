import { execFileSync } from "child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, symlinkSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { ROOT } from "./config-support";

/**
 * A copy of the project as a team's working tree has it: the files git tracks (or would) that exist now,
 * with this checkout's node_modules. A file still in git's index but gone from the working tree (a stack
 * folder a synth just removed, a config deleted before committing) is not copied: running the tests
 * before committing is the natural order.
 */
export function cloneProject(root: string = ROOT): string {
  const dir = mkdtempSync(path.join(tmpdir(), "airlock-team-"));
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" })
    .split("\0")
    .filter(Boolean);
  for (const file of files.filter((f) => f !== "node_modules" && existsSync(path.join(root, f)))) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    cpSync(path.join(root, file), path.join(dir, file));
  }
  symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}
