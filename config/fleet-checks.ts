import { z } from "zod";
import { Accelerator, acceleratorProblems } from "./accelerators";
import { bootDiskProblems, defaultBootDiskType } from "./boot-disks";
import { autoscalingSchema, healthCheckSchema, updatePolicySchema } from "./fleet-schema";
import { BootDiskType } from "./machine-types";
import { zoneProblem } from "./zones";

/** The fleet's settings as the schema reads them, before defaults that depend on other fields. */
export interface FleetInput {
  readonly size: number;
  readonly machineType: string;
  readonly bootDisk: { readonly sizeGb: number; readonly type?: BootDiskType };
  readonly accelerators: readonly Accelerator[];
  readonly zones?: readonly string[];
  readonly updatePolicy?: z.infer<typeof updatePolicySchema>;
  readonly autoscaling?: z.infer<typeof autoscalingSchema>;
  readonly healthCheck?: z.infer<typeof healthCheckSchema>;
}

export interface FleetProblem {
  /** Below `fleet`. */
  readonly path: Array<string | number>;
  readonly message: string;
}

// Compute Engine's limits of one group ("About regional MIGs": "up to 2,000 instances, twice as many as zonal MIGs").
const ZONAL_MAX = 1000;
const REGIONAL_MAX = 2000;

/** The fleet's update policy with its defaults: proactive, one VM of surge per zone (1 for a zonal group), none unavailable. */
export function resolvedUpdatePolicy(fleet: Pick<FleetInput, "zones" | "updatePolicy">) {
  const policy = fleet.updatePolicy ?? updatePolicySchema.parse({});
  return { ...policy, maxSurge: policy.maxSurge ?? fleet.zones?.length ?? 1 };
}

/** What is wrong with the fleet's settings taken together, each naming its field and the fix. */
export function fleetProblems(fleet: FleetInput, region: string): FleetProblem[] {
  const problems: FleetProblem[] = [];
  const add = (path: Array<string | number>, message: string) => problems.push({ path, message });
  const hasGroup = fleet.size > 0 || fleet.autoscaling !== undefined;
  const zones = fleet.zones ?? [];
  for (const key of ["zones", "updatePolicy", "healthCheck"] as const) {
    if (!hasGroup && fleet[key] !== undefined)
      add(
        [key],
        "applies to the managed instance group, which the fleet does not have (size 0, no autoscaling): set fleet.size or fleet.autoscaling, or remove it",
      );
  }
  zones.forEach((zone, i) => {
    if (!zone.startsWith(`${region}-`))
      add(["zones", i], `must be a zone of region "${region}": a regional group spreads its VMs over zones of the stack's region`);
    else {
      const bad = zoneProblem(region, zone);
      if (bad) add(["zones", i], bad);
    }
    if (zones.indexOf(zone) !== i) add(["zones", i], `repeats "${zone}": list each zone once`);
  });
  const max = zones.length > 0 ? REGIONAL_MAX : ZONAL_MAX;
  const overMax = (path: string[], n: number) => {
    if (n > max)
      add(
        path,
        zones.length > 0
          ? `must be at most ${REGIONAL_MAX}, the most VMs a regional group holds`
          : `must be at most ${ZONAL_MAX}, the most VMs a zonal group holds: list fleet.zones for a regional group (up to ${REGIONAL_MAX})`,
      );
  };
  overMax(["size"], fleet.size);
  if (fleet.autoscaling) {
    const { minReplicas, maxReplicas } = fleet.autoscaling;
    if (fleet.size > 0)
      add(
        ["size"],
        "does not apply with fleet.autoscaling: the autoscaler sets the group's size between minReplicas and maxReplicas: remove fleet.size",
      );
    if (minReplicas > maxReplicas)
      add(["autoscaling", "minReplicas"], `is ${minReplicas}, above maxReplicas (${maxReplicas}): lower it or raise maxReplicas`);
    overMax(["autoscaling", "maxReplicas"], maxReplicas);
  }
  if (hasGroup) {
    const policy = resolvedUpdatePolicy(fleet);
    if (policy.maxSurge === 0 && policy.maxUnavailable === 0) {
      add(
        ["updatePolicy", "maxUnavailable"],
        "is 0, and so is maxSurge: the group could replace no VM: set maxSurge (an extra VM while replacing) or maxUnavailable (a VM down while replacing) above 0",
      );
    }
    // terraform-provider-google, google_compute_region_instance_group_manager: max_surge_fixed and
    // max_unavailable_fixed "has to be either 0 or at least equal to the number of zones".
    for (const key of ["maxSurge", "maxUnavailable"] as const) {
      const value = policy[key];
      if (zones.length > 1 && value > 0 && value < zones.length) {
        add(
          ["updatePolicy", key],
          `is ${value}: a regional group takes 0 or at least its number of zones (${zones.length}) here, as Compute Engine spreads a rollout over every zone: set 0 or ${zones.length}`,
        );
      }
    }
  }
  const check = fleet.healthCheck;
  if (check && check.timeoutSeconds > check.checkIntervalSeconds) {
    add(
      ["healthCheck", "timeoutSeconds"],
      `is ${check.timeoutSeconds}, longer than checkIntervalSeconds (${check.checkIntervalSeconds}): a probe must end before the next one starts`,
    );
  }
  if (check?.path !== undefined && check.protocol === "tcp")
    add(["healthCheck", "path"], 'does not apply to a tcp health check: remove it, or use protocol "http" or "https"');
  for (const p of acceleratorProblems(fleet.machineType, fleet.accelerators)) add(p.path, p.message);
  const diskType = fleet.bootDisk.type ?? defaultBootDiskType(fleet.machineType);
  for (const p of bootDiskProblems(fleet.machineType, diskType, fleet.bootDisk.sizeGb)) add(["bootDisk", p.field], p.message);
  return problems;
}

/** The fleet with the defaults that depend on other fields filled in. */
export function resolveFleet<F extends FleetInput>(fleet: F) {
  return {
    ...fleet,
    bootDisk: { ...fleet.bootDisk, type: fleet.bootDisk.type ?? defaultBootDiskType(fleet.machineType) },
    updatePolicy: resolvedUpdatePolicy(fleet),
  };
}
