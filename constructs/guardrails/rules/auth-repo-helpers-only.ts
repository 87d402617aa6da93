import { Finding } from "../rule";
import { hasRole, members, refs, Resource, resources, StackTerraform } from "../terraform-json";

export const id = "AIRLOCK-G7";
export const name = "auth-repo-helpers-only";
export const level = "error";
export const info = "on the auth repo, any role but a reader's for anyone but the public host, or a whole IAM policy";
export const explanation =
  "Every private host installs the auth helpers from the auth repo and runs them as root at boot, so whoever writes there can make code run on every host. Only the mirror (the public host) may write; a whole-policy resource would replace that grant without a diff that says so.";
export const fix =
  "Give other principals `roles/artifactregistry.reader` (`repositories.access.auth.readers`), and grant with an iam_member rather than a policy.";

/** Every private host trusts what the auth repo serves: only the mirror (the public host) may put it there. */
export function check(stack: StackTerraform): Finding[] {
  const { tf } = stack;
  const authRefs = resources(tf, "google_artifact_registry_repository")
    .filter((r) => hasRole(stack, r, "auth-repo"))
    .flatMap(refs);
  const mirrorAccounts = resources(tf, "google_compute_instance")
    .filter((i) => i.config.labels?.["airlock-role"] === "mirror")
    .map((i) => `serviceAccount:${i.config.service_account?.email}`);
  const writes = (role: unknown) => !/^roles\/artifactregistry\.(reader|reader\w*)$/.test(String(role));
  const onAuth = (r: Resource) => authRefs.includes(String(r.config.repository));
  return [
    ...resources(tf, "google_artifact_registry_repository_iam_member", "google_artifact_registry_repository_iam_binding")
      .filter((r) => onAuth(r) && writes(r.config.role) && members(r.config).some((m) => !mirrorAccounts.includes(m)))
      .map((r) => ({
        path: r.path,
        message: `grants ${r.config.role} on the auth repo to ${members(r.config)
          .filter((m) => !mirrorAccounts.includes(m))
          .join(", ")}: only the public host (the mirror) may write there`,
      })),
    ...resources(tf, "google_artifact_registry_repository_iam_policy")
      .filter(onAuth)
      .map((r) => ({
        path: r.path,
        message: "replaces the auth repo's whole IAM policy: grant readers with iam_member instead, so the mirror stays its only writer",
      })),
  ];
}
