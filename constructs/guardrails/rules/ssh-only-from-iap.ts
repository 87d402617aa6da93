import { IAP_SSH_SOURCE_RANGE } from "../../google-apis-access";
import { within } from "../cidr-within";
import { Finding } from "../rule";
import { resources, StackTerraform } from "../terraform-json";

export const id = "AIRLOCK-G5";
export const name = "ssh-only-from-iap";
export const level = "error";
export const info = "an ingress rule that opens tcp/22 (or every port) to a source outside IAP's 35.235.240.0/20";
export const explanation =
  "SSH open to other sources exposes the hosts' sshd to scanning and credential attacks from there; through IAP each connection is authorized by IAM before it reaches the VM, and OS Login ties the session to the caller's identity.";

export function check({ tf }: StackTerraform): Finding[] {
  return resources(tf, "google_compute_firewall")
    .filter((r) => (r.config.direction ?? "INGRESS") === "INGRESS")
    .filter((r) =>
      (r.config.allow ?? []).some((a: any) => ["tcp", "all", "6"].includes(String(a.protocol).toLowerCase()) && portsInclude(a.ports, 22)),
    )
    .filter((r) => {
      const sources: unknown[] = r.config.source_ranges ?? [];
      return sources.length === 0 || sources.some((s) => !within(String(s), IAP_SSH_SOURCE_RANGE));
    })
    .map((r) => ({
      path: r.path,
      message: `opens SSH to ${JSON.stringify(r.config.source_ranges ?? "any source")}: allow only IAP's ${IAP_SSH_SOURCE_RANGE}`,
    }));
}

/** No port list means every port. */
function portsInclude(ports: unknown, port: number): boolean {
  if (!Array.isArray(ports) || ports.length === 0) return true;
  return ports.some((p) => {
    const [lo, hi] = String(p).split("-").map(Number);
    return port >= lo && port <= (hi ?? lo);
  });
}
