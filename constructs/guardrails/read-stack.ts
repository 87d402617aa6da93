import { TerraformStack } from "cdktf";
import { terraformAddress } from "../terraform-address";
import { declaredRole, ResourceRole } from "../resource-role";
import { StackTerraform, TerraformJson } from "./terraform-json";

/** A stack's resolved Terraform, with each declared role resolved to the Terraform address of its resource. */
export function readStack(stack: TerraformStack): StackTerraform {
  const roles = new Map<string, ResourceRole>();
  for (const construct of stack.node.findAll()) {
    const role = declaredRole(construct);
    if (role === undefined) continue;
    const address = terraformAddress(construct);
    if (address) roles.set(address, role);
  }
  return { tf: stack.toTerraform() as TerraformJson, roles };
}
