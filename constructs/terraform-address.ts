import { Lazy, TerraformDataSource, TerraformOutput, TerraformResource } from "cdktf";
import { IConstruct } from "constructs";

/** The address Terraform knows `node` by (`TYPE.NAME`, `data.TYPE.NAME`, `output.NAME`), or undefined for a construct that is none of them. */
export function terraformAddress(node: IConstruct): string | undefined {
  if (TerraformResource.isTerraformResource(node)) return `${node.terraformResourceType}.${node.friendlyUniqueId}`;
  if (TerraformDataSource.isTerraformDataSource(node)) return `data.${node.terraformResourceType}.${node.friendlyUniqueId}`;
  if (TerraformOutput.isTerraformOutput(node)) return `output.${node.friendlyUniqueId}`;
  return undefined;
}

/**
 * `TYPE.NAME.ATTRIBUTE`, a static reference for `replace_triggered_by` (cdktf would render the
 * attribute as "${...}", which Terraform refuses there: hashicorp/terraform-cdk#3196). Resolved at synth,
 * so an overridden logical id counts.
 */
export function staticAttributeReference(resource: TerraformResource, attribute: string): string {
  return Lazy.stringValue({ produce: () => `${terraformAddress(resource)}.${attribute}` });
}
