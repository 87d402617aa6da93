import { ComputeAutoscaler } from "@cdktf/provider-google/lib/compute-autoscaler";
import { ComputeInstanceGroupManager } from "@cdktf/provider-google/lib/compute-instance-group-manager";
import { ComputeInstanceTemplate } from "@cdktf/provider-google/lib/compute-instance-template";
import { ComputeRegionAutoscaler } from "@cdktf/provider-google/lib/compute-region-autoscaler";
import { ComputeRegionInstanceGroupManager } from "@cdktf/provider-google/lib/compute-region-instance-group-manager";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { Accelerator } from "../config/accelerators";
import { mustTerminateOnHostMaintenance } from "../config/machine-types";
import { addFleetGroup, FleetAutoscaling, FleetUpdatePolicy } from "./fleet-group";
import { FleetHealthCheck, HealthCheckSettings } from "./fleet-health-check";
import { NetworkLogging } from "./network-logging";
import { secureMetadata, SHIELDED_VM } from "./secure-vm";
import { stackOutput } from "./stack-output";
import { carryStartupScript } from "../startup-script/metadata-limit";
import { StartupScript } from "../startup-script/scripts";

export interface PrivateFleetProps {
  readonly project: string;
  /** Prefix of the template's name, and the group's name. */
  readonly name: string;
  readonly region: string;
  readonly zone: string;
  readonly machineType: string;
  readonly image: string;
  /** The subnet the VMs sit on (created by the stack, or an existing one). */
  readonly subnet: { readonly id: string };
  /** The fleet's dedicated service account (with read access to the repositories). */
  readonly serviceAccountEmail: string;
  /** The private host's bootstrap, unchanged: every VM of the fleet runs it on every boot. */
  readonly startupScript: StartupScript;
  /** On the template, its VMs and their boot disks. */
  readonly labels?: Record<string, string>;
  /** VMs to run from the template in a managed instance group; 0 (and no autoscaling) for the template alone. */
  readonly size: number;
  /** What the bootstrap needs in place before a VM boots (routes, DNS, firewall, grants). */
  readonly bootsAfter?: readonly ITerraformDependable[];
  /** @default { sizeGb: 20, type: "pd-balanced" } */
  readonly bootDisk?: { readonly sizeGb: number; readonly type: string };
  /** GPUs attached to each VM (N1 types); GPU VMs stop for host maintenance. @default none */
  readonly accelerators?: readonly Accelerator[];
  /** A regional group over these zones of `region`. @default a zonal group in `zone` */
  readonly zones?: readonly string[];
  /** @default proactive, surge 1 (regional: one per zone), none unavailable */
  readonly updatePolicy?: FleetUpdatePolicy;
  /** An autoscaler on average CPU, which then sets the group's size. @default none */
  readonly autoscaling?: FleetAutoscaling;
  /** A health check and auto-healing; needs `network` and `logging` for its ingress rule. @default none */
  readonly healthCheck?: HealthCheckSettings;
  /** The VPC the subnet belongs to, its project, and the prefix of rule names (the health checks' ingress rule). */
  readonly network?: { readonly id: string; readonly project: string; readonly namePrefix: string };
  readonly logging?: NetworkLogging;
}

/**
 * An instance template on the private network that carries the bootstrap as its startup script, with
 * the airlock hosts' secure defaults (no external IP, Shielded VM, OS Login, a dedicated service
 * account), and optionally a managed instance group of `size` VMs built from it.
 */
export class PrivateFleet extends Construct {
  readonly template: ComputeInstanceTemplate;
  /** Zonal (`group`), or regional with `zones` (`regional-group`). */
  readonly group?: ComputeInstanceGroupManager | ComputeRegionInstanceGroupManager;
  readonly autoscaler?: ComputeAutoscaler | ComputeRegionAutoscaler;
  readonly healthCheck?: FleetHealthCheck;
  /** With a group: each VM of it and its bootstrap's status (guest attribute `status`), one line each. */
  readonly progressCommand?: string;

  constructor(scope: Construct, id: string, props: PrivateFleetProps) {
    super(scope, id);
    const labels = { ...props.labels, "airlock-role": "bootstrap" };
    const disk = props.bootDisk ?? { sizeGb: 20, type: "pd-balanced" };
    const accelerators = props.accelerators ?? [];
    const gpus = accelerators.reduce((n, a) => n + a.count, 0);
    this.template = new ComputeInstanceTemplate(this, "template", {
      project: props.project,
      namePrefix: `${props.name}-`,
      region: props.region,
      machineType: props.machineType,
      labels,
      disk: [{ boot: true, autoDelete: true, sourceImage: props.image, diskSizeGb: disk.sizeGb, diskType: disk.type, labels }],
      guestAccelerator: accelerators.length > 0 ? accelerators.map((a) => ({ type: a.type, count: a.count })) : undefined,
      // GPU and TPU VMs (and a few series) cannot live-migrate: Compute Engine refuses them unless they stop.
      scheduling: mustTerminateOnHostMaintenance(props.machineType, gpus)
        ? { onHostMaintenance: "TERMINATE", automaticRestart: true }
        : undefined,
      networkInterface: [{ subnetwork: props.subnet.id }],
      shieldedInstanceConfig: SHIELDED_VM,
      serviceAccount: { email: props.serviceAccountEmail, scopes: ["cloud-platform"] },
      metadata: secureMetadata(carryStartupScript(this, props.startupScript)),
      // A template cannot change in place: a new one is made before the old one is dropped, so the group
      // always points at an existing template.
      lifecycle: { createBeforeDestroy: true },
      dependsOn: props.bootsAfter ? [...props.bootsAfter] : undefined,
    });
    if (props.healthCheck) {
      if (!props.network || !props.logging)
        throw new Error(
          `${this.node.path}: a health check needs the fleet's network and logging settings, for the ingress rule of Google's probes`,
        );
      this.healthCheck = new FleetHealthCheck(this, "health", {
        project: props.project,
        name: `${props.name}-hc`,
        settings: props.healthCheck,
        network: props.network,
        serviceAccountEmail: props.serviceAccountEmail,
        logging: props.logging,
      });
    }
    if (props.size > 0 || props.autoscaling) {
      const fleetGroup = addFleetGroup(this, {
        project: props.project,
        name: props.name,
        region: props.region,
        zone: props.zone,
        zones: props.zones,
        templateSelfLinkUnique: this.template.selfLinkUnique,
        size: props.size,
        updatePolicy: props.updatePolicy ?? { type: "proactive", maxSurge: props.zones?.length || 1, maxUnavailable: 0 },
        autoscaling: props.autoscaling,
        autoHealing:
          this.healthCheck && props.healthCheck
            ? { healthCheck: this.healthCheck.healthCheck.id, initialDelaySeconds: props.healthCheck.initialDelaySeconds }
            : undefined,
      });
      ({ group: this.group, autoscaler: this.autoscaler, progressCommand: this.progressCommand } = fleetGroup);
    }
    stackOutput(this, "fleet_template_self_link", this.template.selfLink, "Instance template carrying the bootstrap");
    stackOutput(this, "fleet_service_account", props.serviceAccountEmail, "The fleet's service account (reads the repositories)");
    if (this.group && this.progressCommand) {
      stackOutput(this, "fleet_group_self_link", this.group.selfLink, "Managed instance group running the template");
      stackOutput(
        this,
        "fleet_progress",
        this.progressCommand,
        "Each VM of the fleet's group, its bootstrap's status (ready, failed, ...) and the signed set it installed (statement digest and keyring version)",
      );
    }
  }
}
