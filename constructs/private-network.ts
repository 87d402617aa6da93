import { ComputeFirewall } from "@cdktf/provider-google/lib/compute-firewall";
import { ComputeNetwork } from "@cdktf/provider-google/lib/compute-network";
import { ComputeRoute } from "@cdktf/provider-google/lib/compute-route";
import { ComputeSubnetwork } from "@cdktf/provider-google/lib/compute-subnetwork";
import { DnsManagedZone } from "@cdktf/provider-google/lib/dns-managed-zone";
import { DnsRecordSet } from "@cdktf/provider-google/lib/dns-record-set";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { GOOGLE_APIS_VIPS, GoogleApisVip } from "./google-apis-access";
import { allowRuleLogConfig, NetworkLogging } from "./network-logging";
import { addDenyAllEgress, addVpc } from "./vpc";

export interface PrivateNetworkProps {
  readonly name: string;
  readonly region: string;
  readonly subnetCidr: string;
  /** Which Google APIs VIP to reach: `private` or `restricted` (VPC Service Controls). */
  readonly googleApis: GoogleApisVip;
  /** Service accounts of the VMs operators may SSH to through IAP. */
  readonly sshTargetServiceAccounts: readonly string[];
  readonly logging: NetworkLogging;
}

/** DNS zones that must answer with the VIP so Google APIs and Artifact Registry resolve privately. */
const PRIVATE_ZONES = [
  { id: "googleapis", dnsName: "googleapis.com." },
  { id: "pkg-dev", dnsName: "pkg.dev." },
] as const;

/**
 * The private side: a VPC with no route to the internet. Its only way out is Private Google Access
 * to one Google APIs VIP: the default routes are deleted, a single route sends the VIP's /30 to the
 * default internet gateway (Google's front ends, not the internet), private DNS zones resolve
 * `*.googleapis.com` and `*.pkg.dev` to the VIP, and egress is denied except tcp/443 to the VIP.
 */
export class PrivateNetwork extends Construct {
  readonly network: ComputeNetwork;
  readonly subnet: ComputeSubnetwork;
  /** The VIP range the private hosts may reach. */
  readonly googleApisCidr: string;
  /** What a VM's first boot needs to reach Artifact Registry: the VIP route, every DNS record, the egress allow. */
  readonly reachesGoogleApis: ITerraformDependable[] = [];

  constructor(scope: Construct, id: string, props: PrivateNetworkProps) {
    super(scope, id);
    const vip = GOOGLE_APIS_VIPS[props.googleApis];
    this.googleApisCidr = vip.cidr;
    ({ network: this.network, subnet: this.subnet } = addVpc(this, { ...props, deleteDefaultRoutes: true }));
    const route = new ComputeRoute(this, "google-apis-route", {
      name: `${props.name}-google-apis`,
      network: this.network.id,
      destRange: vip.cidr,
      nextHopGateway: "default-internet-gateway",
      priority: 1000,
      description: `Private Google Access: ${vip.hostName} only`,
    });
    for (const zone of PRIVATE_ZONES) {
      const managedZone = new DnsManagedZone(this, `zone-${zone.id}`, {
        name: `${props.name}-${zone.id}`,
        dnsName: zone.dnsName,
        visibility: "private",
        description: `${zone.dnsName} resolves to ${vip.hostName} inside ${props.name}`,
        privateVisibilityConfig: { networks: [{ networkUrl: this.network.id }] },
      });
      // googleapis.com: the VIP host gets the A records; pkg.dev: the apex does.
      const apex = zone.dnsName === "googleapis.com." ? vip.hostName : zone.dnsName;
      const a = new DnsRecordSet(this, `zone-${zone.id}-a`, {
        managedZone: managedZone.name,
        name: apex,
        type: "A",
        ttl: 300,
        rrdatas: [...vip.addresses],
      });
      const wildcard = new DnsRecordSet(this, `zone-${zone.id}-wildcard`, {
        managedZone: managedZone.name,
        name: `*.${zone.dnsName}`,
        type: "CNAME",
        ttl: 300,
        rrdatas: [apex],
      });
      this.reachesGoogleApis.push(a, wildcard);
    }
    const allowEgress = new ComputeFirewall(this, "allow-google-apis-egress", {
      name: `${props.name}-allow-google-apis`,
      network: this.network.id,
      direction: "EGRESS",
      priority: 1000,
      destinationRanges: [vip.cidr],
      allow: [{ protocol: "tcp", ports: ["443"] }],
      logConfig: allowRuleLogConfig(props.logging),
    });
    addDenyAllEgress(this, this.network, props.name);
    this.reachesGoogleApis.push(route, allowEgress);
  }
}
