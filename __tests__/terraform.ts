import { spawn } from "child_process";
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";

export interface TerraformRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let emptyCliConfig: string | undefined;

/**
 * An empty Terraform CLI config file. Without one terraform warns on stderr about a CLI config file that
 * does not exist (~/.terraformrc, or a TF_CLI_CONFIG_FILE naming a missing file).
 */
export function emptyTerraformCliConfig(): string {
  if (!emptyCliConfig) {
    emptyCliConfig = path.join(mkdtempSync(path.join(tmpdir(), "airlock-tf-rc-")), "terraform.rc");
    writeFileSync(emptyCliConfig, "");
  }
  return emptyCliConfig;
}

/** Run terraform in `dir`, offline (no version check), with `cliConfig` or an empty CLI config. */
export function terraform(dir: string, args: string[], cliConfig?: string): Promise<TerraformRun> {
  return new Promise((resolve, reject) => {
    const env = {
      ...process.env,
      CHECKPOINT_DISABLE: "1",
      TF_IN_AUTOMATION: "1",
      TF_CLI_CONFIG_FILE: cliConfig ?? emptyTerraformCliConfig(),
    };
    const child = spawn("terraform", args, { cwd: dir, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** A CLI config whose only provider source is an empty folder: `init` loads the configuration, then finds no provider. */
export function emptyProviderMirror(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "airlock-tf-mirror-"));
  mkdirSync(path.join(dir, "mirror"));
  const rc = path.join(dir, "terraform.rc");
  writeFileSync(
    rc,
    `provider_installation {\n  filesystem_mirror {\n    path    = "${path.join(dir, "mirror")}"\n    include = ["*/*/*"]\n  }\n}\n`,
  );
  return rc;
}

/** Each error block's title line and body, from terraform's plain (-no-color) output. */
export function errorBlocks(output: string): Array<{ title: string; body: string }> {
  return output
    .split(/^Error: /m)
    .slice(1)
    .map((block) => {
      const [title, ...rest] = block.split("\n");
      return { title: title.trim(), body: rest.join("\n") };
    });
}

/**
 * What Terraform makes of a configuration before it needs any provider: `terraform init -backend=false`
 * against an empty provider mirror. The configuration loaded when the only errors are providers that
 * could not be found; anything else (a bad expression, a bad reference form) is a problem a user's
 * `cdktf deploy` would hit at init.
 */
export async function configurationProblems(stackJson: string, cliConfig: string): Promise<string[]> {
  const dir = mkdtempSync(path.join(tmpdir(), "airlock-tf-load-"));
  writeFileSync(path.join(dir, "cdk.tf.json"), stackJson);
  return directoryProblems(dir, cliConfig);
}

/** configurationProblems of a stack's folder as it is (every file Terraform would read in it), in a copy. */
export async function stackFolderProblems(stackDir: string, cliConfig: string): Promise<string[]> {
  const dir = mkdtempSync(path.join(tmpdir(), "airlock-tf-load-"));
  cpSync(stackDir, dir, { recursive: true });
  return directoryProblems(dir, cliConfig);
}

/** configurationProblems of the configuration in `dir` (HCL or JSON, its local modules included); init writes into `dir`. */
export async function directoryProblems(dir: string, cliConfig: string): Promise<string[]> {
  const run = await terraform(dir, ["init", "-backend=false", "-input=false", "-no-color"], cliConfig);
  const blocks = errorBlocks(run.stderr + run.stdout);
  const providerMissing = (b: { title: string; body: string }) =>
    b.title === "Failed to query available provider packages" && /was not\s+found\s+in\s+any\s+of\s+the\s+search\s+locations/.test(b.body);
  const problems = blocks.filter((b) => !providerMissing(b)).map((b) => `${b.title}\n${b.body.trim()}`);
  if (!blocks.some(providerMissing))
    problems.push(`terraform init did not reach provider installation (exit ${run.status}):\n${run.stderr}`);
  return problems;
}
