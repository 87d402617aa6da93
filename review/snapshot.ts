import { existsSync, readdirSync, readFileSync } from "fs";
import * as path from "path";

/** A stack's cdk.tf.json, parsed: the parts the review reads. */
export interface TerraformDoc {
  readonly resource?: Readonly<Record<string, Readonly<Record<string, Record<string, unknown>>>>>;
  readonly data?: Readonly<Record<string, Readonly<Record<string, Record<string, unknown>>>>>;
  readonly locals?: Readonly<Record<string, unknown>>;
  readonly provider?: Readonly<Record<string, unknown>>;
}

/** One stack of a synth: its Terraform, and the files beside it that the Terraform reads (the scripts). */
export interface StackSnapshot {
  readonly tf: TerraformDoc;
  /** A file of the stack's folder by name, or undefined when there is none. */
  readonly file: (name: string) => Buffer | undefined;
}

/** Every stack of a synth (a `cdktf.out/`), by name. */
export type SynthSnapshot = Readonly<Record<string, StackSnapshot>>;

/**
 * The stacks of the synth in `outdir` (`cdktf.out/` or a copy): each `stacks/NAME/cdk.tf.json` and the
 * files beside it. A folder without stacks is an empty synth; a stack synthesized as HCL is refused.
 */
export function readSynthFolder(outdir: string): SynthSnapshot {
  const stacksDir = path.join(outdir, "stacks");
  if (!existsSync(stacksDir)) return {};
  const stacks: Record<string, StackSnapshot> = {};
  for (const name of readdirSync(stacksDir).sort()) {
    const dir = path.join(stacksDir, name);
    const json = path.join(dir, "cdk.tf.json");
    if (!existsSync(json)) {
      throw new Error(
        `${dir} has no cdk.tf.json${existsSync(path.join(dir, "cdk.tf")) ? " (only a cdk.tf: the review reads Terraform JSON, as node synth.js writes it)" : ""}`,
      );
    }
    const tf = JSON.parse(readFileSync(json, "utf8")) as TerraformDoc;
    stacks[name] = {
      tf,
      file: (file) => (/^[A-Za-z0-9._-]+$/.test(file) && existsSync(path.join(dir, file)) ? readFileSync(path.join(dir, file)) : undefined),
    };
  }
  return stacks;
}
