import { ComputeFirewall } from "@cdktf/provider-google/lib/compute-firewall";
import { ComputeRoute } from "@cdktf/provider-google/lib/compute-route";
import { ITerraformDependable, TerraformResourceLifecycle } from "cdktf";
import { Construct } from "constructs";
import { plumbingName } from "../config/network-names";
import { GOOGLE_APIS_VIPS, GoogleApisVip } from "./google-apis-access";
import { GoogleApisDns } from "./google-apis-dns";
import { allowRuleLogConfig, NetworkLogging } from "./network-logging";
import { declareRole } from "./resource-role";
import { stackOutput } from "./stack-output";
import { addDenyAllEgress, addVpc, Vpc } from "./vpc";

/** For an existing VPC, which parts of private access the stack creates (the network team may own some). */
export interface PrivateAccessParts {
  /** The VIP route: one environment on a VPC owns it. */
  readonly googleApisRoute: boolean;
  readonly egressRules: boolean;
  /** SSH from IAP to the airlock VMs' service accounts. */
  readonly iapSshRule: boolean;
}

/** How the VMs resolve Google APIs to the VIP: the stack's zones or response policy, or DNS it does not manage. */
export type GoogleApisDnsMode = "zones" | "response-policy" | "external";

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
  /** @default "zones" (`external`: an existing VPC only). */
  readonly dns?: GoogleApisDnsMode;
  /**
   * What the names of the rules, route and DNS start with: the VPC's name for a VPC the stack creates,
   * `<namePrefix>-<environment>` in an existing one (config/network-names.ts, plumbingBase).
   * @default name
   */
  readonly nameBase?: string;
  /** The names that must resolve into the VIP range (a response policy answers exactly these). */
  readonly vipNames: readonly string[];
  /**
   * Other environments whose VMs use this stack's route and DNS (and a VPC it creates): while there are
   * any, Terraform refuses to destroy or replace them (`prevent_destroy`), and their descriptions say who.
   */
  readonly dependents?: readonly string[];
  /** With `dns: "external"`: the environment of the same config whose stack resolves the names on this VPC, if any. */
  readonly dnsOwner?: string;
  /** Service accounts of the airlock VMs: IAP SSH reaches them, and in an existing VPC the egress rules hold for them. */
  readonly sshTargetServiceAccounts: readonly string[];
  readonly logging: NetworkLogging;
}

const ALL_PRIVATE_ACCESS_PARTS: PrivateAccessParts = { googleApisRoute: true, egressRules: true, iapSshRule: true };

/**
 * The private side: a VPC with no route to the internet. Its only way out is Private Google Access
 * to one Google APIs VIP: the default routes are deleted, a single route sends the VIP's /30 to the
 * default internet gateway (Google's front ends, not the internet), private DNS zones (or a response
 * policy) resolve Google APIs and Artifact Registry to the VIP, and egress is denied except tcp/443 to
 * the VIP. For an existing VPC the stack adds only the parts `manage` and `dns` name, under names that
 * carry the environment, and its egress rules hold for the airlock VMs' service accounts only; what else
 * that VPC routes is the network team's (the guardrails say so).
 */
export class PrivateNetwork extends Construct {
  readonly vpc: Vpc;
  readonly network: Vpc["network"];
  readonly subnet: Vpc["subnet"];
  /** The VIP range the private hosts may reach. */
  readonly googleApisCidr: string;
  /** What a VM's first boot needs to reach Artifact Registry, of what this stack creates. */
  readonly reachesGoogleApis: ITerraformDependable[] = [];
  /** The IAP SSH rule, when the stack creates one (there are VMs to reach and `manage.iapSshRule`). */
  readonly iapSshRule: boolean;

  constructor(scope: Construct, id: string, props: PrivateNetworkProps) {
    super(scope, id);
    const vip = GOOGLE_APIS_VIPS[props.googleApis];
    const manage = (props.existing && props.manage) || ALL_PRIVATE_ACCESS_PARTS;
    const dns = props.dns ?? "zones";
    const base = props.nameBase ?? props.name;
    const dependents = props.dependents ?? [];
    // What other environments' VMs rely on is never destroyed by this stack while they do.
    const shared: TerraformResourceLifecycle | undefined = dependents.length > 0 ? { preventDestroy: true } : undefined;
    this.googleApisCidr = vip.cidr;
    this.iapSshRule = manage.iapSshRule && props.sshTargetServiceAccounts.length > 0;
    this.vpc = addVpc(this, {
      ...props,
      deleteDefaultRoutes: true,
      sshRule: manage.iapSshRule,
      ruleNameBase: base,
      createdLifecycle: shared,
    });
    ({ network: this.network, subnet: this.subnet } = this.vpc);
    declareRole(this.network, "private-network");
    const project = this.vpc.project;
    if (manage.googleApisRoute) {
      this.reachesGoogleApis.push(
        new ComputeRoute(this, "google-apis-route", {
          project,
          name: plumbingName(base, "route"),
          network: this.network.id,
          destRange: vip.cidr,
          nextHopGateway: "default-internet-gateway",
          priority: 1000,
          // A route cannot be updated: a description naming the dependents would replace it when they change.
          description: `Private Google Access: ${vip.hostName} only`,
          lifecycle: shared,
        }),
      );
    }
    stackOutput(
      this,
      "google_apis_dns",
      {
        names: [...props.vipNames],
        vip_range: vip.cidr,
        vip_addresses: [...vip.addresses],
        resolved_by:
          dns === "zones"
            ? `this stack: private zones googleapis.com. and pkg.dev. (${plumbingName(base, "zoneGoogleapis")}, ${plumbingName(base, "zonePkgDev")}) on ${props.name}`
            : dns === "response-policy"
              ? `this stack: response policy ${plumbingName(base, "responsePolicy")} on ${props.name}`
              : props.dnsOwner
                ? `environment ${props.dnsOwner}'s stack, on ${props.name}`
                : `not this stack: the DNS of ${props.name} must resolve each of these names into ${vip.cidr}`,
      },
      "The DNS names the VMs must resolve into the Google APIs VIP range, and what resolves them",
    );
    if (dns !== "external") {
      const resolver = new GoogleApisDns(this, "dns", {
        project,
        networkId: this.network.id,
        vpcName: props.name,
        vip,
        mode: dns,
        nameBase: base,
        names: props.vipNames,
        dependents,
        lifecycle: shared,
      });
      this.reachesGoogleApis.push(...resolver.resolves);
    }
    if (manage.egressRules) {
      const targets = this.vpc.existing ? [...props.sshTargetServiceAccounts] : undefined;
      this.reachesGoogleApis.push(
        new ComputeFirewall(this, "allow-google-apis-egress", {
          project,
          name: plumbingName(base, "googleApisEgress"),
          network: this.network.id,
          direction: "EGRESS",
          priority: 1000,
          destinationRanges: [vip.cidr],
          targetServiceAccounts: targets,
          allow: [{ protocol: "tcp", ports: ["443"] }],
          logConfig: allowRuleLogConfig(props.logging),
        }),
      );
      addDenyAllEgress(this, this.vpc, base, props.sshTargetServiceAccounts);
    }
  }
}
