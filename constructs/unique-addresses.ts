import { TerraformStack } from "cdktf";
import { terraformAddress } from "./terraform-address";

/**
 * Two elements of `stack` that Terraform would know by one address (a resource, data source or output
 * that ConstructGroups made share a name): cdktf would keep one of them silently. One line per clash.
 */
export function sharedAddresses(stack: TerraformStack): string[] {
  const owners = new Map<string, string[]>();
  for (const node of stack.node.findAll()) {
    const address = terraformAddress(node);
    if (address) owners.set(address, [...(owners.get(address) ?? []), node.node.path]);
  }
  return [...owners]
    .filter(([, paths]) => paths.length > 1)
    .map(([address, paths]) => `${paths.join(" and ")} would both be ${address} in Terraform: rename one of them`);
}
