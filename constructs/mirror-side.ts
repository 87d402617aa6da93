import { Construct } from "constructs";
import { MirrorModeConfig } from "../config/schema";
import { mirroredTargets, ScriptEndpoints } from "../startup-script/config-views";
import { mirrorScript, StartupScript } from "../startup-script/scripts";
import { StartupSources } from "../startup-script/sources";
import { AirlockHost } from "./airlock-host";
import { ConstructGroup } from "./construct-group";
import { HostIdentity } from "./host-identity";
import { MirrorSchedule } from "./mirror-schedule";
import { MirrorSigning } from "./mirror-signing";
import { PublicNetwork } from "./public-network";
import { PythonRepository } from "./python-repository";
import { ReplacementFingerprint } from "./replacement-fingerprint";
import { stackOutput } from "./stack-output";

export interface MirrorSideProps {
  readonly config: MirrorModeConfig;
  /** The stack's name: the schedule's custom role is named after it. */
  readonly stackName: string;
  readonly labels: Record<string, string>;
  /** The auth repo: the mirror is its only writer. */
  readonly authRepo: PythonRepository;
  /** The key the mirror signs what it publishes with: the mirror is its only signer. */
  readonly signing: MirrorSigning;
  readonly endpoints: ScriptEndpoints;
  /** What the public host's startup script is made of (the trampoline and the agent). */
  readonly startupSources: StartupSources;
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
    const { config } = props;
    const project = config.projectId;
    this.identity = new HostIdentity(this, "public-host-identity", {
      project,
      accountId: config.hosts.publicAccountId,
      displayName: "pip-airlock public host: fills the auth repo",
      grantName: "public-host",
    });
    this.network = new PublicNetwork(this, "public-network", {
      project,
      name: config.networks.public.name,
      region: config.region,
      subnetCidr: config.networks.public.subnetCidr,
      existing: config.networks.public.existing,
      hostServiceAccounts: [this.identity.email],
      logging: config.logging,
    });
    const writeGrant = props.authRepo.grantWrite(this.identity);
    const signGrant = props.signing.grantSign(this.identity);
    this.script = mirrorScript(props.startupSources, config, { ...props.endpoints, helpersUploadUrl: props.authRepo.uploadUrl }, props.lockContent);
    const fingerprint = new ReplacementFingerprint(this, "mirror-fingerprint", {
      spec: {
        packages: config.mirror.packages,
        targets: config.mirror.targets.map(({ python, arch, platforms }) => ({ python, arch, platforms })),
        bootstrapPip: config.mirror.bootstrapPip,
        sourceIndexUrl: config.mirror.sourceIndexUrl,
        lock: props.lockContent,
        script: this.script.text,
      },
    });
    this.host = new AirlockHost(this, "public-host", {
      project,
      name: config.hosts.publicName,
      zone: config.zone,
      machineType: config.hosts.machineType,
      image: config.hosts.publicImage,
      subnet: this.network.subnet,
      serviceAccountEmail: this.identity.email,
      role: "mirror",
      startupScript: this.script,
      labels: props.labels,
      replaceWhenReplaced: fingerprint.resource,
      bootsAfter: [...this.network.reachesInternet, writeGrant, signGrant],
      outputs: { prefix: "public_host", what: "the public host (mirror)" },
    });
    if (config.schedule) {
      this.schedule = new MirrorSchedule(this, "mirror-schedule", {
        project,
        region: config.region,
        zone: config.zone,
        stackName: props.stackName,
        publicHost: this.host,
        publicHostName: config.hosts.publicName,
        schedule: config.schedule.cron,
        timeZone: config.schedule.timeZone,
        accountId: config.schedule.accountId,
      });
      stackOutput(
        this,
        "mirror_schedule",
        { job: this.schedule.job.name, schedule: config.schedule.cron, time_zone: config.schedule.timeZone, run_now: this.schedule.runCommand },
        "The Cloud Scheduler job that re-runs the mirror, and how to run it now",
      );
    }
    stackOutput(this, "public_host_service_account", this.identity.email, "The public host's service account (the auth repo's only writer)");
    stackOutput(this, "mirror_spec_sha256", fingerprint.sha256, "Fingerprint of what the mirror uploads");
    stackOutput(
      this,
      "bundle_sbom",
      Object.fromEntries(
        mirroredTargets(config).map((target) => [
          target,
          `gcloud auth print-access-token | python3 agent sbom --index ${props.authRepo.indexUrl} --signing-key ${props.signing.keyName} --target ${target}`,
        ]),
      ),
      "Per target: the command (run in this repository) that prints the CycloneDX SBOM of what its hosts install, read and verified as a host does",
    );
    stackOutput(
      this,
      "mirror_targets",
      config.mirror.targets.map((t) => `CPython ${t.python}, glibc ${t.glibc}, ${t.arch} (${t.declaredBy.join(", ")})`),
      "What the mirror downloads wheels for: each VM image's CPython, glibc and CPU",
    );
  }
}
