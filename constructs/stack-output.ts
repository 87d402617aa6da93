import { TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";

/**
 * An output of the stack's root module, declared by the construct that owns the value. Outputs are made
 * in the stack itself, whatever construct declares them: their names are what operators type
 * (`terraform output private_host_ssh`) and must not carry a construct's path.
 */
export function stackOutput(owner: Construct, name: string, value: unknown, description: string): TerraformOutput {
  return new TerraformOutput(TerraformStack.of(owner), name, { value, description });
}
