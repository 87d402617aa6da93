import { copyFileSync, mkdirSync, readdirSync, renameSync, rmSync } from "fs";
import * as path from "path";
import { isSynthOutput } from "./output-format";
import { SYNTH_RECORD_FILE } from "./record";

/**
 * Move a finished synth from `scratch` into `outdir`: each stack's files over the old ones (keeping e.g.
 * `.terraform/`), each file renamed into place whole, and an earlier synth's files this one did not write
 * removed (a cdk.tf an earlier `cdktf synth --hcl` left, a mirror script after a switch to remote mode);
 * then drop stale stacks; the manifest and the record last, so they never name stacks that are not there yet.
 */
export function publish(scratch: string, outdir: string, stackNames: readonly string[], removeStaleStacks: boolean): void {
  const stacksDir = path.join(outdir, "stacks");
  mkdirSync(stacksDir, { recursive: true });
  for (const name of stackNames) {
    const target = path.join(stacksDir, name);
    mkdirSync(target, { recursive: true });
    const written = readdirSync(path.join(scratch, "stacks", name));
    for (const file of written) {
      copyFileSync(path.join(scratch, "stacks", name, file), path.join(target, `${file}.new`));
      renameSync(path.join(target, `${file}.new`), path.join(target, file));
    }
    for (const stale of readdirSync(target).filter((file) => isSynthOutput(file) && !written.includes(file)))
      rmSync(path.join(target, stale), { force: true });
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
