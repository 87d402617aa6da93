import { TerraformDataSource, TerraformResource, TerraformStack } from "cdktf";
import { declaredRole, ResourceRole } from "../resource-role";
import { StackTerraform, TerraformJson } from "./terraform-json";

/** A stack's resolved Terraform, with each declared role resolved to the Terraform address of its resource. */
export function readStack(stack: TerraformStack): StackTerraform {
  const roles = new Map<string, ResourceRole>();
  for (const construct of stack.node.findAll()) {
    const role = declaredRole(construct);
    if (role === undefined) continue;
    if (TerraformResource.isTerraformResource(construct)) roles.set(`${construct.terraformResourceType}.${construct.friendlyUniqueId}`, role);
    else if (TerraformDataSource.isTerraformDataSource(construct)) roles.set(`data.${construct.terraformResourceType}.${construct.friendlyUniqueId}`, role);
  }
  return { tf: stack.toTerraform() as TerraformJson, roles };
}
