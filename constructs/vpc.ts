import { ComputeFirewall } from "@cdktf/provider-google/lib/compute-firewall";
import { ComputeNetwork } from "@cdktf/provider-google/lib/compute-network";
import { ComputeSubnetwork } from "@cdktf/provider-google/lib/compute-subnetwork";
import { DataGoogleComputeNetwork } from "@cdktf/provider-google/lib/data-google-compute-network";
import { DataGoogleComputeSubnetwork } from "@cdktf/provider-google/lib/data-google-compute-subnetwork";
import { TerraformResourceLifecycle } from "cdktf";
import { Construct } from "constructs";
import { plumbingName } from "../config/network-names";
import { IAP_SSH_SOURCE_RANGE } from "./google-apis-access";
import { allowRuleLogConfig, DENY_RULE_LOG_CONFIG, NetworkLogging, subnetLogConfig } from "./network-logging";

/** A VPC and subnet the stack uses: created by it, or an existing one (another project's, for Shared VPC). */
export interface VpcProps {
  /** The project the stack deploys to; an existing VPC may live in another (`existing.project`). */
  readonly project: string;
  /** The VPC to create, or the existing VPC's name. */
  readonly name: string;
  readonly region: string;
  /** The created subnet's range (not for an existing VPC). */
  readonly subnetCidr?: string;
  readonly existing?: { readonly project?: string; readonly subnet: string };
  /** Delete the default 0.0.0.0/0 route Google Cloud creates with every VPC (no internet route at all). */
  readonly deleteDefaultRoutes: boolean;
  /** Service accounts of the VMs operators may SSH to (through IAP); no other VM of the VPC gets SSH. */
  readonly sshTargetServiceAccounts: readonly string[];
  /** Create the IAP SSH rule for them (false: the network team allows SSH, or nobody may). */
  readonly sshRule?: boolean;
  /** What the rules' names start with. @default name */
  readonly ruleNameBase?: string;
  /** For a VPC the stack creates: the network's and subnet's lifecycle (`preventDestroy` while other stacks use them). */
  readonly createdLifecycle?: TerraformResourceLifecycle;
  readonly logging: NetworkLogging;
}

export interface Vpc {
  readonly network: ComputeNetwork | DataGoogleComputeNetwork;
  readonly subnet: ComputeSubnetwork | DataGoogleComputeSubnetwork;
  /** The project that owns the network: where its routes, firewall rules and DNS zones go. */
  readonly project: string;
  readonly existing: boolean;
}

/**
 * What both airlock networks share, added to `scope`: a custom-mode VPC with one subnet (Private Google
 * Access, flow logs), or the existing VPC and subnet looked up by name; and SSH ingress from IAP's range
 * to the named service accounts only (no rule when there is none to name: an empty target list would
 * open SSH to every VM of the VPC).
 */
export function addVpc(scope: Construct, props: VpcProps): Vpc {
  let vpc: Vpc;
  if (props.existing) {
    const project = props.existing.project ?? props.project;
    const network = new DataGoogleComputeNetwork(scope, "network", { project, name: props.name });
    const subnet = new DataGoogleComputeSubnetwork(scope, "subnet", { project, region: props.region, name: props.existing.subnet });
    vpc = { network, subnet, project, existing: true };
  } else {
    const network = new ComputeNetwork(scope, "network", {
      project: props.project,
      name: props.name,
      autoCreateSubnetworks: false,
      routingMode: "REGIONAL",
      deleteDefaultRoutesOnCreate: props.deleteDefaultRoutes,
      lifecycle: props.createdLifecycle,
    });
    const subnet = new ComputeSubnetwork(scope, "subnet", {
      project: props.project,
      name: `${props.name}-${props.region}`,
      network: network.id,
      region: props.region,
      ipCidrRange: props.subnetCidr!,
      privateIpGoogleAccess: true,
      logConfig: subnetLogConfig(props.logging),
      lifecycle: props.createdLifecycle,
    });
    vpc = { network, subnet, project: props.project, existing: false };
  }
  if (props.sshTargetServiceAccounts.length > 0 && (props.sshRule ?? true)) {
    new ComputeFirewall(scope, "allow-iap-ssh", {
      project: vpc.project,
      name: plumbingName(props.ruleNameBase ?? props.name, "iapSsh"),
      network: vpc.network.id,
      direction: "INGRESS",
      priority: 1000,
      sourceRanges: [IAP_SSH_SOURCE_RANGE],
      targetServiceAccounts: [...props.sshTargetServiceAccounts],
      allow: [{ protocol: "tcp", ports: ["22"] }],
      logConfig: allowRuleLogConfig(props.logging),
    });
  }
  return vpc;
}

/**
 * The egress rule every airlock VPC ends with: nothing leaves unless a rule above allows it, and it is
 * logged. In a VPC the stack created it holds for every VM; in an existing one, only for `targets`.
 * `name`: what its name starts with.
 */
export function addDenyAllEgress(scope: Construct, vpc: Vpc, name: string, targets: readonly string[]): ComputeFirewall {
  return new ComputeFirewall(scope, "deny-all-egress", {
    project: vpc.project,
    name: plumbingName(name, "denyAllEgress"),
    network: vpc.network.id,
    direction: "EGRESS",
    priority: 65000,
    destinationRanges: ["0.0.0.0/0"],
    targetServiceAccounts: vpc.existing ? [...targets] : undefined,
    deny: [{ protocol: "all" }],
    logConfig: DENY_RULE_LOG_CONFIG,
  });
}
