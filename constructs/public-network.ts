import { ComputeFirewall } from "@cdktf/provider-google/lib/compute-firewall";
import { ComputeRouter } from "@cdktf/provider-google/lib/compute-router";
import { ComputeRouterNat } from "@cdktf/provider-google/lib/compute-router-nat";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { allowRuleLogConfig, NetworkLogging } from "./network-logging";
import { declareRole } from "./resource-role";
import { addDenyAllEgress, addVpc, Vpc } from "./vpc";

export interface PublicNetworkProps {
  readonly project: string;
  /** The VPC to create, or the existing VPC's name. */
  readonly name: string;
  readonly region: string;
  /** The created subnet's range (not for an existing VPC). */
  readonly subnetCidr?: string;
  /** An existing VPC and subnet that already reach the internet (their own Cloud NAT), instead of new ones. */
  readonly existing?: { readonly project?: string; readonly subnet: string };
  /** Service accounts of the VMs that may reach the internet (tcp 443 and 80 only) and be reached over IAP SSH. */
  readonly hostServiceAccounts: readonly string[];
  readonly logging: NetworkLogging;
}

/** What the mirror uses on the internet: PyPI and Artifact Registry over https, Debian's apt over http. */
export const PUBLIC_EGRESS_PORTS = ["443", "80"] as const;

/**
 * The public side: a VPC whose one subnet reaches the internet only outbound, through Cloud NAT, and
 * only on the ports the mirror uses. Hosts get no external IP; SSH comes in only through IAP. With an
 * existing VPC its NAT is the network team's; the egress rules then hold for the public host only.
 */
export class PublicNetwork extends Construct {
  readonly vpc: Vpc;
  readonly network: Vpc["network"];
  readonly subnet: Vpc["subnet"];
  readonly nat?: ComputeRouterNat;
  /** What the public host's first boot needs of what this stack creates: the NAT and the egress allow rule. */
  readonly reachesInternet: ITerraformDependable[] = [];

  constructor(scope: Construct, id: string, props: PublicNetworkProps) {
    super(scope, id);
    this.vpc = addVpc(this, { ...props, deleteDefaultRoutes: false, sshTargetServiceAccounts: props.hostServiceAccounts });
    ({ network: this.network, subnet: this.subnet } = this.vpc);
    declareRole(this.network, "public-network");
    if (!this.vpc.existing) {
      const router = new ComputeRouter(this, "router", {
        project: props.project,
        name: `${props.name}-router`,
        network: this.network.id,
        region: props.region,
      });
      this.nat = new ComputeRouterNat(this, "nat", {
        project: props.project,
        name: `${props.name}-nat`,
        router: router.name,
        region: props.region,
        natIpAllocateOption: "AUTO_ONLY",
        sourceSubnetworkIpRangesToNat: "LIST_OF_SUBNETWORKS",
        subnetwork: [{ name: this.subnet.id, sourceIpRangesToNat: ["ALL_IP_RANGES"] }],
        logConfig: { enable: true, filter: "ERRORS_ONLY" },
      });
      this.reachesInternet.push(this.nat);
    }
    this.reachesInternet.push(
      new ComputeFirewall(this, "allow-web-egress", {
        project: this.vpc.project,
        name: `${props.name}-allow-web-egress`,
        network: this.network.id,
        direction: "EGRESS",
        priority: 1000,
        destinationRanges: ["0.0.0.0/0"],
        targetServiceAccounts: [...props.hostServiceAccounts],
        allow: [{ protocol: "tcp", ports: [...PUBLIC_EGRESS_PORTS] }],
        logConfig: allowRuleLogConfig(props.logging),
      }),
    );
    addDenyAllEgress(this, this.vpc, props.name, props.hostServiceAccounts);
  }
}
