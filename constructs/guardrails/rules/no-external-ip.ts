import { Finding } from "../rule";
import { resources, StackTerraform } from "../terraform-json";

export const id = "AIRLOCK-G1";
export const name = "no-external-ip";

export function check({ tf }: StackTerraform): Finding[] {
  return resources(tf, "google_compute_instance", "google_compute_instance_template")
    .filter((r) => (r.config.network_interface ?? []).some((ni: any) => (ni.access_config ?? []).length > 0 || (ni.ipv6_access_config ?? []).length > 0))
    .map((r) => ({ path: r.path, message: "has an external IP (access_config): remove it; egress goes through Cloud NAT, SSH through IAP" }));
}
