import { ComputeNetwork } from "@cdktf/provider-google/lib/compute-network";
import { ComputeRouter } from "@cdktf/provider-google/lib/compute-router";
import { ComputeRouterNat } from "@cdktf/provider-google/lib/compute-router-nat";
import { ComputeSubnetwork } from "@cdktf/provider-google/lib/compute-subnetwork";
import { Construct } from "constructs";
import { addVpc } from "./vpc";

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
    ({ network: this.network, subnet: this.subnet } = addVpc(this, { ...props, deleteDefaultRoutes: false }));
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
  }
}
