import { ComputeFirewall } from "@cdktf/provider-google/lib/compute-firewall";
import { ComputeNetwork } from "@cdktf/provider-google/lib/compute-network";
import { ComputeRouter } from "@cdktf/provider-google/lib/compute-router";
import { ComputeRouterNat } from "@cdktf/provider-google/lib/compute-router-nat";
import { ComputeSubnetwork } from "@cdktf/provider-google/lib/compute-subnetwork";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { allowRuleLogConfig, NetworkLogging } from "./network-logging";
import { addDenyAllEgress, addVpc } from "./vpc";

export interface PublicNetworkProps {
  readonly name: string;
  readonly region: string;
  readonly subnetCidr: string;
  /** Service accounts of the VMs that may reach the internet (tcp 443 and 80 only) and be reached over IAP SSH. */
  readonly hostServiceAccounts: readonly string[];
  readonly logging: NetworkLogging;
}

/** What the mirror uses on the internet: PyPI and Artifact Registry over https, Debian's apt over http. */
export const PUBLIC_EGRESS_PORTS = ["443", "80"] as const;

/**
 * The public side: a VPC whose one subnet reaches the internet only outbound, through Cloud NAT, and
 * only on the ports the mirror uses. Hosts get no external IP; SSH comes in only through IAP.
 */
export class PublicNetwork extends Construct {
  readonly network: ComputeNetwork;
  readonly subnet: ComputeSubnetwork;
  readonly nat: ComputeRouterNat;
  /** What the public host's first boot needs: the NAT and the egress allow rule. */
  readonly reachesInternet: ITerraformDependable[];

  constructor(scope: Construct, id: string, props: PublicNetworkProps) {
    super(scope, id);
    ({ network: this.network, subnet: this.subnet } = addVpc(this, {
      ...props,
      deleteDefaultRoutes: false,
      sshTargetServiceAccounts: props.hostServiceAccounts,
    }));
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
    const allowEgress = new ComputeFirewall(this, "allow-web-egress", {
      name: `${props.name}-allow-web-egress`,
      network: this.network.id,
      direction: "EGRESS",
      priority: 1000,
      destinationRanges: ["0.0.0.0/0"],
      targetServiceAccounts: [...props.hostServiceAccounts],
      allow: [{ protocol: "tcp", ports: [...PUBLIC_EGRESS_PORTS] }],
      logConfig: allowRuleLogConfig(props.logging),
    });
    addDenyAllEgress(this, this.network, props.name);
    this.reachesInternet = [this.nat, allowEgress];
  }
}
