import { Construct } from "constructs";
import { MirrorModeConfig } from "../config/schema";
import { mirroredTargets } from "../startup-script/config-views";
import { StartupScript } from "../startup-script/scripts";
import { AirlockHost, HostSettings } from "./airlock-host";
import { ConstructGroup } from "./construct-group";
import { HostIdentity } from "./host-identity";
import { MirrorSchedule } from "./mirror-schedule";
import { MirrorSigning } from "./mirror-signing";
import { PublicNetwork } from "./public-network";
import { PythonRepository } from "./python-repository";
import { ReplacementFingerprint } from "./replacement-fingerprint";
import { stackOutput } from "./stack-output";

/** What the mirror downloads and from where (`mirror`): a new value replaces the public host. */
export type MirrorSpec = Pick<MirrorModeConfig["mirror"], "packages" | "targets" | "bootstrapPip" | "sourceIndexUrl">;

export interface MirrorSideProps {
  readonly project: string;
  readonly region: string;
  readonly zone: string;
  /** The stack's name: the schedule's custom role is named after it. */
  readonly stackName: string;
  readonly labels: Record<string, string>;
  /** The public VPC's settings (`networks.public`). */
  readonly network: MirrorModeConfig["networks"]["public"];
  /** The public host (`hosts.publicName`, `hosts.publicAccountId`, `hosts.machineType`, `hosts.publicImage`). */
  readonly publicHost: HostSettings;
  readonly mirror: MirrorSpec;
  /** Re-runs the mirror on a schedule (`mirror.schedule`). @default none */
  readonly schedule?: MirrorModeConfig["schedule"];
  readonly logging: MirrorModeConfig["logging"];
  /** The auth repo: the mirror is its only writer. */
  readonly authRepo: PythonRepository;
  /** The key the mirror signs what it publishes with: the mirror is its only signer. */
  readonly signing: MirrorSigning;
  /** The public host's startup script (mirrorScript). */
  readonly script: StartupScript;
  /** Content of the hash-pinned lock the mirror downloads with, or "". */
  readonly lockContent: string;
}

/**
 * Mirror mode's public side: the public VPC with Cloud NAT, the public host's identity, its write
 * grant on the auth repo and its signer grant on the signing key, the public host running the mirror, the fingerprint that replaces it when
 * what it mirrors changes, the optional schedule that re-runs it, and their outputs.
 */
export class MirrorSide extends ConstructGroup {
  readonly identity: HostIdentity;
  readonly network: PublicNetwork;
  readonly host: AirlockHost;
  /** The public host's rendered startup script. */
  readonly script: StartupScript;
  readonly schedule?: MirrorSchedule;

  constructor(scope: Construct, id: string, props: MirrorSideProps) {
    super(scope, id);
    const { project, publicHost, mirror, schedule } = props;
    this.identity = new HostIdentity(this, "public-host-identity", {
      project,
      accountId: publicHost.accountId,
      displayName: "pip-airlock public host: fills the auth repo",
      grantName: "public-host",
    });
    this.network = new PublicNetwork(this, "public-network", {
      project,
      name: props.network.name,
      region: props.region,
      subnetCidr: props.network.subnetCidr,
      existing: props.network.existing,
      hostServiceAccounts: [this.identity.email],
      logging: props.logging,
    });
    const writeGrant = props.authRepo.grantWrite(this.identity);
    const signGrant = props.signing.grantSign(this.identity);
    this.script = props.script;
    const fingerprint = new ReplacementFingerprint(this, "mirror-fingerprint", {
      spec: {
        packages: mirror.packages,
        targets: mirror.targets.map(({ python, arch, platforms }) => ({ python, arch, platforms })),
        bootstrapPip: mirror.bootstrapPip,
        sourceIndexUrl: mirror.sourceIndexUrl,
        lock: props.lockContent,
        script: this.script.text,
      },
    });
    this.host = new AirlockHost(this, "public-host", {
      project,
      name: publicHost.name,
      zone: props.zone,
      machineType: publicHost.machineType,
      image: publicHost.image,
      subnet: this.network.subnet,
      serviceAccountEmail: this.identity.email,
      role: "mirror",
      startupScript: this.script,
      labels: props.labels,
      replaceWhenReplaced: fingerprint.resource,
      bootsAfter: [...this.network.reachesInternet, writeGrant, signGrant],
      outputs: { prefix: "public_host", what: "the public host (mirror)" },
    });
    if (schedule) {
      this.schedule = new MirrorSchedule(this, "mirror-schedule", {
        project,
        region: props.region,
        zone: props.zone,
        stackName: props.stackName,
        publicHost: this.host,
        publicHostName: publicHost.name,
        schedule: schedule.cron,
        timeZone: schedule.timeZone,
        accountId: schedule.accountId,
      });
      stackOutput(
        this,
        "mirror_schedule",
        { job: this.schedule.job.name, schedule: schedule.cron, time_zone: schedule.timeZone, run_now: this.schedule.runCommand },
        "The Cloud Scheduler job that re-runs the mirror, and how to run it now",
      );
    }
    stackOutput(
      this,
      "public_host_service_account",
      this.identity.email,
      "The public host's service account (the auth repo's only writer)",
    );
    stackOutput(this, "mirror_spec_sha256", fingerprint.sha256, "Fingerprint of what the mirror uploads");
    stackOutput(
      this,
      "bundle_sbom",
      Object.fromEntries(
        mirroredTargets({ mirror }).map((target) => [
          target,
          `gcloud auth print-access-token | python3 agent sbom --index ${props.authRepo.indexUrl} --signing-key ${props.signing.keyName} --target ${target}`,
        ]),
      ),
      "Per target: the command (run in this repository) that prints the CycloneDX SBOM of what its hosts install, read and verified as a host does",
    );
    stackOutput(
      this,
      "mirror_targets",
      mirror.targets.map((t) => `CPython ${t.python}, glibc ${t.glibc}, ${t.arch} (${t.declaredBy.join(", ")})`),
      "What the mirror downloads wheels for: each VM image's CPython, glibc and CPU",
    );
  }
}
