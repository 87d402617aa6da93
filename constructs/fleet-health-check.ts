import { ComputeFirewall } from "@cdktf/provider-google/lib/compute-firewall";
import { ComputeHealthCheck } from "@cdktf/provider-google/lib/compute-health-check";
import { Construct } from "constructs";
import { allowRuleLogConfig, NetworkLogging } from "./network-logging";

/**
 * Where Google's health checkers probe from ("Firewall rules" of Cloud Load Balancing: health check ranges
 * 35.191.0.0/16 and 130.211.0.0/22).
 */
export const HEALTH_CHECK_SOURCE_RANGES = ["35.191.0.0/16", "130.211.0.0/22"] as const;

export interface HealthCheckSettings {
  readonly protocol: "http" | "https" | "tcp";
  readonly port: number;
  /** http and https; "/" when absent. */
  readonly path?: string;
  readonly checkIntervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
  readonly initialDelaySeconds: number;
}

export interface FleetHealthCheckProps {
  readonly project: string;
  /** The health check's name. */
  readonly name: string;
  readonly settings: HealthCheckSettings;
  /** The VPC the fleet sits on, its project, and the prefix of its rule's name (`<prefix>-allow-health-checks`). */
  readonly network: { readonly id: string; readonly project: string; readonly namePrefix: string };
  /** The fleet's service account: the probes reach its VMs only. */
  readonly serviceAccountEmail: string;
  readonly logging: NetworkLogging;
}

/** A health check of the fleet's VMs, and the ingress rule that lets Google's probes reach them on its port. */
export class FleetHealthCheck extends Construct {
  readonly healthCheck: ComputeHealthCheck;
  readonly firewall: ComputeFirewall;

  constructor(scope: Construct, id: string, props: FleetHealthCheckProps) {
    super(scope, id);
    const { settings } = props;
    const http = { port: settings.port, requestPath: settings.path ?? "/" };
    this.healthCheck = new ComputeHealthCheck(this, "health-check", {
      project: props.project,
      name: props.name,
      checkIntervalSec: settings.checkIntervalSeconds,
      timeoutSec: settings.timeoutSeconds,
      healthyThreshold: settings.healthyThreshold,
      unhealthyThreshold: settings.unhealthyThreshold,
      httpHealthCheck: settings.protocol === "http" ? http : undefined,
      httpsHealthCheck: settings.protocol === "https" ? http : undefined,
      tcpHealthCheck: settings.protocol === "tcp" ? { port: settings.port } : undefined,
    });
    this.firewall = new ComputeFirewall(this, "allow-health-checks", {
      project: props.network.project,
      name: `${props.network.namePrefix}-allow-health-checks`,
      network: props.network.id,
      direction: "INGRESS",
      priority: 1000,
      sourceRanges: [...HEALTH_CHECK_SOURCE_RANGES],
      targetServiceAccounts: [props.serviceAccountEmail],
      allow: [{ protocol: "tcp", ports: [String(settings.port)] }],
      description: `Google's health checkers to ${props.name}'s port ${settings.port}`,
      logConfig: allowRuleLogConfig(props.logging),
    });
  }
}
