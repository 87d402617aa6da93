import { Finding } from "../rule";
import { resources, StackTerraform } from "../terraform-json";

export const id = "AIRLOCK-G2";
export const name = "no-default-compute-service-account";

export function check({ tf }: StackTerraform): Finding[] {
  return resources(tf, "google_compute_instance", "google_compute_instance_template")
    .filter((r) => {
      const email = r.config.service_account?.email;
      return typeof email !== "string" || email === "default" || email.endsWith("-compute@developer.gserviceaccount.com");
    })
    .map((r) => ({ path: r.path, message: "runs as the default compute service account: give it a dedicated one (HostIdentity)" }));
}
