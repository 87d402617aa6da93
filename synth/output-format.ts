/**
 * `cdktf synth --hcl` asks the app for HCL through the environment: the CLI runs the app with
 * SYNTH_HCL_OUTPUT="true" (@cdktf/cli-core, SynthStack.synth; "false" without --hcl), and cdktf's App and
 * stacks read it there. pip-airlock synthesizes JSON only: cdktf 0.21 renders this stack's HCL as
 * Terraform that Terraform refuses (a multi-line output in one quoted string, unescaped quotes in a
 * string holding a reference, `replace_triggered_by` entries in quotes), and `cdktf deploy` synthesizes
 * JSON again anyway. What reviewers read is cdk.tf.json, with each script in a file of its own.
 */
export function hclRequested(env: NodeJS.ProcessEnv): boolean {
  return env.SYNTH_HCL_OUTPUT === "true" || env.SYNTH_HCL_OUTPUT === "1";
}

/** Why the synth refuses `--hcl`, and what to run instead; main prints it and exits 1, cdktf.out/ untouched. */
export class HclRefused extends Error {
  constructor() {
    super(
      "cdktf synth --hcl: pip-airlock writes Terraform JSON only (cdktf 0.21 renders this stack's HCL as Terraform that Terraform refuses: " +
        "multi-line outputs in quoted strings, unescaped quotes, quoted replace_triggered_by). Reviewers read cdk.tf.json, which names each " +
        'startup script\'s file beside it instead of holding its text, or "npm run review": run "cdktf synth" (or "node synth.js") without --hcl',
    );
    this.name = "HclRefused";
  }
}

/**
 * The files cdktf writes for a stack's Terraform, in either format (JSON: cdk.tf.json; HCL: cdk.tf and
 * metadata.json), and the scripts the synth writes beside them (`<name>.sh`, `<name>.settings.json`).
 * A synth leaves only its own in the stack's folder: Terraform loads every `*.tf` and `*.tf.json` of it,
 * and refuses a cdk.tf beside a cdk.tf.json (duplicate backend, providers, outputs).
 */
export function isSynthOutput(file: string): boolean {
  return ["cdk.tf.json", "cdk.tf", "metadata.json"].includes(file) || /^[A-Za-z0-9_-]+\.(sh|settings\.json)$/.test(file);
}
