import { ResourceRole } from "../resource-role";

/** A stack's resolved Terraform JSON: the parts the rules read. */
export interface TerraformJson {
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
}

/** What a rule checks: the stack's Terraform, and the role each resource's construct declared (by Terraform address). */
export interface StackTerraform {
  readonly tf: TerraformJson;
  readonly roles: ReadonlyMap<string, ResourceRole>;
}

/** One resource or data source block. */
export interface Resource {
  readonly type: string;
  readonly name: string;
  /** `type.name`, or `data.type.name` for a data source: how Terraform references it. */
  readonly address: string;
  readonly config: Record<string, any>;
  /** Its construct path (cdktf's metadata). */
  readonly path: string;
}

function blocks(section: TerraformJson["resource"], prefix: string, types: string[]): Resource[] {
  return types.flatMap((type) =>
    Object.entries(section?.[type] ?? {}).map(([name, config]) => ({
      type,
      name,
      address: `${prefix}${type}.${name}`,
      config,
      path: (config as any)["//"]?.metadata?.path ?? `${prefix}${type}.${name}`,
    })),
  );
}

export function resources(tf: TerraformJson, ...types: string[]): Resource[] {
  return blocks(tf.resource, "", types);
}

export function dataSources(tf: TerraformJson, ...types: string[]): Resource[] {
  return blocks(tf.data, "data.", types);
}

export function hasRole(stack: StackTerraform, r: Resource, role: ResourceRole): boolean {
  return stack.roles.get(r.address) === role;
}

/** The references by which other resources may name `r` (its id, name or self link). */
export function refs(r: Resource): string[] {
  return [ref(r, "id"), ref(r, "name"), ref(r, "self_link")];
}

/** Terraform reference to a resource's attribute, as cdktf renders it inside a string. */
export function ref(r: Resource, attribute: string): string {
  return "${" + `${r.address}.${attribute}` + "}";
}

/** The members an IAM member or binding resource names. */
export function members(config: Record<string, any>): string[] {
  return [config.member, ...(config.members ?? [])].filter((m): m is string => typeof m === "string");
}

/**
 * Members an IAM policy resource grants: from literal `policy_data` JSON, or by following a
 * `${data.google_iam_policy.X.policy_data}` reference into that data source's bindings.
 */
export function policyMembers(tf: TerraformJson, policyData: unknown): string[] {
  const text = String(policyData ?? "");
  const reference = /^\$\{data\.google_iam_policy\.([^.}]+)\.policy_data\}$/.exec(text);
  if (reference) {
    const bindings: any[] = (tf.data?.google_iam_policy?.[reference[1]] as any)?.binding ?? [];
    return bindings.flatMap((b) => b.members ?? []);
  }
  try {
    return (JSON.parse(text).bindings ?? []).flatMap((b: any) => b.members ?? []);
  } catch {
    return [text];
  }
}
