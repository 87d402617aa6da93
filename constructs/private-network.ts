import { ComputeFirewall } from "@cdktf/provider-google/lib/compute-firewall";
import { ComputeRoute } from "@cdktf/provider-google/lib/compute-route";
import { DnsManagedZone } from "@cdktf/provider-google/lib/dns-managed-zone";
import { DnsRecordSet } from "@cdktf/provider-google/lib/dns-record-set";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { GOOGLE_APIS_VIPS, GoogleApisVip } from "./google-apis-access";
import { allowRuleLogConfig, NetworkLogging } from "./network-logging";
import { declareRole } from "./resource-role";
import { addDenyAllEgress, addVpc, Vpc } from "./vpc";

/** For an existing VPC, which parts of private access the stack creates (the network team may own some). */
export interface PrivateAccessParts {
  readonly googleApisRoute: boolean;
  readonly dnsZones: boolean;
  readonly egressRules: boolean;
  /** SSH from IAP to the airlock VMs' service accounts. */
  readonly iapSshRule: boolean;
}

export interface PrivateNetworkProps {
  readonly project: string;
  /** The VPC to create, or the existing VPC's name. */
  readonly name: string;
  readonly region: string;
  /** The created subnet's range (not for an existing VPC). */
  readonly subnetCidr?: string;
  /** An existing VPC (in `project`, or a Shared VPC host project) and its subnet, instead of new ones. */
  readonly existing?: { readonly project?: string; readonly subnet: string };
  /** Which Google APIs VIP to reach: `private` or `restricted` (VPC Service Controls). */
  readonly googleApis: GoogleApisVip;
  /** What the stack creates for private access; all of it for a VPC it creates. */
  readonly manage?: PrivateAccessParts;
  /** Service accounts of the airlock VMs: IAP SSH reaches them, and in an existing VPC the egress rules hold for them. */
  readonly sshTargetServiceAccounts: readonly string[];
  readonly logging: NetworkLogging;
}

const ALL_PRIVATE_ACCESS_PARTS: PrivateAccessParts = { googleApisRoute: true, dnsZones: true, egressRules: true, iapSshRule: true };

/** DNS zones that must answer with the VIP so Google APIs and Artifact Registry resolve privately. */
const PRIVATE_ZONES = [
  { id: "googleapis", dnsName: "googleapis.com." },
  { id: "pkg-dev", dnsName: "pkg.dev." },
] as const;

/**
 * The private side: a VPC with no route to the internet. Its only way out is Private Google Access
 * to one Google APIs VIP: the default routes are deleted, a single route sends the VIP's /30 to the
 * default internet gateway (Google's front ends, not the internet), private DNS zones resolve
 * `*.googleapis.com` and `*.pkg.dev` to the VIP, and egress is denied except tcp/443 to the VIP. For an
 * existing VPC the stack adds only the parts `manage` names, and its egress rules hold for the airlock
 * VMs' service accounts only; what else that VPC routes is the network team's (the guardrails say so).
 */
export class PrivateNetwork extends Construct {
  readonly vpc: Vpc;
  readonly network: Vpc["network"];
  readonly subnet: Vpc["subnet"];
  /** The VIP range the private hosts may reach. */
  readonly googleApisCidr: string;
  /** What a VM's first boot needs to reach Artifact Registry, of what this stack creates. */
  readonly reachesGoogleApis: ITerraformDependable[] = [];

  constructor(scope: Construct, id: string, props: PrivateNetworkProps) {
    super(scope, id);
    const vip = GOOGLE_APIS_VIPS[props.googleApis];
    const manage = (props.existing && props.manage) || ALL_PRIVATE_ACCESS_PARTS;
    this.googleApisCidr = vip.cidr;
    this.vpc = addVpc(this, { ...props, deleteDefaultRoutes: true, sshRule: manage.iapSshRule });
    ({ network: this.network, subnet: this.subnet } = this.vpc);
    declareRole(this.network, "private-network");
    const project = this.vpc.project;
    if (manage.googleApisRoute) {
      this.reachesGoogleApis.push(
        new ComputeRoute(this, "google-apis-route", {
          project,
          name: `${props.name}-google-apis`,
          network: this.network.id,
          destRange: vip.cidr,
          nextHopGateway: "default-internet-gateway",
          priority: 1000,
          description: `Private Google Access: ${vip.hostName} only`,
        }),
      );
    }
    if (manage.dnsZones) {
      for (const zone of PRIVATE_ZONES) {
        const managedZone = new DnsManagedZone(this, `zone-${zone.id}`, {
          project,
          name: `${props.name}-${zone.id}`,
          dnsName: zone.dnsName,
          visibility: "private",
          description: `${zone.dnsName} resolves to ${vip.hostName} inside ${props.name}`,
          privateVisibilityConfig: { networks: [{ networkUrl: this.network.id }] },
        });
        // googleapis.com: the VIP host gets the A records; pkg.dev: the apex does.
        const apex = zone.dnsName === "googleapis.com." ? vip.hostName : zone.dnsName;
        const a = new DnsRecordSet(this, `zone-${zone.id}-a`, { project, managedZone: managedZone.name, name: apex, type: "A", ttl: 300, rrdatas: [...vip.addresses] });
        const wildcard = new DnsRecordSet(this, `zone-${zone.id}-wildcard`, { project, managedZone: managedZone.name, name: `*.${zone.dnsName}`, type: "CNAME", ttl: 300, rrdatas: [apex] });
        this.reachesGoogleApis.push(a, wildcard);
      }
    }
    if (manage.egressRules) {
      const targets = this.vpc.existing ? [...props.sshTargetServiceAccounts] : undefined;
      this.reachesGoogleApis.push(
        new ComputeFirewall(this, "allow-google-apis-egress", {
          project,
          name: `${props.name}-allow-google-apis`,
          network: this.network.id,
          direction: "EGRESS",
          priority: 1000,
          destinationRanges: [vip.cidr],
          targetServiceAccounts: targets,
          allow: [{ protocol: "tcp", ports: ["443"] }],
          logConfig: allowRuleLogConfig(props.logging),
        }),
      );
      addDenyAllEgress(this, this.vpc, props.name, props.sshTargetServiceAccounts);
    }
  }
}
