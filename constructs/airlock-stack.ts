import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { GoogleArtifactRegistryVpcscConfig } from "@cdktf/provider-google-beta/lib/google-artifact-registry-vpcsc-config";
import { GoogleBetaProvider } from "@cdktf/provider-google-beta/lib/provider";
import { TimeProvider } from "@cdktf/provider-time/lib/provider";
import { GcsBackend, ITerraformDependable, LocalBackend, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { EnvironmentConfig } from "../config/schema";
import { AirlockHost } from "./airlock-host";
import { HostIdentity } from "./host-identity";
import { MirrorSchedule } from "./mirror-schedule";
import { ReplacementFingerprint } from "./replacement-fingerprint";
import { RepositoryEncryption } from "./repository-encryption";
import { PrivateFleet } from "./private-fleet";
import { PrivateNetwork } from "./private-network";
import { ProjectServices } from "./project-services";
import { PublicNetwork } from "./public-network";
import { PythonRepository, PythonRepositoryProps } from "./python-repository";
import { terraformLiteral } from "./terraform-literal";
import { ScriptEndpoints } from "../startup-script/config-views";
import { bootstrapScript, mirrorScript, StartupScript } from "../startup-script/scripts";
import { StartupTemplates } from "../startup-script/templates";

export interface AirlockStackProps {
  readonly config: EnvironmentConfig;
  /** Content of the hash-pinned lock the mirror downloads with, or "". */
  readonly lockContent: string;
  readonly templates: StartupTemplates;
}

/** Virtual repository priorities: higher wins, so a public name can never shadow a private package. */
export const UPSTREAM_PRIORITY = { private: 100, helpers: 50 } as const;

/**
 * Every API the stack calls: iam for the service accounts (a new project refuses them without it),
 * oslogin for the hosts' `enable-oslogin`, iap for SSH through IAP.
 */
export const REQUIRED_SERVICES = [
  "compute.googleapis.com",
  "iam.googleapis.com",
  "artifactregistry.googleapis.com",
  "dns.googleapis.com",
  "iap.googleapis.com",
  "oslogin.googleapis.com",
] as const;

/** Cloud Scheduler, for `mirror.schedule` only. */
export const SCHEDULER_SERVICE = "cloudscheduler.googleapis.com";

/** How long the first apply waits after enabling the APIs (see ProjectServices). */
export const API_PROPAGATION_SECONDS = 60;

/**
 * One environment of pip-airlock: the private VPC and host, the repositories, identities and, in
 * `mirror` mode, the public VPC and host that fill the auth repo.
 */
export class AirlockStack extends TerraformStack {
  readonly privateNetwork: PrivateNetwork;
  readonly publicNetwork?: PublicNetwork;
  readonly privateRepo: PythonRepository;
  /** Serves the auth helpers: the auth repo (mirror) or the PyPI remote repo (remote). */
  readonly helpersRepo: PythonRepository;
  readonly virtualRepo?: PythonRepository;
  /** Absent with `hosts.createPrivateHost: false` (repositories, plumbing and the bootstrap only). */
  readonly privateHost?: AirlockHost;
  readonly publicHost?: AirlockHost;
  /** Your own VMs: a template carrying the bootstrap, and optionally a managed instance group. */
  readonly fleet?: PrivateFleet;
  /** The private host's rendered bootstrap: attach it to any VM on the private network. */
  readonly bootstrapScript: string;
  readonly mirrorScript?: string;
  /** Every script the stack renders, with its settings: the synth publishes each beside the stack's Terraform. */
  readonly startupScripts: StartupScript[] = [];

  constructor(scope: Construct, name: string, props: AirlockStackProps) {
    super(scope, name);
    const { config } = props;
    const project = config.projectId;
    const labels = { ...config.labels, "managed-by": "pip-airlock", "airlock-env": name };

    new GoogleProvider(this, "google", { project, region: config.region, zone: config.zone });
    if (config.stateBucket) {
      new GcsBackend(this, { bucket: config.stateBucket.bucket, prefix: `${config.stateBucket.prefix}/${name}` });
    } else {
      // cdktf's default is an absolute path of the machine that synthesized; relative to the stack's
      // folder (cdktf.out/stacks/NAME) this is the same project-root file, on every machine.
      new LocalBackend(this, { path: `../../../terraform.${name}.tfstate` });
    }
    new TimeProvider(this, "time");
    const services = new ProjectServices(this, "services", {
      project,
      services: [...REQUIRED_SERVICES, ...(config.schedule ? [SCHEDULER_SERVICE] : [])],
      propagationSeconds: API_PROPAGATION_SECONDS,
    });

    const privateIdentity = config.hosts.createPrivateHost
      ? new HostIdentity(this, "private-host-identity", {
          project,
          accountId: config.hosts.privateAccountId,
          displayName: "pip-airlock private host: reads Artifact Registry",
        })
      : undefined;
    const fleetIdentity = config.fleet
      ? new HostIdentity(this, "fleet-identity", { project, accountId: config.fleet.accountId, displayName: "pip-airlock fleet: reads Artifact Registry" })
      : undefined;
    this.privateNetwork = new PrivateNetwork(this, "private-network", {
      project,
      name: config.networks.private.name,
      region: config.region,
      subnetCidr: config.networks.private.subnetCidr,
      existing: config.networks.private.existing,
      manage: config.networks.private.manage,
      googleApis: config.networks.private.googleApis,
      sshTargetServiceAccounts: [privateIdentity, fleetIdentity].flatMap((identity) => (identity ? [identity.email] : [])),
      logging: config.logging,
    });

    const repos = config.repositories;
    // google-beta: for the AR service agent (CMEK) and AR's VPC-SC policy. Named explicitly on each
    // resource: by its type's prefix Terraform would pick `google`, which lacks them.
    let betaProvider: GoogleBetaProvider | undefined;
    const beta = () => (betaProvider ??= new GoogleBetaProvider(this, "google-beta", { project, region: config.region }));
    const encryption = repos.kmsKeyName ? new RepositoryEncryption(this, "repository-encryption", { project, kmsKeyName: repos.kmsKeyName, betaProvider: beta() }) : undefined;
    const repo = (id: string, props: Pick<PythonRepositoryProps, "repositoryId" | "description" | "kind" | "upstreams" | "cleanup">) =>
      new PythonRepository(this, id, { project, location: config.region, labels, kmsKeyName: repos.kmsKeyName, createdAfter: encryption ? [encryption.grant] : undefined, ...props });
    this.privateRepo = repo("private-repo", { repositoryId: repos.private, description: "Private Python packages", cleanup: repos.cleanup.private });
    this.privateRepo.grantAll(repos.access.private);
    this.helpersRepo =
      config.mode === "mirror"
        ? repo("auth-repo", { repositoryId: repos.auth, description: "pip-airlock: keyring and the Artifact Registry auth helpers only", cleanup: repos.cleanup.auth })
        : repo("pypi-remote-repo", { repositoryId: repos.remote, description: "pip-airlock: PyPI proxy serving the auth helpers", kind: "remote" });
    // The auth repo's only writer is the public host (below): others may only read it.
    this.helpersRepo.grantAll({ readers: (config.mode === "mirror" ? repos.access.auth : repos.access.remote).readers });
    if (config.repositories.virtual.enabled) {
      this.virtualRepo = repo("virtual-repo", {
        repositoryId: config.repositories.virtual.id,
        description: "pip-airlock: one index, private packages first",
        kind: "virtual",
        upstreams: [
          { repository: this.privateRepo, priority: UPSTREAM_PRIORITY.private },
          { repository: this.helpersRepo, priority: UPSTREAM_PRIORITY.helpers },
        ],
      });
      this.virtualRepo.grantAll(repos.access.virtual);
    }
    const pipIndex = this.virtualRepo ?? this.privateRepo;
    const endpoints: ScriptEndpoints = {
      arHost: this.privateRepo.host,
      helpersIndexUrl: this.helpersRepo.indexUrl,
      helpersUploadUrl: config.mode === "mirror" ? this.helpersRepo.uploadUrl : undefined,
      pipIndexUrl: pipIndex.keyringIndexUrl,
      uploadRepoUrl: this.privateRepo.uploadUrl,
    };

    // Artifact Registry's default inside a VPC-SC perimeter is DENY: a remote repository could not reach PyPI.
    // The provider is named explicitly: by its type's prefix Terraform would pick `google`, which lacks it.
    const vpcscPolicy =
      config.mode === "remote" && config.repositories.vpcscPolicy === "manage"
        ? new GoogleArtifactRegistryVpcscConfig(this, "ar-vpcsc-policy", {
            provider: beta(),
            project,
            location: config.region,
            vpcscPolicy: "ALLOW",
          })
        : undefined;
    /** Read grants on every repository for a VM identity, and all its bootstrap needs before the first boot. */
    const readerNeeds = (grantId: string, identity: HostIdentity): ITerraformDependable[] => [
      ...this.privateNetwork.reachesGoogleApis,
      ...[this.helpersRepo, this.privateRepo, this.virtualRepo].flatMap((readable) => (readable ? [readable.grantRead(grantId, identity.member)] : [])),
      ...(vpcscPolicy ? [vpcscPolicy] : []),
    ];
    const privateHostNeeds = privateIdentity ? readerNeeds("private-host-reader", privateIdentity) : [];
    const fleetNeeds = fleetIdentity ? readerNeeds("fleet-reader", fleetIdentity) : [];
    const bootstrap = bootstrapScript(props.templates, config, endpoints);
    this.startupScripts.push(bootstrap);
    this.bootstrapScript = bootstrap.text;
    // A changed bootstrap (index, packages, venv, timeouts) replaces the private host, so it runs on the
    // next deploy and not at some later reboot; the fleet rolls through its template instead.
    const bootstrapFingerprint = privateIdentity && new ReplacementFingerprint(this, "bootstrap-fingerprint", { spec: { script: this.bootstrapScript }, key: "bootstrap_sha256" });
    this.privateHost = privateIdentity && new AirlockHost(this, "private-host", {
      project,
      name: config.hosts.privateName,
      zone: config.zone,
      machineType: config.hosts.machineType,
      image: config.hosts.image,
      subnet: this.privateNetwork.subnet,
      serviceAccountEmail: privateIdentity.email,
      role: "bootstrap",
      startupScript: bootstrap,
      labels,
      replaceWhenReplaced: bootstrapFingerprint?.resource,
      bootsAfter: privateHostNeeds,
    });
    if (config.fleet && fleetIdentity) {
      this.fleet = new PrivateFleet(this, "fleet", {
        project,
        name: config.fleet.name,
        region: config.region,
        zone: config.zone,
        machineType: config.fleet.machineType,
        image: config.fleet.image,
        subnet: this.privateNetwork.subnet,
        serviceAccountEmail: fleetIdentity.email,
        startupScript: bootstrap,
        labels,
        size: config.fleet.size,
        bootsAfter: fleetNeeds,
      });
      new TerraformOutput(this, "fleet_template_self_link", { value: this.fleet.template.selfLink, description: "Instance template carrying the bootstrap" });
      new TerraformOutput(this, "fleet_service_account", { value: fleetIdentity.email, description: "The fleet's service account (reads the repositories)" });
      if (this.fleet.group) {
        new TerraformOutput(this, "fleet_group_self_link", { value: this.fleet.group.selfLink, description: "Managed instance group running the template" });
        new TerraformOutput(this, "fleet_progress", { value: this.fleet.progressCommand, description: "Each VM of the fleet's group and its bootstrap's status (ready, failed, ...)" });
      }
    }

    if (config.mode === "mirror") {
      if (!config.networks.public) throw new Error(`${this.node.path}: mirror mode needs networks.public`);
      const publicIdentity = new HostIdentity(this, "public-host-identity", {
        project,
        accountId: config.hosts.publicAccountId,
        displayName: "pip-airlock public host: fills the auth repo",
      });
      this.publicNetwork = new PublicNetwork(this, "public-network", {
        project,
        name: config.networks.public.name,
        region: config.region,
        subnetCidr: config.networks.public.subnetCidr,
        existing: config.networks.public.existing,
        hostServiceAccounts: [publicIdentity.email],
        logging: config.logging,
      });
      const writeGrant = this.helpersRepo.grantWrite("public-host-writer", publicIdentity.member);
      const mirror = mirrorScript(props.templates, config, endpoints, props.lockContent);
      this.startupScripts.push(mirror);
      this.mirrorScript = mirror.text;
      const fingerprint = new ReplacementFingerprint(this, "mirror-fingerprint", {
        spec: {
          packages: config.mirror.packages,
          targets: config.mirror.targets.map(({ python, arch, platforms }) => ({ python, arch, platforms })),
          bootstrapPip: config.mirror.bootstrapPip,
          sourceIndexUrl: config.mirror.sourceIndexUrl,
          lock: props.lockContent,
          script: this.mirrorScript,
        },
      });
      this.publicHost = new AirlockHost(this, "public-host", {
        project,
        name: config.hosts.publicName,
        zone: config.zone,
        machineType: config.hosts.machineType,
        image: config.hosts.publicImage,
        subnet: this.publicNetwork.subnet,
        serviceAccountEmail: publicIdentity.email,
        role: "mirror",
        startupScript: mirror,
        labels,
        replaceWhenReplaced: fingerprint.resource,
        bootsAfter: [...this.publicNetwork.reachesInternet, writeGrant],
      });
      if (config.schedule) {
        const schedule = new MirrorSchedule(this, "mirror-schedule", {
          project,
          region: config.region,
          zone: config.zone,
          stackName: name,
          publicHost: this.publicHost,
          publicHostName: config.hosts.publicName,
          schedule: config.schedule.cron,
          timeZone: config.schedule.timeZone,
          accountId: config.schedule.accountId,
        });
        new TerraformOutput(this, "mirror_schedule", {
          value: { job: schedule.job.name, schedule: config.schedule.cron, time_zone: config.schedule.timeZone, run_now: schedule.runCommand },
          description: "The Cloud Scheduler job that re-runs the mirror, and how to run it now",
        });
      }
      hostOutputs(this, "public_host", "the public host (mirror)", this.publicHost);
      new TerraformOutput(this, "public_host_service_account", { value: publicIdentity.email, description: "The public host's service account (the auth repo's only writer)" });
      new TerraformOutput(this, "auth_repo_index_url", { value: this.helpersRepo.indexUrl, description: "Index of the auth helpers" });
      new TerraformOutput(this, "mirror_spec_sha256", { value: fingerprint.sha256, description: "Fingerprint of what the mirror uploads" });
      new TerraformOutput(this, "mirror_targets", {
        value: config.mirror.targets.map((t) => `CPython ${t.python}, glibc ${t.glibc}, ${t.arch} (${t.declaredBy.join(", ")})`),
        description: "What the mirror downloads wheels for: each VM image's CPython, glibc and CPU",
      });
    } else {
      new TerraformOutput(this, "pypi_remote_index_url", { value: this.helpersRepo.indexUrl, description: "PyPI proxy serving the auth helpers" });
    }
    new TerraformOutput(this, "private_repo_index_url", { value: this.privateRepo.indexUrl, description: "Index of your private packages" });
    new TerraformOutput(this, "private_repo_upload_url", { value: this.privateRepo.uploadUrl, description: "twine upload endpoint for private packages" });
    if (this.virtualRepo) {
      new TerraformOutput(this, "virtual_repo_index_url", { value: this.virtualRepo.indexUrl, description: "One index: private packages first" });
    }
    new TerraformOutput(this, "pip_index_url", { value: pipIndex.keyringIndexUrl, description: "pip index-url the private host is configured with" });
    if (privateIdentity) {
      new TerraformOutput(this, "private_host_service_account", { value: privateIdentity.email, description: "The private host's service account" });
    }
    new TerraformOutput(this, "private_subnet_self_link", { value: this.privateNetwork.subnet.selfLink, description: "The private subnet, for your own VMs and templates" });
    const repositories = { private: this.privateRepo, [config.mode === "mirror" ? "auth" : "remote"]: this.helpersRepo, ...(this.virtualRepo ? { virtual: this.virtualRepo } : {}) };
    new TerraformOutput(this, "repositories", {
      value: Object.fromEntries(
        Object.entries(repositories).map(([key, r]) => [key, { id: r.repository.id, repository_id: r.repositoryId, index_url: r.indexUrl, upload_url: r.uploadUrl }]),
      ),
      description: "Each repository's resource id, repository id, pip index and twine upload URL",
    });
    if (this.privateHost) hostOutputs(this, "private_host", "the private host (bootstrap)", this.privateHost);
    new TerraformOutput(this, "next_steps", {
      value: nextSteps({ publicHost: this.publicHost, mirrorStops: config.mirror.stopWhenDone, privateHost: this.privateHost, fleet: this.fleet, uploadUrl: this.privateRepo.uploadUrl }),
      description: "What to run after a deploy",
    });
    new TerraformOutput(this, "private_host_bootstrap_script", {
      value: terraformLiteral(this.bootstrapScript),
      description: "Startup script that bootstraps keyring and pip on any VM of the private network",
    });
    services.orderBefore(this);
  }
}

/** `<prefix>_ssh`, `<prefix>_progress`, `<prefix>_log`: the commands an operator runs against a host. */
function hostOutputs(stack: TerraformStack, prefix: string, what: string, host: AirlockHost): void {
  new TerraformOutput(stack, `${prefix}_ssh`, { value: host.sshCommand, description: `SSH to ${what} through IAP` });
  new TerraformOutput(stack, `${prefix}_progress`, { value: host.progressCommand, description: `Status of ${what}'s startup script (guest attributes)` });
  new TerraformOutput(stack, `${prefix}_log`, { value: host.logCommand, description: `Log of ${what}'s startup script (its serial console, kept in Cloud Logging)` });
}

/** The first things to run after a deploy, in order, with this deployment's names. */
export function nextSteps(deployment: { publicHost?: AirlockHost; mirrorStops: boolean; privateHost?: AirlockHost; fleet?: PrivateFleet; uploadUrl: string }): string {
  const { publicHost, privateHost, fleet, uploadUrl } = deployment;
  const stops = deployment.mirrorStops ? ", then the VM stops itself" : "";
  const steps = [
    ...(publicHost ? [`Watch the mirror fill the auth repo (status "ready"${stops}; detail: public_host_log):\n   ${publicHost.progressCommand}`] : []),
    ...(privateHost
      ? [`Watch the private host install the helpers and configure pip (status "ready"; detail: private_host_log):\n   ${privateHost.progressCommand}`]
      : fleet?.progressCommand
        ? []
        : [`Attach the bootstrap to your VMs on the private subnet (private_subnet_self_link): the startup-script private_host_bootstrap_script, or cdktf.out/stacks/<stack>/private-host-bootstrap.sh`]),
    ...(fleet?.progressCommand ? [`Watch the fleet's VMs bootstrap, one line per VM with its status ("ready" on each; a VM that is "failed" has failed-step too):\n   ${fleet.progressCommand}`] : []),
    `Upload a private package (where twine and keyrings.google-artifactregistry-auth are installed):\n   twine upload --repository-url ${uploadUrl} dist/*`,
    privateHost
      ? `Install it on the private host, as any user:\n   ${privateHost.sshCommand}\n   virtualenv v && v/bin/pip install your-package`
      : `Install it on one of your VMs, as any user:\n   virtualenv v && v/bin/pip install your-package`,
  ];
  return `${steps.map((step, i) => `${i + 1}. ${step}`).join("\n")}\n`;
}
