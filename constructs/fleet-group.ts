import { ComputeAutoscaler } from "@cdktf/provider-google/lib/compute-autoscaler";
import { ComputeInstanceGroupManager } from "@cdktf/provider-google/lib/compute-instance-group-manager";
import { ComputeRegionAutoscaler } from "@cdktf/provider-google/lib/compute-region-autoscaler";
import { ComputeRegionInstanceGroupManager } from "@cdktf/provider-google/lib/compute-region-instance-group-manager";
import { Construct } from "constructs";
import { GUEST_ATTRIBUTE_NAMESPACE } from "../startup-script/config-views";

export interface FleetUpdatePolicy {
  /** `proactive`: a new template replaces the VMs now; `opportunistic`: only VMs the group creates later get it. */
  readonly type: "proactive" | "opportunistic";
  readonly maxSurge: number;
  readonly maxUnavailable: number;
}

export interface FleetAutoscaling {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly cpuTarget: number;
  readonly cooldownSeconds: number;
}

export interface FleetGroupProps {
  readonly project: string;
  readonly name: string;
  readonly region: string;
  /** The zonal group's zone. */
  readonly zone: string;
  /** A regional group over these zones of `region`, instead of a zonal one. */
  readonly zones?: readonly string[];
  readonly templateSelfLinkUnique: string;
  /** VMs to run; ignored with `autoscaling`, which sets the size. */
  readonly size: number;
  readonly updatePolicy: FleetUpdatePolicy;
  readonly autoscaling?: FleetAutoscaling;
  /** Recreate a VM that fails this health check, `initialDelaySeconds` after it started. */
  readonly autoHealing?: { readonly healthCheck: string; readonly initialDelaySeconds: number };
}

export interface FleetGroup {
  readonly group: ComputeInstanceGroupManager | ComputeRegionInstanceGroupManager;
  readonly autoscaler?: ComputeAutoscaler | ComputeRegionAutoscaler;
  /** Each VM of the group and its bootstrap's status and installed set, one line each. */
  readonly progressCommand: string;
}

/**
 * The managed instance group running the fleet's template, added to `scope` (the fleet): zonal as `group`
 * (the address the fleet has always had), regional as `regional-group`; with its autoscaler.
 */
export function addFleetGroup(scope: Construct, props: FleetGroupProps): FleetGroup {
  const regional = props.zones !== undefined && props.zones.length > 0;
  const { type, maxSurge, maxUnavailable } = props.updatePolicy;
  const common = {
    project: props.project,
    name: props.name,
    baseInstanceName: props.name,
    // The autoscaler owns the size: a target size here would fight it at every apply.
    targetSize: props.autoscaling ? undefined : props.size,
    version: [{ name: "bootstrap", instanceTemplate: props.templateSelfLinkUnique }],
    autoHealingPolicies: props.autoHealing
      ? { healthCheck: props.autoHealing.healthCheck, initialDelaySec: props.autoHealing.initialDelaySeconds }
      : undefined,
  };
  // PROACTIVE replaces VMs when the template changes, one at a time by default; OPPORTUNISTIC leaves
  // running VMs alone and builds only new ones from the new template.
  const updatePolicy = { type: type.toUpperCase(), minimalAction: "REPLACE", maxSurgeFixed: maxSurge, maxUnavailableFixed: maxUnavailable };
  const gcloud = (args: string) => `gcloud compute ${args} --project ${props.project}`;
  const status = (vm: string, where: string, path: string) =>
    `${gcloud(`instances get-guest-attributes "${vm}" ${where}`)} --query-path=${GUEST_ATTRIBUTE_NAMESPACE}/${path} --format='value(value)' 2>/dev/null`;
  if (!regional) {
    const group = new ComputeInstanceGroupManager(scope, "group", { ...common, zone: props.zone, updatePolicy });
    const where = `--zone ${props.zone} --project ${props.project}`;
    const autoscaler = props.autoscaling
      ? new ComputeAutoscaler(scope, "autoscaler", {
          project: props.project,
          name: props.name,
          zone: props.zone,
          target: group.id,
          autoscalingPolicy: policy(props.autoscaling),
        })
      : undefined;
    const progressCommand =
      `for vm in $(gcloud compute instance-groups managed list-instances ${props.name} ${where} --format='value(name.basename())'); do ` +
      `echo "$vm $(gcloud compute instances get-guest-attributes "$vm" ${where} --query-path=${GUEST_ATTRIBUTE_NAMESPACE}/status --format='value(value)' 2>/dev/null || echo no-status-yet)` +
      ` $(gcloud compute instances get-guest-attributes "$vm" ${where} --query-path=${GUEST_ATTRIBUTE_NAMESPACE}/installed-set --format='value(value)' 2>/dev/null)"; done`;
    return { group, autoscaler, progressCommand };
  }
  const group = new ComputeRegionInstanceGroupManager(scope, "regional-group", {
    ...common,
    region: props.region,
    distributionPolicyZones: [...props.zones!],
    updatePolicy: {
      ...updatePolicy,
      // Zone rebalancing recreates VMs from the current template, so an opportunistic group would still
      // roll; Compute Engine honours NONE for groups without an autoscaler only.
      instanceRedistributionType: type === "opportunistic" && !props.autoscaling ? "NONE" : undefined,
    },
  });
  const autoscaler = props.autoscaling
    ? new ComputeRegionAutoscaler(scope, "regional-autoscaler", {
        project: props.project,
        name: props.name,
        region: props.region,
        target: group.id,
        autoscalingPolicy: policy(props.autoscaling),
      })
    : undefined;
  const progressCommand =
    `${gcloud(`instance-groups managed list-instances ${props.name} --region ${props.region}`)} --format='value(name.basename(),zone.basename())' | ` +
    `while read -r vm zone; do echo "$vm $(${status("$vm", '--zone "$zone"', "status")} || echo no-status-yet) $(${status("$vm", '--zone "$zone"', "installed-set")})"; done`;
  return { group, autoscaler, progressCommand };
}

function policy(a: FleetAutoscaling) {
  return {
    minReplicas: a.minReplicas,
    maxReplicas: a.maxReplicas,
    cooldownPeriod: a.cooldownSeconds,
    cpuUtilization: { target: a.cpuTarget },
  };
}
