import { ComputeFirewall } from "@cdktf/provider-google/lib/compute-firewall";
import { ComputeNetwork } from "@cdktf/provider-google/lib/compute-network";
import { ComputeSubnetwork } from "@cdktf/provider-google/lib/compute-subnetwork";
import { Construct } from "constructs";
import { IAP_SSH_SOURCE_RANGE } from "./google-apis-access";

export interface VpcProps {
  readonly name: string;
  readonly region: string;
  readonly subnetCidr: string;
  /** Delete the default 0.0.0.0/0 route Google Cloud creates with every VPC (no internet route at all). */
  readonly deleteDefaultRoutes: boolean;
}

export interface Vpc {
  readonly network: ComputeNetwork;
  readonly subnet: ComputeSubnetwork;
}

/**
 * What both airlock networks share, added to `scope`: a custom-mode VPC with one subnet (Private
 * Google Access, flow logs) and SSH ingress from IAP's range only.
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
    logConfig: { aggregationInterval: "INTERVAL_5_SEC", flowSampling: 0.5, metadata: "INCLUDE_ALL_METADATA" },
  });
  new ComputeFirewall(scope, "allow-iap-ssh", {
    name: `${props.name}-allow-iap-ssh`,
    network: network.id,
    direction: "INGRESS",
    priority: 1000,
    sourceRanges: [IAP_SSH_SOURCE_RANGE],
    allow: [{ protocol: "tcp", ports: ["22"] }],
    logConfig: { metadata: "INCLUDE_ALL_METADATA" },
  });
  return { network, subnet };
}
