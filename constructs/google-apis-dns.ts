import { DnsManagedZone } from "@cdktf/provider-google/lib/dns-managed-zone";
import { DnsRecordSet } from "@cdktf/provider-google/lib/dns-record-set";
import { DnsResponsePolicy } from "@cdktf/provider-google/lib/dns-response-policy";
import { DnsResponsePolicyRule } from "@cdktf/provider-google/lib/dns-response-policy-rule";
import { ITerraformDependable, TerraformResourceLifecycle } from "cdktf";
import { Construct } from "constructs";
import { plumbingName } from "../config/network-names";
import { ConstructGroup } from "./construct-group";
import { VipSpec } from "./google-apis-access";

/** DNS zones that must answer with the VIP so Google APIs and Artifact Registry resolve privately. */
const PRIVATE_ZONES = [
  { id: "googleapis", part: "zoneGoogleapis", dnsName: "googleapis.com." },
  { id: "pkg-dev", part: "zonePkgDev", dnsName: "pkg.dev." },
] as const;

export interface GoogleApisDnsProps {
  /** The project that owns the network (a Shared VPC's host project). */
  readonly project: string;
  readonly networkId: string;
  /** The VPC's name, for descriptions. */
  readonly vpcName: string;
  readonly vip: VipSpec;
  /** `zones`: private zones googleapis.com. and pkg.dev.; `response-policy`: a policy answering `names` only. */
  readonly mode: "zones" | "response-policy";
  /** What the names start with (see config/network-names.ts). */
  readonly nameBase: string;
  /** The names a response policy answers with the VIP's addresses (FQDNs, ending in "."). */
  readonly names: readonly string[];
  /** Environments whose VMs use this DNS: named in the descriptions. */
  readonly dependents: readonly string[];
  /** `preventDestroy` while dependents exist. */
  readonly lifecycle?: TerraformResourceLifecycle;
}

/**
 * What sends Google APIs to the VIP inside the private VPC: private zones `googleapis.com.` and
 * `pkg.dev.` (every name below them resolves to the VIP host), or a Cloud DNS response policy with one
 * rule per name the VMs need, as Cloud Foundation Fabric's networking stage does for googleapis.
 * Response policy rules override private zones and Google's own DNS for their names only
 * (cloud.google.com/dns/docs/zones/manage-response-policies; one policy per network).
 * A group: its resources keep the addresses they had under PrivateNetwork.
 */
export class GoogleApisDns extends ConstructGroup {
  /** What a VM's first boot needs of it. */
  readonly resolves: ITerraformDependable[] = [];

  constructor(scope: Construct, id: string, props: GoogleApisDnsProps) {
    super(scope, id);
    const { project, vip, lifecycle } = props;
    const dependents =
      props.dependents.length > 0 ? ` (environments ${props.dependents.join(", ")} on this VPC depend on it: destroy them first)` : "";
    if (props.mode === "zones") {
      for (const zone of PRIVATE_ZONES) {
        const managedZone = new DnsManagedZone(this, `zone-${zone.id}`, {
          project,
          name: plumbingName(props.nameBase, zone.part),
          dnsName: zone.dnsName,
          visibility: "private",
          description: `${zone.dnsName} resolves to ${vip.hostName} inside ${props.vpcName}${dependents}`,
          privateVisibilityConfig: { networks: [{ networkUrl: props.networkId }] },
          lifecycle,
        });
        // googleapis.com: the VIP host gets the A records; pkg.dev: the apex does.
        const apex = zone.dnsName === "googleapis.com." ? vip.hostName : zone.dnsName;
        const a = new DnsRecordSet(this, `zone-${zone.id}-a`, {
          project,
          managedZone: managedZone.name,
          name: apex,
          type: "A",
          ttl: 300,
          rrdatas: [...vip.addresses],
          lifecycle,
        });
        const wildcard = new DnsRecordSet(this, `zone-${zone.id}-wildcard`, {
          project,
          managedZone: managedZone.name,
          name: `*.${zone.dnsName}`,
          type: "CNAME",
          ttl: 300,
          rrdatas: [apex],
          lifecycle,
        });
        this.resolves.push(a, wildcard);
      }
      return;
    }
    const policy = new DnsResponsePolicy(this, "response-policy", {
      project,
      responsePolicyName: plumbingName(props.nameBase, "responsePolicy"),
      description: `pip-airlock: ${props.names.join(", ")} resolve to ${vip.hostName} inside ${props.vpcName}${dependents}`,
      networks: [{ networkUrl: props.networkId }],
      lifecycle,
    });
    for (const name of props.names) {
      this.resolves.push(
        new DnsResponsePolicyRule(this, `response-policy-${ruleName(name)}`, {
          project,
          responsePolicy: policy.responsePolicyName,
          ruleName: ruleName(name),
          dnsName: name,
          localData: { localDatas: [{ name, type: "A", ttl: 300, rrdatas: [...vip.addresses] }] },
          lifecycle,
        }),
      );
    }
  }
}

/** A rule's id from its DNS name: `us-central1-python.pkg.dev.` is `us-central1-python-pkg-dev`. */
function ruleName(dnsName: string): string {
  return dnsName.replace(/\.$/, "").replace(/\./g, "-");
}
