import { execFileSync } from "child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, symlinkSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { ROOT } from "./config-support";

/**
 * A copy of the project as a team's working tree has it: the files git tracks (or would) that exist now,
 * with this checkout's node_modules. A file still in git's index but gone from the working tree (a stack
 * folder a synth just removed, a config deleted before committing) is not copied: running the tests
 * before committing is the natural order.
 *
 * With `builtBundles`, the clone also gets this checkout's bundles (dist/: the app's, its V8 code cache and the
 * review's) where they are fresh, so that a test of what the commands do, not of their first build, does not
 * pay for an esbuild run; they are copied after the sources, so the clone sees them as fresh too.
 */
export function cloneProject(root: string = ROOT, { builtBundles = false } = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), "airlock-team-"));
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" })
    .split("\0")
    .filter(Boolean);
  for (const file of files.filter((f) => f !== "node_modules" && existsSync(path.join(root, f)))) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    cpSync(path.join(root, file), path.join(dir, file));
  }
  symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  if (builtBundles) copyFreshBundles(root, dir);
  return dir;
}

function copyFreshBundles(root: string, dir: string): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the checkout's own build script (CommonJS)
  const build = require(path.join(root, "build.js")) as Record<"APP_BUNDLE" | "APP_CODE_CACHE" | "REVIEW_BUNDLE", string> & {
    isStale(outfile: string): boolean;
  };
  for (const [bundle, ...beside] of [[build.APP_BUNDLE, build.APP_CODE_CACHE], [build.REVIEW_BUNDLE]]) {
    if (build.isStale(bundle)) continue;
    for (const file of [bundle, ...beside].filter((f) => existsSync(f))) {
      const copy = path.join(dir, path.relative(root, file));
      mkdirSync(path.dirname(copy), { recursive: true });
      copyFileSync(file, copy);
    }
  }
}
