import { Finding } from "../rule";
import { resources, StackTerraform } from "../terraform-json";

export const id = "AIRLOCK-G2";
export const name = "no-default-compute-service-account";
export const level = "error";
export const info =
  "an instance or template without a dedicated service account (none, `default`, or the project's Compute Engine default account)";
export const explanation =
  "The Compute Engine default service account is shared by every VM that keeps the default, and Google grants it Editor on the project when it is created unless an organization policy stops that: a compromised host could act on the whole project. A dedicated account holds only the grants one host needs, which the other rules can check.";

export function check({ tf }: StackTerraform): Finding[] {
  return resources(tf, "google_compute_instance", "google_compute_instance_template")
    .filter((r) => {
      const email = r.config.service_account?.email;
      return typeof email !== "string" || email === "default" || email.endsWith("-compute@developer.gserviceaccount.com");
    })
    .map((r) => ({ path: r.path, message: "runs as the default compute service account: give it a dedicated one (HostIdentity)" }));
}
