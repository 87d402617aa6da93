import { Finding } from "../rule";
import { resources, StackTerraform } from "../terraform-json";

export const id = "AIRLOCK-G1";
export const name = "no-external-ip";
export const level = "error";
export const info = "an instance or template with an access config (an external IPv4 or IPv6 address)";
export const explanation =
  "A VM with an external IP is reachable from the internet and reaches it without the airlock's Cloud NAT and firewall: a private host could fetch packages from anywhere, and any port it listens on is exposed. The hosts egress through Cloud NAT (the public host only) and are reached through IAP.";

export function check({ tf }: StackTerraform): Finding[] {
  return resources(tf, "google_compute_instance", "google_compute_instance_template")
    .filter((r) =>
      (r.config.network_interface ?? []).some((ni: any) => (ni.access_config ?? []).length > 0 || (ni.ipv6_access_config ?? []).length > 0),
    )
    .map((r) => ({
      path: r.path,
      message: "has an external IP (access_config): remove it; egress goes through Cloud NAT, SSH through IAP",
    }));
}
