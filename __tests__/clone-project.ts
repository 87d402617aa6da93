import { execFileSync } from "child_process";
import { cpSync, mkdirSync, mkdtempSync, symlinkSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { ROOT } from "./support";

/** A copy of the project as a team's clone has it: the files git tracks (or would), with this checkout's node_modules. */
export function cloneProject(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "airlock-team-"));
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" }).split("\0").filter(Boolean);
  for (const file of files.filter((f) => f !== "node_modules")) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    cpSync(path.join(ROOT, file), path.join(dir, file));
  }
  symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}

