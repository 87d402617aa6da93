import { ComputeFirewall } from "@cdktf/provider-google/lib/compute-firewall";
import { Construct } from "constructs";
import { EgressAllowEntry, egressRuleName } from "../config/egress-allow";
import { allowRuleLogConfig, NetworkLogging } from "./network-logging";

export interface EgressAllowListProps {
  /** The VPC's project (a Shared VPC's host project): where its firewall rules live. */
  readonly project: string;
  /** The private network's id. */
  readonly network: string;
  /** Rule names are `<namePrefix>-allow-egress-<entry name>`. */
  readonly namePrefix: string;
  readonly entries: readonly EgressAllowEntry[];
  /**
   * The service accounts the rules hold for (the private host, the fleet, and any other VMs of the airlock).
   * Must not be empty when there are entries: a rule with no target holds for every VM of the VPC.
   */
  readonly targetServiceAccounts: readonly string[];
  readonly logging: NetworkLogging;
}

/** Above the deny-all egress rule (65000), never 0: the network team's own rules may still come first. */
export const EGRESS_ALLOW_PRIORITY = 1000;

/**
 * Egress the private side may have besides Google APIs: one allow rule per entry, to internal ranges only
 * (the config refuses public ones, and guardrail AIRLOCK-G4 any rule that opens one), for the named service
 * accounts only.
 */
export class EgressAllowList extends Construct {
  readonly rules: ComputeFirewall[];

  constructor(scope: Construct, id: string, props: EgressAllowListProps) {
    super(scope, id);
    if (props.entries.length > 0 && props.targetServiceAccounts.length === 0) {
      throw new Error(
        `${this.node.path}: an egress allow-list needs the service accounts it holds for: with none, its rules would hold for every VM of the VPC`,
      );
    }
    this.rules = props.entries.map(
      (entry) =>
        new ComputeFirewall(this, `rule-${entry.name}`, {
          project: props.project,
          name: egressRuleName(props.namePrefix, entry.name),
          network: props.network,
          direction: "EGRESS",
          priority: EGRESS_ALLOW_PRIORITY,
          destinationRanges: [...entry.destinations],
          targetServiceAccounts: [...props.targetServiceAccounts],
          allow: [{ protocol: entry.protocol, ports: entry.ports.length > 0 ? entry.ports.map(String) : undefined }],
          description: `pip-airlock allow-list: ${entry.name}`,
          logConfig: allowRuleLogConfig(props.logging),
        }),
    );
  }
}
