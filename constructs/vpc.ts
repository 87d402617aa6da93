import { ComputeFirewall } from "@cdktf/provider-google/lib/compute-firewall";
import { ComputeNetwork } from "@cdktf/provider-google/lib/compute-network";
import { ComputeSubnetwork } from "@cdktf/provider-google/lib/compute-subnetwork";
import { Construct } from "constructs";
import { IAP_SSH_SOURCE_RANGE } from "./google-apis-access";
import { allowRuleLogConfig, DENY_RULE_LOG_CONFIG, NetworkLogging, subnetLogConfig } from "./network-logging";

export interface VpcProps {
  readonly name: string;
  readonly region: string;
  readonly subnetCidr: string;
  /** Delete the default 0.0.0.0/0 route Google Cloud creates with every VPC (no internet route at all). */
  readonly deleteDefaultRoutes: boolean;
  /** Service accounts of the VMs operators may SSH to (through IAP); no other VM of the VPC gets SSH. */
  readonly sshTargetServiceAccounts: readonly string[];
  readonly logging: NetworkLogging;
}

export interface Vpc {
  readonly network: ComputeNetwork;
  readonly subnet: ComputeSubnetwork;
}

/**
 * What both airlock networks share, added to `scope`: a custom-mode VPC with one subnet (Private
 * Google Access, flow logs) and SSH ingress from IAP's range to the named service accounts only.
 */
export function addVpc(scope: Construct, props: VpcProps): Vpc {
  const network = new ComputeNetwork(scope, "network", {
    name: props.name,
    autoCreateSubnetworks: false,
    routingMode: "REGIONAL",
    deleteDefaultRoutesOnCreate: props.deleteDefaultRoutes,
  });
  const subnet = new ComputeSubnetwork(scope, "subnet", {
    name: `${props.name}-${props.region}`,
    network: network.id,
    region: props.region,
    ipCidrRange: props.subnetCidr,
    privateIpGoogleAccess: true,
    logConfig: subnetLogConfig(props.logging),
  });
  new ComputeFirewall(scope, "allow-iap-ssh", {
    name: `${props.name}-allow-iap-ssh`,
    network: network.id,
    direction: "INGRESS",
    priority: 1000,
    sourceRanges: [IAP_SSH_SOURCE_RANGE],
    targetServiceAccounts: [...props.sshTargetServiceAccounts],
    allow: [{ protocol: "tcp", ports: ["22"] }],
    logConfig: allowRuleLogConfig(props.logging),
  });
  return { network, subnet };
}

/** The egress rule every airlock VPC ends with: nothing leaves unless a rule above allows it, and it is logged. */
export function addDenyAllEgress(scope: Construct, network: ComputeNetwork, name: string): ComputeFirewall {
  return new ComputeFirewall(scope, "deny-all-egress", {
    name: `${name}-deny-all-egress`,
    network: network.id,
    direction: "EGRESS",
    priority: 65000,
    destinationRanges: ["0.0.0.0/0"],
    deny: [{ protocol: "all" }],
    logConfig: DENY_RULE_LOG_CONFIG,
  });
}
