import { Finding } from "../rule";
import { members, policyMembers, resources, StackTerraform } from "../terraform-json";

export const id = "AIRLOCK-G6";
export const name = "no-public-repository";
export const level = "error";
export const info = "a repository IAM grant to allUsers or allAuthenticatedUsers";
export const explanation =
  "allUsers is anyone on the internet and allAuthenticatedUsers any Google account: a read grant to either publishes the private packages, a write grant lets anyone put code where the hosts install from.";

const PUBLIC_MEMBERS = ["allUsers", "allAuthenticatedUsers"];

export function check({ tf }: StackTerraform): Finding[] {
  return resources(tf, "google_artifact_registry_repository_iam_member", "google_artifact_registry_repository_iam_binding")
    .filter((r) => members(r.config).some((m) => PUBLIC_MEMBERS.includes(m)))
    .concat(
      resources(tf, "google_artifact_registry_repository_iam_policy").filter((r) =>
        policyMembers(tf, r.config.policy_data).some((m) => PUBLIC_MEMBERS.some((p) => m.includes(p))),
      ),
    )
    .map((r) => ({ path: r.path, message: "makes a repository readable by allUsers/allAuthenticatedUsers: grant named principals only" }));
}
