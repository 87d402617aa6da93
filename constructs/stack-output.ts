import { TerraformOutput, TerraformStack } from "cdktf";
import { Construct, IConstruct } from "constructs";

/** The prefix of the output names each scope's constructs declare (a PipAirlock's outputPrefix). */
const prefixes = new WeakMap<IConstruct, string>();

/** Start the name of every output that `scope` and the constructs under it declare with `prefix`. */
export function prefixOutputs(scope: IConstruct, prefix: string): void {
  prefixes.set(scope, prefix);
}

/**
 * An output of the stack's root module, declared by the construct that owns the value. Outputs are made
 * in the stack itself, whatever construct declares them: their names are what operators type
 * (`terraform output private_host_ssh`) and must not carry a construct's path (only the prefix of the
 * nearest scope that has one, see prefixOutputs).
 */
export function stackOutput(owner: Construct, name: string, value: unknown, description: string): TerraformOutput {
  const stack = TerraformStack.of(owner);
  const prefix =
    owner.node.scopes
      .map((scope) => prefixes.get(scope))
      .filter((p): p is string => p !== undefined)
      .pop() ?? "";
  const id = `${prefix}${name}`;
  const taken = stack.node.tryFindChild(id);
  if (taken) {
    throw new Error(
      `${owner.node.path}: cannot name its output "${id}": stack "${stack.node.id}" already has ${taken.node.path}. ` +
        `Give the PipAirlock an outputPrefix (e.g. "airlock_") so that its outputs have names of their own`,
    );
  }
  return new TerraformOutput(stack, id, { value, description });
}
