import { ComputeFirewall } from "@cdktf/provider-google/lib/compute-firewall";
import { ComputeNetwork } from "@cdktf/provider-google/lib/compute-network";
import { ComputeRouter } from "@cdktf/provider-google/lib/compute-router";
import { ComputeRouterNat } from "@cdktf/provider-google/lib/compute-router-nat";
import { ComputeSubnetwork } from "@cdktf/provider-google/lib/compute-subnetwork";
import { Construct } from "constructs";
import { IAP_SSH_SOURCE_RANGE } from "./google-apis-access";

export interface PublicNetworkProps {
  readonly name: string;
  readonly region: string;
  readonly subnetCidr: string;
}

/**
 * The public side: a VPC whose one subnet reaches the internet only outbound, through Cloud NAT.
 * Hosts get no external IP; SSH comes in only through IAP.
 */
export class PublicNetwork extends Construct {
  readonly network: ComputeNetwork;
  readonly subnet: ComputeSubnetwork;
  readonly nat: ComputeRouterNat;

  constructor(scope: Construct, id: string, props: PublicNetworkProps) {
    super(scope, id);
    this.network = new ComputeNetwork(this, "network", {
      name: props.name,
      autoCreateSubnetworks: false,
      routingMode: "REGIONAL",
    });
    this.subnet = new ComputeSubnetwork(this, "subnet", {
      name: `${props.name}-${props.region}`,
      network: this.network.id,
      region: props.region,
      ipCidrRange: props.subnetCidr,
      privateIpGoogleAccess: true,
      logConfig: { aggregationInterval: "INTERVAL_5_SEC", flowSampling: 0.5, metadata: "INCLUDE_ALL_METADATA" },
    });
    const router = new ComputeRouter(this, "router", {
      name: `${props.name}-router`,
      network: this.network.id,
      region: props.region,
    });
    this.nat = new ComputeRouterNat(this, "nat", {
      name: `${props.name}-nat`,
      router: router.name,
      region: props.region,
      natIpAllocateOption: "AUTO_ONLY",
      sourceSubnetworkIpRangesToNat: "LIST_OF_SUBNETWORKS",
      subnetwork: [{ name: this.subnet.id, sourceIpRangesToNat: ["ALL_IP_RANGES"] }],
      logConfig: { enable: true, filter: "ERRORS_ONLY" },
    });
    new ComputeFirewall(this, "allow-iap-ssh", {
      name: `${props.name}-allow-iap-ssh`,
      network: this.network.id,
      direction: "INGRESS",
      priority: 1000,
      sourceRanges: [IAP_SSH_SOURCE_RANGE],
      allow: [{ protocol: "tcp", ports: ["22"] }],
      logConfig: { metadata: "INCLUDE_ALL_METADATA" },
    });
  }
}
