import { ComputeInstance } from "@cdktf/provider-google/lib/compute-instance";
import { dependable, ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { GUEST_ATTRIBUTE_NAMESPACE } from "../startup-script/config-views";
import { carryStartupScript } from "../startup-script/metadata-limit";
import { StartupScript } from "../startup-script/scripts";
import { secureMetadata, SHIELDED_VM } from "./secure-vm";
import { stackOutput } from "./stack-output";

/** What the host's startup script does; also its `airlock-role` label. */
export type HostRole = "mirror" | "bootstrap";

/** A host as the config sets it (`hosts`): its name, the id of its service account, its machine type and image. */
export interface HostSettings {
  readonly name: string;
  readonly accountId: string;
  readonly machineType: string;
  /** `IMAGE_PROJECT/IMAGE_OR_FAMILY`. */
  readonly image: string;
}

export interface AirlockHostProps {
  readonly project: string;
  readonly name: string;
  readonly zone: string;
  readonly machineType: string;
  /** `IMAGE_PROJECT/IMAGE_OR_FAMILY`. */
  readonly image: string;
  /** The subnet the VMs sit on (created by the stack, or an existing one). */
  readonly subnet: { readonly id: string };
  /** The host's dedicated service account. */
  readonly serviceAccountEmail: string;
  readonly role: HostRole;
  /** Rendered bash, run by the guest agent on every boot; it must fit one metadata value. */
  readonly startupScript: StartupScript;
  readonly labels?: Record<string, string>;
  /** Replace the VM whenever this resource is replaced, so its startup script runs again on a new disk. */
  readonly replaceWhenReplaced?: ITerraformDependable;
  /** What the startup script needs in place before the first boot (routes, DNS, firewall, grants). */
  readonly bootsAfter?: readonly ITerraformDependable[];
  /**
   * Why no SSH through IAP reaches the host (no IAP SSH rule from this stack): then there is no `sshCommand`,
   * and `<prefix>_ssh` says this instead of a command that cannot work.
   */
  readonly noSsh?: string;
  /** Publish `<prefix>_ssh`, `<prefix>_progress` and `<prefix>_log`, the commands an operator runs against the host. */
  readonly outputs?: { readonly prefix: string; /** e.g. "the public host (mirror)" */ readonly what: string };
}

/**
 * A Compute Engine VM with the secure defaults every airlock host gets: no external IP, Shielded VM,
 * OS Login, project-wide SSH keys blocked, guest attributes on (the startup script reports through
 * them), and a dedicated service account.
 */
export class AirlockHost extends Construct {
  readonly instance: ComputeInstance;
  /** How an operator reaches the host: SSH through IAP, never over the internet (none without an IAP SSH rule: `noSsh`). */
  readonly sshCommand?: string;
  /** Reads the startup script's status (`status`, `step`, `failed-step`) from the guest attributes. */
  readonly progressCommand: string;
  /** Reads the startup script's detailed log: the serial console's output, from Cloud Logging. */
  readonly logCommand: string;

  constructor(scope: Construct, id: string, props: AirlockHostProps) {
    super(scope, id);
    this.instance = new ComputeInstance(this, "instance", {
      project: props.project,
      name: props.name,
      zone: props.zone,
      machineType: props.machineType,
      labels: { ...props.labels, "airlock-role": props.role },
      bootDisk: { initializeParams: { image: props.image, size: 20, type: "pd-balanced" } },
      networkInterface: [{ subnetwork: props.subnet.id }],
      shieldedInstanceConfig: SHIELDED_VM,
      serviceAccount: { email: props.serviceAccountEmail, scopes: ["cloud-platform"] },
      metadata: secureMetadata(carryStartupScript(this, props.startupScript)),
      allowStoppingForUpdate: true,
      dependsOn: props.bootsAfter ? [...props.bootsAfter] : undefined,
      // dependable(): a static `type.name` reference; cdktf renders a resource object here as "${...}",
      // which Terraform refuses (hashicorp/terraform-cdk#3196).
      lifecycle: props.replaceWhenReplaced ? { replaceTriggeredBy: [dependable(props.replaceWhenReplaced)] } : undefined,
    });
    const where = `${props.name} --zone ${props.zone} --project ${props.project}`;
    this.sshCommand = props.noSsh === undefined ? `gcloud compute ssh ${where} --tunnel-through-iap` : undefined;
    this.progressCommand = `gcloud compute instances get-guest-attributes ${where} --query-path=${GUEST_ATTRIBUTE_NAMESPACE}/`;
    // From Cloud Logging (serial-port-logging-enable): also once the VM has stopped, as the mirror does.
    this.logCommand =
      `gcloud logging read 'resource.type="gce_instance" AND resource.labels.instance_id="${this.instance.instanceId}" AND ` +
      `logName="projects/${props.project}/logs/serialconsole.googleapis.com%2Fserial_port_1_output" AND textPayload:"pip-airlock-"' ` +
      `--project ${props.project} --freshness 7d --order asc --format 'value(textPayload)'`;
    if (props.outputs) {
      const { prefix, what } = props.outputs;
      stackOutput(this, `${prefix}_ssh`, this.sshCommand ?? `none: ${props.noSsh}`, `SSH to ${what} through IAP`);
      stackOutput(this, `${prefix}_progress`, this.progressCommand, `Status of ${what}'s startup script (guest attributes)`);
      stackOutput(this, `${prefix}_log`, this.logCommand, `Log of ${what}'s startup script (its serial console, kept in Cloud Logging)`);
    }
  }
}
