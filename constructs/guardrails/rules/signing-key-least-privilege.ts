import { Finding } from "../rule";
import { hasRole, members, refs, Resource, resources, StackTerraform } from "../terraform-json";

export const id = "AIRLOCK-G8";
export const name = "signing-key-least-privilege";
export const level = "error";
export const info =
  "on the mirror's signing key, any role but `roles/cloudkms.publicKeyViewer`, or `roles/cloudkms.signer` for anyone but the public host; a whole IAM policy on the key; any grant on its key ring";
export const explanation =
  "The hosts install only what the signing key signed: whoever can sign with it and write the auth repo can make code run on every host. Only the mirror signs, everyone else may only read the public key, and a grant on the key ring would reach the key too.";

const SIGNER = "roles/cloudkms.signer";
const PUBLIC_KEY_VIEWER = "roles/cloudkms.publicKeyViewer";

/**
 * Every host installs what the mirror's signing key signed: only the mirror (the public host) may sign
 * with it, and anyone else may only read its public key. A grant on its key ring reaches the key too.
 */
export function check(stack: StackTerraform): Finding[] {
  const { tf } = stack;
  const keyRefs = resources(tf, "google_kms_crypto_key")
    .filter((r) => hasRole(stack, r, "signing-key"))
    .flatMap(refs);
  const ringRefs = resources(tf, "google_kms_key_ring")
    .filter((r) => hasRole(stack, r, "signing-key-ring"))
    .flatMap(refs);
  const mirrorAccounts = resources(tf, "google_compute_instance")
    .filter((i) => i.config.labels?.["airlock-role"] === "mirror")
    .map((i) => `serviceAccount:${i.config.service_account?.email}`);
  const allowed = (role: unknown, member: string) => role === PUBLIC_KEY_VIEWER || (role === SIGNER && mirrorAccounts.includes(member));
  const onKey = (r: Resource) => keyRefs.includes(String(r.config.crypto_key_id));
  const onRing = (r: Resource) => ringRefs.includes(String(r.config.key_ring_id));
  return [
    ...resources(tf, "google_kms_crypto_key_iam_member", "google_kms_crypto_key_iam_binding")
      .filter((r) => onKey(r) && members(r.config).some((m) => !allowed(r.config.role, m)))
      .map((r) => ({
        path: r.path,
        message:
          `grants ${r.config.role} on the mirror's signing key to ${members(r.config)
            .filter((m) => !allowed(r.config.role, m))
            .join(", ")}: ` +
          `only the public host (the mirror) may sign with it (${SIGNER}), anyone else may only read its public key (${PUBLIC_KEY_VIEWER})`,
      })),
    ...resources(tf, "google_kms_crypto_key_iam_policy")
      .filter(onKey)
      .map((r) => ({
        path: r.path,
        message: "replaces the signing key's whole IAM policy: grant with iam_member instead, so the mirror stays its only signer",
      })),
    ...resources(tf, "google_kms_key_ring_iam_member", "google_kms_key_ring_iam_binding", "google_kms_key_ring_iam_policy")
      .filter(onRing)
      .map((r) => ({
        path: r.path,
        message:
          "grants on the signing key's key ring, which reach the key: grant on the key itself (the mirror signs, anyone else reads the public key)",
      })),
  ];
}
