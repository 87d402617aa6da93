import { Finding } from "./rule";
import { dataSources, hasRole, StackTerraform } from "./terraform-json";

/**
 * What the guardrails cannot check: the parts of an existing VPC this stack does not create. Said at
 * every synth instead of passing silently.
 */
export function blindSpots(stack: StackTerraform): Finding[] {
  return dataSources(stack.tf, "google_compute_network").map((network) => ({
    path: network.path,
    message:
      `uses the existing network "${network.config.name}" (project ${network.config.project}): the guardrails check only what this stack creates there; check that ` +
      (hasRole(stack, network, "public-network")
        ? "nothing else opens SSH beyond IAP (AIRLOCK-G5)"
        : "nothing else routes it to the internet, by a 0.0.0.0/0 route or a Cloud NAT (AIRLOCK-G4), or opens SSH beyond IAP (AIRLOCK-G5)"),
  }));
}
