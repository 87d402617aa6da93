import { TerraformDataSource, TerraformResource } from "cdktf";
import { IConstruct } from "constructs";

/**
 * What a resource is to the airlock. Constructs declare it where they create the resource; the guardrails
 * find "the auth repo" or "the private network" by it, never by construct path. It adds nothing to the
 * synthesized Terraform.
 */
export type ResourceRole =
  "private-network" | "public-network" | "private-repo" | "auth-repo" | "remote-repo" | "virtual-repo" | "signing-key-ring" | "signing-key";

const declared = new WeakMap<IConstruct, ResourceRole>();

export function declareRole(element: TerraformResource | TerraformDataSource, role: ResourceRole): void {
  declared.set(element, role);
}

export function declaredRole(construct: IConstruct): ResourceRole | undefined {
  return declared.get(construct);
}
