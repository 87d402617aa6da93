import { Finding } from "../rule";
import { members, policyMembers, resources, StackTerraform } from "../terraform-json";

export const id = "AIRLOCK-G3";
export const name = "no-project-level-host-roles";
export const level = "error";
export const info = "a project IAM member, binding or policy for a host's service account";
export const explanation =
  "A project-level role reaches every repository, key and VM of the project, present and future: a host that needs to read one repository could read or change them all. Grants on the one resource keep a compromised host to what it needs.";

const HOST_ACCOUNT = /serviceAccount:(\$\{google_service_account\.|[a-z][-a-z0-9]*@[a-z0-9-]+\.iam\.gserviceaccount\.com)/;

export function check({ tf }: StackTerraform): Finding[] {
  return resources(tf, "google_project_iam_member", "google_project_iam_binding")
    .filter((r) => members(r.config).some((m) => HOST_ACCOUNT.test(m)))
    .concat(
      resources(tf, "google_project_iam_policy").filter((r) => policyMembers(tf, r.config.policy_data).some((m) => HOST_ACCOUNT.test(m))),
    )
    .map((r) => ({
      path: r.path,
      message: "grants a host's service account a project-level role: grant it on the repository instead (grantRead/grantWrite)",
    }));
}
