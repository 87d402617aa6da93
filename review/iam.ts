import { AccessItem } from "./access-item";
import { kindOf, StackReader, TfResource } from "./stack-reader";

/** The attribute that names what an IAM resource grants on, by the resource its type is about. */
const TARGETS = [
  "repository",
  "crypto_key_id",
  "key_ring_id",
  "service_account_id",
  "instance_name",
  "bucket",
  "secret_id",
  "subnetwork",
  "topic",
  "subscription",
  "dataset_id",
  "project",
  "folder",
  "org_id",
];

/** What an IAM resource grants on: `repository my-private-pip-packages`, `project airlock-example`. */
function grantedOn(reader: StackReader, r: TfResource): string {
  const about = r.type.replace(/_iam_(member|binding|policy)$/, "");
  const attribute = TARGETS.find((a) => r.config[a] !== undefined);
  return `${kindOf(about)} ${attribute ? reader.text(r.config[attribute]) : "(the provider's project)"}`;
}

function condition(reader: StackReader, r: TfResource): string {
  const c = r.config.condition;
  return c ? ` if ${reader.text(c.title ?? c.expression)}` : "";
}

/** One grant: a role for a member on a resource. A binding or a policy is authoritative for what it covers. */
function grant(reader: StackReader, r: TfResource, role: unknown, member: unknown, how: string): AccessItem {
  const title = `${reader.text(role)} for ${reader.text(member)} on ${grantedOn(reader, r)}${condition(reader, r)}${how}`;
  return { key: title, title, summary: "", fields: {}, address: r.address };
}

/**
 * Every IAM grant of the stack (each `google_*_iam_member`, `_binding` and `_policy`), one item per role
 * and member, keyed by what it grants: the same grant under another Terraform address is no change.
 */
export function iamGrants(reader: StackReader): AccessItem[] {
  return reader.resourcesMatching(/^google_.+_iam_(member|binding|policy)$/).flatMap((r) => {
    if (r.type.endsWith("_iam_member")) return [grant(reader, r, r.config.role, r.config.member, "")];
    if (r.type.endsWith("_iam_binding")) {
      return ((r.config.members ?? []) as unknown[]).map((m) => grant(reader, r, r.config.role, m, " (binding: sole holders of the role)"));
    }
    // A policy: the bindings of the google_iam_policy data source it names, else its text.
    const source = /^\$\{data\.google_iam_policy\.([A-Za-z0-9_-]+)\.policy_data\}$/.exec(String(r.config.policy_data ?? ""));
    const bindings = source ? (reader.dataSource("google_iam_policy", source[1])?.binding as any[] | undefined) : undefined;
    if (!bindings) return [grant(reader, r, "a whole IAM policy", r.config.policy_data, " (policy: replaces every other grant)")];
    return bindings.flatMap((b) =>
      ((b.members ?? []) as unknown[]).map((m) => grant(reader, r, b.role, m, " (policy: replaces every other grant)")),
    );
  });
}

/** Custom roles: what their permissions allow whoever is granted them. */
export function customRoles(reader: StackReader): AccessItem[] {
  return reader.resourcesMatching(/^google_(project|organization)_iam_custom_role$/).map((r) => {
    const permissions = [...((r.config.permissions ?? []) as string[])].sort().join(", ");
    return { key: r.address, title: reader.title(r), summary: `permissions ${permissions}`, fields: { permissions }, address: r.address };
  });
}
