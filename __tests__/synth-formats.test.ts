// `cdktf synth --hcl` left cdk.tf beside cdk.tf.json, and Terraform refused the stack (duplicate backend,
// outputs). Each synth now leaves one format in a stack's folder, and the folder loads each time.
import { spawnSync } from "child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { publish } from "../synth/publish";
import { synthesize } from "../synth/synthesize";
import { ASSETS, buildStack, EXAMPLE_CONFIG, exampleVariant, fileTree, ROOT } from "./support";
import { mainInProcess } from "./in-process-main";
import { emptyProviderMirror, stackFolderProblems } from "./terraform";

/** The environment the cdktf CLI gives the app command (@cdktf/cli-core, SynthStack.synth). */
function cdktfEnv(outdir: string, hcl: boolean): NodeJS.ProcessEnv {
  return {
    AIRLOCK_CONFIG: EXAMPLE_CONFIG,
    CDKTF_OUTDIR: outdir,
    CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS: "true",
    CDKTF_CONTEXT_JSON: JSON.stringify({ cdktfRelativeModules: [] }),
    SYNTH_HCL_OUTPUT: String(hcl),
  };
}

/** The app command cdktf.json names, as its own process, as the cdktf CLI runs it. */
function cdktfRunsTheApp(outdir: string, hcl: boolean) {
  return spawnSync("node", ["synth.js"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...cdktfEnv(outdir, hcl) } });
}

/** The same, main() in this process (the app command's own process runs once above: the rest is the same code). */
const cdktfRunsMain = (outdir: string, hcl: boolean) => mainInProcess(cdktfEnv(outdir, hcl));

describe("one format per synth: cdktf synth, cdktf synth --hcl, and a folder an earlier --hcl left", () => {
  const cliConfig = emptyProviderMirror();
  const outdir = path.join(mkdtempSync(path.join(tmpdir(), "airlock-formats-")), "cdktf.out");
  const stackDir = path.join(outdir, "stacks", "airlock");

  it("--hcl in a fresh folder: refused with the reason and what to run, nothing written", () => {
    const run = cdktfRunsMain(outdir, true);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /^pip-airlock: nothing was synthesized:\ncdktf synth --hcl: pip-airlock writes Terraform JSON only .*Terraform refuses.*run "cdktf synth" \(or "node synth\.js"\) without --hcl\n$/,
    );
    expect(existsSync(outdir)).toBe(false);
  });

  it("JSON: cdk.tf.json and the scripts it reads, and Terraform loads the folder", async () => {
    const run = cdktfRunsTheApp(outdir, false);
    expect([run.status, run.stderr]).toEqual([0, ""]);
    expect(readdirSync(stackDir).sort()).toEqual([
      "cdk.tf.json",
      "private-host-bootstrap.settings.json",
      "private-host-bootstrap.sh",
      "public-host-mirror.settings.json",
      "public-host-mirror.sh",
    ]);
    expect(await stackFolderProblems(stackDir, cliConfig)).toEqual([]);
  });

  it("a folder where an earlier `cdktf synth --hcl` left cdk.tf: refused again, untouched; the next JSON synth removes cdk.tf and its metadata.json, and Terraform loads the folder", async () => {
    // What cdktf wrote there for --hcl before the app refused it: its HCL rendering of the same stack.
    writeFileSync(path.join(stackDir, "cdk.tf"), buildStack().stack.toHclTerraform().hcl);
    writeFileSync(path.join(stackDir, "metadata.json"), "{}\n");
    expect((await stackFolderProblems(stackDir, cliConfig)).map((p) => p.split("\n")[0])).toEqual(
      expect.arrayContaining(["Duplicate backend configuration", "Duplicate output definition"]),
    );
    const before = fileTree(outdir);
    expect(cdktfRunsMain(outdir, true).status).toBe(1);
    expect(fileTree(outdir)).toEqual(before);

    const run = cdktfRunsMain(outdir, false);
    expect([run.status, run.stderr]).toEqual([0, ""]);
    expect(readdirSync(stackDir).filter((f) => f.startsWith("cdk.") || f === "metadata.json")).toEqual(["cdk.tf.json"]);
    expect(await stackFolderProblems(stackDir, cliConfig)).toEqual([]);
  });

  it("a script this synth no longer writes goes too (mirror mode, then remote mode): no stale mirror script beside cdk.tf.json", async () => {
    synthesize({ configFile: exampleVariant((c) => (c.mode = "remote")), outdir, assetsDir: ASSETS });
    expect(readdirSync(stackDir).sort()).toEqual(["cdk.tf.json", "private-host-bootstrap.settings.json", "private-host-bootstrap.sh"]);
    expect(await stackFolderProblems(stackDir, cliConfig)).toEqual([]);
  });

  it("publish replaces one format by the other either way, and keeps what is not the synth's (Terraform's own files)", () => {
    const target = path.join(mkdtempSync(path.join(tmpdir(), "airlock-publish-out-")), "out");
    const write = (dir: string, files: string[]) => {
      mkdirSync(dir, { recursive: true });
      for (const f of files) writeFileSync(path.join(dir, f), f);
    };
    const synthOf = (files: string[]) => {
      const scratch = mkdtempSync(path.join(tmpdir(), "airlock-publish-"));
      write(path.join(scratch, "stacks", "a"), files);
      write(scratch, ["manifest.json", "pip-airlock.json"]);
      return scratch;
    };
    write(path.join(target, "stacks", "a"), ["cdk.tf.json", "private-host-bootstrap.sh", ".terraform.lock.hcl", "plan"]);
    publish(synthOf(["cdk.tf", "metadata.json", "private-host-bootstrap.sh"]), target, ["a"], true);
    expect(readdirSync(path.join(target, "stacks", "a")).sort()).toEqual([
      ".terraform.lock.hcl",
      "cdk.tf",
      "metadata.json",
      "plan",
      "private-host-bootstrap.sh",
    ]);
    publish(synthOf(["cdk.tf.json", "private-host-bootstrap.sh"]), target, ["a"], true);
    expect(readdirSync(path.join(target, "stacks", "a")).sort()).toEqual([
      ".terraform.lock.hcl",
      "cdk.tf.json",
      "plan",
      "private-host-bootstrap.sh",
    ]);
  });
});
