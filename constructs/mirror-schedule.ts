import { CloudSchedulerJob } from "@cdktf/provider-google/lib/cloud-scheduler-job";
import { ComputeInstanceIamMember } from "@cdktf/provider-google/lib/compute-instance-iam-member";
import { ProjectIamCustomRole } from "@cdktf/provider-google/lib/project-iam-custom-role";
import { Construct } from "constructs";
import { AirlockHost } from "./airlock-host";
import { HostIdentity } from "./host-identity";
import { staticAttributeReference } from "./terraform-address";

export interface MirrorScheduleProps {
  readonly project: string;
  readonly region: string;
  readonly zone: string;
  /** The stack's name: custom role ids are project-wide, so each environment gets its own. */
  readonly stackName: string;
  /** The public host the job starts (it stops itself once the mirror succeeded). */
  readonly publicHost: AirlockHost;
  readonly publicHostName: string;
  /** A cron expression (Cloud Scheduler's unix-cron format) and the time zone it is read in. */
  readonly schedule: string;
  readonly timeZone: string;
  /** The job's own service account id. */
  readonly accountId: string;
}

/** The one permission the job's identity needs: nothing else on the host (setMetadata would let it change the mirror's code). */
export const START_PERMISSIONS = ["compute.instances.start"] as const;

/**
 * Re-runs the mirror on a schedule: a Cloud Scheduler job calls Compute Engine's `instances.start` on
 * the stopped public host, whose startup script mirrors again (uploading only what the auth repo lacks:
 * new releases of unpinned packages, a CVE fix) and stops the host. The job's service account may start
 * that one VM and nothing else: a custom role with only compute.instances.start, bound on the instance.
 */
export class MirrorSchedule extends Construct {
  readonly job: CloudSchedulerJob;
  readonly identity: HostIdentity;
  /** Runs the job now, outside its schedule. */
  readonly runCommand: string;

  constructor(scope: Construct, id: string, props: MirrorScheduleProps) {
    super(scope, id);
    this.identity = new HostIdentity(this, "identity", {
      project: props.project,
      accountId: props.accountId,
      displayName: "pip-airlock mirror schedule: starts the public host",
      grantName: "mirror-schedule",
    });
    const role = new ProjectIamCustomRole(this, "start-role", {
      project: props.project,
      roleId: `pipAirlockStartMirror_${props.stackName.replace(/-/g, "_")}`,
      title: `pip-airlock: start the public host (${props.stackName})`,
      description: "Start one stopped VM (the pip-airlock mirror); bound on that instance only",
      permissions: [...START_PERMISSIONS],
    });
    const grant = new ComputeInstanceIamMember(this, "may-start", {
      project: props.project,
      zone: props.zone,
      instanceName: props.publicHost.instance.name,
      role: role.name,
      member: this.identity.member,
      // The binding lives in the instance's own IAM policy: a replaced public host (same name, a new VM)
      // comes up without it, while Terraform, its instance_name unchanged, would leave it be until a later
      // refresh. instance_id is new exactly when the VM is replaced, not when it is updated in place.
      lifecycle: { replaceTriggeredBy: [staticAttributeReference(props.publicHost.instance, "instance_id")] },
    });
    const name = `${props.publicHostName}-mirror`;
    this.job = new CloudSchedulerJob(this, "job", {
      project: props.project,
      region: props.region,
      name,
      description: "pip-airlock: start the public host so that it mirrors again, then stops",
      schedule: props.schedule,
      timeZone: props.timeZone,
      httpTarget: {
        httpMethod: "POST",
        uri: `https://compute.googleapis.com/compute/v1/projects/${props.project}/zones/${props.zone}/instances/${props.publicHostName}/start`,
        oauthToken: { serviceAccountEmail: this.identity.email, scope: "https://www.googleapis.com/auth/cloud-platform" },
      },
      dependsOn: [grant],
    });
    this.runCommand = `gcloud scheduler jobs run ${name} --location ${props.region} --project ${props.project}`;
  }
}
