import { ComputeFirewallLogConfig } from "@cdktf/provider-google/lib/compute-firewall";
import { ComputeSubnetworkLogConfig } from "@cdktf/provider-google/lib/compute-subnetwork";

/** What the networks log. Deny rules are always logged: a blocked connection is what a reviewer looks for. */
export interface NetworkLogging {
  readonly flowLogs: {
    readonly enabled: boolean;
    readonly aggregationInterval: string;
    readonly flowSampling: number;
    readonly metadata: string;
  };
  /** Log the allow rules too (IAP SSH, egress allows): every allowed connection, billed as logs. */
  readonly allowedConnections: boolean;
}

export function subnetLogConfig(logging: NetworkLogging): ComputeSubnetworkLogConfig | undefined {
  const { enabled, ...settings } = logging.flowLogs;
  return enabled ? settings : undefined;
}

export function allowRuleLogConfig(logging: NetworkLogging): ComputeFirewallLogConfig | undefined {
  return logging.allowedConnections ? { metadata: "INCLUDE_ALL_METADATA" } : undefined;
}

export const DENY_RULE_LOG_CONFIG: ComputeFirewallLogConfig = { metadata: "INCLUDE_ALL_METADATA" };
