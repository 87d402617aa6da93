import { ComputeInstanceGroupManager } from "@cdktf/provider-google/lib/compute-instance-group-manager";
import { ComputeInstanceTemplate } from "@cdktf/provider-google/lib/compute-instance-template";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { secureMetadata, SHIELDED_VM } from "./secure-vm";
import { stackOutput } from "./stack-output";
import { GUEST_ATTRIBUTE_NAMESPACE } from "../startup-script/config-views";
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
  readonly labels?: Record<string, string>;
  /** VMs to run from the template in a zonal managed instance group; 0 for the template alone. */
  readonly size: number;
  /** What the bootstrap needs in place before a VM boots (routes, DNS, firewall, grants). */
  readonly bootsAfter?: readonly ITerraformDependable[];
}

/**
 * An instance template on the private network that carries the bootstrap as its startup script, with
 * the airlock hosts' secure defaults (no external IP, Shielded VM, OS Login, a dedicated service
 * account), and optionally a managed instance group of `size` VMs built from it.
 */
export class PrivateFleet extends Construct {
  readonly template: ComputeInstanceTemplate;
  readonly group?: ComputeInstanceGroupManager;
  /** With a group: each VM of it and its bootstrap's status (guest attribute `status`), one line each. */
  readonly progressCommand?: string;

  constructor(scope: Construct, id: string, props: PrivateFleetProps) {
    super(scope, id);
    this.template = new ComputeInstanceTemplate(this, "template", {
      project: props.project,
      namePrefix: `${props.name}-`,
      region: props.region,
      machineType: props.machineType,
      labels: { ...props.labels, "airlock-role": "bootstrap" },
      disk: [{ boot: true, autoDelete: true, sourceImage: props.image, diskSizeGb: 20, diskType: "pd-balanced" }],
      networkInterface: [{ subnetwork: props.subnet.id }],
      shieldedInstanceConfig: SHIELDED_VM,
      serviceAccount: { email: props.serviceAccountEmail, scopes: ["cloud-platform"] },
      metadata: secureMetadata(carryStartupScript(this, props.startupScript)),
      // A template cannot change in place: a new one is made before the old one is dropped, so the group
      // always points at an existing template.
      lifecycle: { createBeforeDestroy: true },
      dependsOn: props.bootsAfter ? [...props.bootsAfter] : undefined,
    });
    if (props.size > 0) {
      this.group = new ComputeInstanceGroupManager(this, "group", {
        project: props.project,
        name: props.name,
        zone: props.zone,
        baseInstanceName: props.name,
        targetSize: props.size,
        version: [{ name: "bootstrap", instanceTemplate: this.template.selfLinkUnique }],
        // A new template (a changed bootstrap) rolls out by replacing VMs one at a time.
        updatePolicy: { type: "PROACTIVE", minimalAction: "REPLACE", maxSurgeFixed: 1, maxUnavailableFixed: 0 },
      });
      const where = `--zone ${props.zone} --project ${props.project}`;
      this.progressCommand =
        `for vm in $(gcloud compute instance-groups managed list-instances ${props.name} ${where} --format='value(name.basename())'); do ` +
        `echo "$vm $(gcloud compute instances get-guest-attributes "$vm" ${where} --query-path=${GUEST_ATTRIBUTE_NAMESPACE}/status --format='value(value)' 2>/dev/null || echo no-status-yet)` +
        ` $(gcloud compute instances get-guest-attributes "$vm" ${where} --query-path=${GUEST_ATTRIBUTE_NAMESPACE}/installed-set --format='value(value)' 2>/dev/null)"; done`;
    }
    stackOutput(this, "fleet_template_self_link", this.template.selfLink, "Instance template carrying the bootstrap");
    stackOutput(this, "fleet_service_account", props.serviceAccountEmail, "The fleet's service account (reads the repositories)");
    if (this.group && this.progressCommand) {
      stackOutput(this, "fleet_group_self_link", this.group.selfLink, "Managed instance group running the template");
      stackOutput(this, "fleet_progress", this.progressCommand, "Each VM of the fleet's group, its bootstrap's status (ready, failed, ...) and the signed set it installed (statement digest and keyring version)");
    }
  }
}
