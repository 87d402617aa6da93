import { TerraformLocal, TerraformStack } from "cdktf";
import { IConstruct } from "constructs";
import { createHash } from "crypto";
import { terraformLiteral } from "../constructs/terraform-literal";
import { scriptFileName, StartupScript } from "./scripts";

/**
 * Construct context (true): the scripts are files beside cdk.tf.json, written by the app's synth. Without
 * it (PipAirlock in a team's app, whose synth writes no such file) the local holds the script's text.
 */
export const SCRIPT_FILES_CONTEXT = "pip-airlock:script-files";

/** The Terraform local that holds a script, named after its file: `private_host_bootstrap_sh`, `public_host_mirror_sh`. */
export function scriptLocalName(script: Pick<StartupScript, "name">): string {
  return scriptFileName(script).replace(/[-.]/g, "_");
}

/**
 * The local's value: the script's file in the stack's folder (the synth writes it there, see files.ts),
 * where `cdktf deploy` runs Terraform. `file()` reads it as UTF-8 and, unlike a string in the JSON, does
 * not evaluate it as a template: the script's own `${` needs no escaping.
 */
export function scriptFileExpression(script: Pick<StartupScript, "name">): string {
  return `\${file("\${path.module}/${scriptFileName(script)}")}`;
}

/**
 * `${local.NAME}`, the script as the instances, templates and outputs that carry it reference it: the
 * stack declares the local once, however many of them carry the script, so cdk.tf.json names the
 * script's file once instead of holding its text on a line per use.
 */
export function scriptReference(scope: IConstruct, script: StartupScript): string {
  const stack = TerraformStack.of(scope);
  const asFile = scope.node.tryGetContext(SCRIPT_FILES_CONTEXT) === true;
  const value = asFile ? scriptFileExpression(script) : terraformLiteral(script.text);
  // Two PipAirlocks in one stack render different scripts of the same name: the second gets a local of its own.
  const digest = `_${createHash("sha256").update(value).digest("hex").slice(0, 12)}`;
  for (const suffix of ["", digest]) {
    const id = `${scriptFileName(script)}${suffix}`; // a construct id no output of the stack takes
    const found = stack.node.tryFindChild(id) as TerraformLocal | undefined;
    if (found && localValues.get(found) === value) return found.asString;
    if (found) continue;
    const local = new TerraformLocal(stack, id, value);
    local.overrideLogicalId(`${scriptLocalName(script)}${suffix}`);
    localValues.set(local, value);
    return local.asString;
  }
  throw new Error(`${script.description}: two different scripts with the digest ${digest}`);
}

const localValues = new WeakMap<TerraformLocal, string>();

/**
 * The script file a value of a stack's Terraform JSON hands over: for `${local.NAME}` whose local is
 * `scriptFileExpression`'s, the file's name (e.g. `private-host-bootstrap.sh`); otherwise undefined.
 */
export function referencedScriptFile(tf: { readonly locals?: Readonly<Record<string, unknown>> }, value: unknown): string | undefined {
  const local = typeof value === "string" ? /^\$\{local\.([A-Za-z0-9_]+)\}$/.exec(value) : null;
  const expression = local ? tf.locals?.[local[1]] : undefined;
  const file = typeof expression === "string" ? /^\$\{file\("\$\{path\.module\}\/([A-Za-z0-9._-]+)"\)\}$/.exec(expression) : null;
  return file?.[1];
}
