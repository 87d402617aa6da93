import { isPrivateRange } from "../../../config/private-ranges";
import { GOOGLE_APIS_VIPS } from "../../google-apis-access";
import { within } from "../cidr-within";
import { Finding } from "../rule";
import { dataSources, hasRole, ref, refs, Resource, resources, StackTerraform } from "../terraform-json";

export const id = "AIRLOCK-G4";
export const name = "no-private-internet-egress";
export const level = "error";
export const info =
  "a route other than to the Google APIs VIP, or a Cloud NAT, on the private VPC; its default internet route kept; an egress allow rule there to anything but internal ranges and the VIP";
export const explanation =
  "The private hosts must reach Google APIs only: a way out to the internet lets pip (or anything on the host) fetch from PyPI or elsewhere directly, around the mirror's policy and signature, and lets data leave. Routes, NAT and egress rules are the three ways out, so each is checked.";
export const fix =
  "Remove the route, the NAT or the allow rule; egress a team needs to its own internal ranges goes in `networks.private.allowEgress`.";

const VIP_RANGES = Object.values(GOOGLE_APIS_VIPS).map((vip) => vip.cidr);

export function check(stack: StackTerraform): Finding[] {
  const { tf } = stack;
  const findings: Finding[] = [];
  const networks = privateNetworks(stack);
  const privateRefs = networks.flatMap((n) => [...refs(n), String(n.config.name)]);
  // A network may also be named literally, or by URL (.../global/networks/NAME).
  const inPrivate = (network: unknown) => privateRefs.some((r) => String(network) === r || String(network).endsWith(`/networks/${r}`));
  for (const route of resources(tf, "google_compute_route").filter((r) => inPrivate(r.config.network))) {
    if (!VIP_RANGES.some((vip) => within(String(route.config.dest_range), vip))) {
      findings.push({
        path: route.path,
        message: `routes ${route.config.dest_range} out of the private network: only the Google APIs VIP range may be routed`,
      });
    }
  }
  const routers = resources(tf, "google_compute_router").filter((r) => inPrivate(r.config.network));
  const privateRouterRefs = routers.flatMap((r) => [ref(r, "name"), ref(r, "id")]);
  for (const nat of resources(tf, "google_compute_router_nat").filter((n) => privateRouterRefs.includes(String(n.config.router)))) {
    findings.push({ path: nat.path, message: "puts Cloud NAT on the private network: remove it; private hosts reach only Google APIs" });
  }
  // An allow rule to a public range would hand the private side a way out wherever a route exists.
  const egressAllows = resources(tf, "google_compute_firewall").filter(
    (f) =>
      inPrivate(f.config.network) && f.config.direction === "EGRESS" && (f.config.allow ?? []).length > 0 && f.config.disabled !== true,
  );
  for (const rule of egressAllows) {
    const ranges: string[] = (rule.config.destination_ranges ?? ["0.0.0.0/0"]).map(String);
    const open = ranges.filter((r) => !isPrivateRange(r) && !VIP_RANGES.some((vip) => within(r, vip)));
    if (open.length > 0) {
      findings.push({
        path: rule.path,
        message: `allows egress from the private network to ${open.join(", ")}: only internal ranges (RFC 1918, 100.64.0.0/10, ...) and the Google APIs VIP may be allowed`,
      });
    }
  }
  for (const network of networks.filter((n) => !n.address.startsWith("data.") && n.config.delete_default_routes_on_create !== true)) {
    findings.push({
      path: network.path,
      message: "keeps the default internet route on the private network: set deleteDefaultRoutesOnCreate",
    });
  }
  return findings;
}

/**
 * The private networks: the one the stack declares as its private network (created or existing), and
 * those bootstrap VMs and templates (label `airlock-role: bootstrap`) sit on, found through their subnets.
 */
function privateNetworks(stack: StackTerraform): Resource[] {
  const { tf } = stack;
  const hostSubnets = resources(tf, "google_compute_instance", "google_compute_instance_template")
    .filter((i) => i.config.labels?.["airlock-role"] === "bootstrap")
    .flatMap((i) => (i.config.network_interface ?? []).map((ni: any) => String(ni.subnetwork ?? "")));
  const networkRefs = resources(tf, "google_compute_subnetwork")
    .filter((s) => refs(s).some((r) => hostSubnets.includes(r)))
    .map((s) => String(s.config.network));
  return [...resources(tf, "google_compute_network"), ...dataSources(tf, "google_compute_network")].filter(
    (n) => hasRole(stack, n, "private-network") || refs(n).some((r) => networkRefs.includes(r)),
  );
}
