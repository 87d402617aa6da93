import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { GoogleBetaProvider } from "@cdktf/provider-google-beta/lib/provider";
import { TimeProvider } from "@cdktf/provider-time/lib/provider";
import { GcsBackend, LocalBackend, TerraformElement, TerraformStack } from "cdktf";
import { Construct, Node } from "constructs";
import { EnvironmentConfig } from "../config/schema";
import { AirlockHost } from "./airlock-host";
import { AirlockRepositories } from "./airlock-repositories";
import { ConstructGroup } from "./construct-group";
import { Consumers } from "./consumers";
import { MirrorSide } from "./mirror-side";
import { PrivateFleet } from "./private-fleet";
import { PrivateNetwork } from "./private-network";
import { ProjectServices } from "./project-services";
import { PublicNetwork } from "./public-network";
import { PythonRepository } from "./python-repository";
import { stackOutput } from "./stack-output";
import { PrivateSide } from "./private-side";
import { StartupScript } from "../startup-script/scripts";
import { StartupSources } from "../startup-script/sources";
import { sharedAddresses } from "./unique-addresses";

export { UPSTREAM_PRIORITY } from "./airlock-repositories";

export interface AirlockStackProps {
  readonly config: EnvironmentConfig;
  /** Content of the hash-pinned lock the mirror downloads with, or "". */
  readonly lockContent: string;
  /** What the startup scripts are made of: the trampoline template and the host agent (read by the synth). */
  readonly startupSources: StartupSources;
}

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

/** Cloud KMS, for the mirror's signing key (mirror mode only): the mirror signs with it, the hosts read its public key. */
export const KMS_SERVICE = "cloudkms.googleapis.com";

/** Cloud Scheduler, for `mirror.schedule` only. */
export const SCHEDULER_SERVICE = "cloudscheduler.googleapis.com";

/** How long the first apply waits after enabling the APIs (see ProjectServices). */
export const API_PROPAGATION_SECONDS = 60;

/**
 * One environment of pip-airlock, as the README's diagram draws it: the private VPC, the repositories,
 * in `mirror` mode the mirror side (public VPC and host) that fills the auth repo, and the private host
 * and fleet that bootstrap from it.
 */
export class AirlockStack extends TerraformStack {
  readonly repositories: AirlockRepositories;
  /** The private VPC, the bootstrap, the private host and the fleet. */
  readonly privateSide: PrivateSide;
  /** Mirror mode only: the public VPC and the public host that fills the auth repo. */
  readonly mirrorSide?: MirrorSide;

  constructor(scope: Construct, name: string, props: AirlockStackProps) {
    super(scope, name);
    this.node.addValidation({ validate: () => sharedAddresses(this) });
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
      services: [...REQUIRED_SERVICES, ...(config.mode === "mirror" ? [KMS_SERVICE] : []), ...(config.schedule ? [SCHEDULER_SERVICE] : [])],
      propagationSeconds: API_PROPAGATION_SECONDS,
    });
    // google-beta: for the AR service agent (CMEK) and AR's VPC-SC policy. Named explicitly on each
    // resource: by its type's prefix Terraform would pick `google`, which lacks them.
    let betaProvider: GoogleBetaProvider | undefined;
    const beta = () => (betaProvider ??= new GoogleBetaProvider(this, "google-beta", { project, region: config.region }));

    this.repositories = new AirlockRepositories(this, "artifact-registry", { config, labels, betaProvider: beta });
    this.privateSide = new PrivateSide(this, "private", { config, labels, repositories: this.repositories, startupSources: props.startupSources, lockContent: props.lockContent });
    new Consumers(this, "consumers", { config, repositories: this.repositories, network: this.privateSide.network, bootstrap: this.privateSide.bootstrap });
    if (config.mode === "mirror" && this.repositories.signing) {
      this.mirrorSide = new MirrorSide(this, "mirror", {
        config,
        stackName: name,
        labels,
        authRepo: this.repositories.helpersRepo,
        signing: this.repositories.signing,
        endpoints: this.repositories.scriptEndpoints,
        startupSources: props.startupSources,
        lockContent: props.lockContent,
      });
    }

    stackOutput(
      this,
      "next_steps",
      nextSteps({ publicHost: this.publicHost, mirrorStops: config.mirror.stopWhenDone, privateHost: this.privateHost, fleet: this.fleet, uploadUrl: this.privateRepo.uploadUrl }),
      "What to run after a deploy",
    );
    services.orderBefore(this);
  }

  get privateNetwork(): PrivateNetwork {
    return this.privateSide.network;
  }

  /** The private host's rendered bootstrap: attach it to any VM on the private network. */
  get bootstrapScript(): string {
    return this.privateSide.bootstrap.text;
  }

  /** Every script the stack renders, with its settings: the synth publishes each beside the stack's Terraform. */
  get startupScripts(): StartupScript[] {
    return [this.privateSide.bootstrap, ...(this.mirrorSide ? [this.mirrorSide.script] : [])];
  }

  get privateHost(): AirlockHost | undefined {
    return this.privateSide.host;
  }

  get fleet(): PrivateFleet | undefined {
    return this.privateSide.fleet;
  }

  get privateRepo(): PythonRepository {
    return this.repositories.privateRepo;
  }

  /** Serves the auth helpers: the auth repo (mirror) or the PyPI remote repo (remote). */
  get helpersRepo(): PythonRepository {
    return this.repositories.helpersRepo;
  }

  get virtualRepo(): PythonRepository | undefined {
    return this.repositories.virtualRepo;
  }

  get publicNetwork(): PublicNetwork | undefined {
    return this.mirrorSide?.network;
  }

  get publicHost(): AirlockHost | undefined {
    return this.mirrorSide?.host;
  }

  get mirrorScript(): string | undefined {
    return this.mirrorSide?.script.text;
  }

  /**
   * A resource's Terraform address leaves out the ConstructGroups on its path (see ConstructGroup), so
   * the addresses in a team's state do not depend on how the stack's parts are grouped.
   */
  protected allocateLogicalId(element: TerraformElement | Node): string {
    const node = TerraformElement.isTerraformElement(element) ? element.node : element;
    // The base class reads only `scopes` (and each scope's id) of what it is given.
    return super.allocateLogicalId({ scopes: node.scopes.filter((scope) => !ConstructGroup.isGroup(scope)) } as unknown as Node);
  }
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
