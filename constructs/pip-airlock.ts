import { GoogleBetaProvider } from "@cdktf/provider-google-beta/lib/provider";
import { TimeProvider } from "@cdktf/provider-time/lib/provider";
import { Annotations, TerraformProvider, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AirlockConfig, validateAirlockConfig } from "../config/airlock-config";
import { VpcSharing } from "../config/shared-vpc";
import { EnvironmentConfig } from "../config/schema";
import { consumerAccounts } from "../config/consumers";
import { vipDnsNames } from "../config/network-names";
import { bootstrapScript, mirrorScript, StartupScript } from "../startup-script/scripts";
import { packageStartupSources } from "../startup-script/package-sources";
import { StartupSources } from "../startup-script/sources";
import { keepInAddresses, leaveGroupsOutOfAddresses } from "./address-scheme";
import { AirlockHost } from "./airlock-host";
import { AirlockRepositories } from "./airlock-repositories";
import { ConstructGroup } from "./construct-group";
import { Consumers } from "./consumers";
import { checkGuardrails, violationLine, wasCheckedWhole } from "./guardrails/check";
import { MirrorSide } from "./mirror-side";
import { nextSteps } from "./next-steps";
import { PrivateFleet } from "./private-fleet";
import { PrivateNetwork } from "./private-network";
import { PrivateSide } from "./private-side";
import { ProjectServices } from "./project-services";
import { PublicNetwork } from "./public-network";
import { PythonRepository } from "./python-repository";
import { prefixOutputs, stackOutput } from "./stack-output";
import { defaultProviders, PROVIDER_TYPES, providerProblems } from "./stack-providers";

/**
 * Every API the construct calls: iam for the service accounts (a new project refuses them without it),
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

/** Providers a team passes instead of its stack's default ones (e.g. aliased ones). */
export interface PipAirlockProviders {
  /** For the Artifact Registry service agent (CMEK) and AR's VPC-SC policy. @default the stack's default google-beta provider, or one the construct adds */
  readonly googleBeta?: GoogleBetaProvider;
  /** For the wait after enabling the APIs. @default the stack's default time provider, or one the construct adds */
  readonly time?: TimeProvider;
}

export interface PipAirlockProps {
  /**
   * One environment's settings: the keys of one environment of the config file (docs/configuration.md),
   * each with its documented default when left out. Validated here: a bad value throws a ConfigError
   * naming the field and the fix. Give this or `validatedConfig`.
   */
  readonly config?: AirlockConfig;
  /** Settings validated already (`loadConfig`, `validateAirlockConfig`): used as they are. Give this or `config`. */
  readonly validatedConfig?: EnvironmentConfig;
  /** The environment's name (label `airlock-env`, the mirror's start role): lowercase letters, digits or '-'. @default the construct's id */
  readonly environment?: string;
  /**
   * With `config`: the content of the lock `mirror.lockFile` names, instead of reading that file.
   * With `validatedConfig`: the lock's content as read, or "" for none. @default read from `baseDir`
   */
  readonly lockContent?: string;
  /** Where a relative `mirror.lockFile` is read from. @default process.cwd() */
  readonly baseDir?: string;
  /** What the startup scripts are made of. @default the trampoline (assets/) and the host agent (agent/) shipped in this package */
  readonly startupSources?: StartupSources;
  /** Starts the name of every output the construct adds to the stack (`next_steps`, `private_host_ssh`, ...). @default "" */
  readonly outputPrefix?: string;
  /**
   * Whether the construct's id starts the Terraform address of each of its resources
   * (`google_compute_network.airlock_private-network_...`). `false` names them as the pip-airlock app does
   * (`google_compute_network.private-network_E9C6BC91`), so a stack deployed with the app moves to the
   * library without moving state; a stack can hold only one such PipAirlock. @default true
   */
  readonly idInAddresses?: boolean;
  readonly providers?: PipAirlockProviders;
  /**
   * How the private VPC is shared with other environments of one config file (`loadConfig` works it out):
   * which environment owns the VIP route and the DNS, and which depend on it. @default not shared
   */
  readonly sharing?: VpcSharing;
}

/**
 * pip-airlock in a team's own stack: the private VPC (or the plumbing added to an existing one), the
 * Artifact Registry repositories, in `mirror` mode the mirror side (public VPC and host) that fills the
 * auth repo, and the private host and fleet that bootstrap from it, with the APIs they need and their
 * outputs. Uses the stack's default google provider; its guardrails judge its own resources, and the
 * stack's others that name one of them, at synth.
 */
export class PipAirlock extends ConstructGroup {
  /** The environment's settings, validated, every default applied. */
  readonly config: EnvironmentConfig;
  readonly environment: string;
  /** What the config cannot be checked for here (a region or image pip-airlock does not know), one line each. */
  readonly notes: readonly string[];
  readonly services: ProjectServices;
  readonly repositories: AirlockRepositories;
  /** The private VPC, the bootstrap, the private host and the fleet. */
  readonly privateSide: PrivateSide;
  /** Mirror mode only: the public VPC and the public host that fills the auth repo. */
  readonly mirrorSide?: MirrorSide;
  /** The providers the construct added because the stack had none of that type. */
  private readonly addedProviders: TerraformProvider[] = [];

  constructor(scope: Construct, id: string, props: PipAirlockProps) {
    super(scope, id);
    const stack = TerraformStack.of(this);
    leaveGroupsOutOfAddresses(stack);
    if (props.idInAddresses ?? true) keepInAddresses(this);
    if (props.outputPrefix) prefixOutputs(this, props.outputPrefix);
    this.environment = props.environment ?? id;
    const source = `PipAirlock ${this.node.path}`;
    if ((props.config === undefined) === (props.validatedConfig === undefined))
      throw new Error(`${source}: give either config or validatedConfig`);
    const loaded = props.config
      ? validateAirlockConfig(props.config, {
          environment: this.environment,
          source,
          lockContent: props.lockContent,
          baseDir: props.baseDir,
        })
      : { config: props.validatedConfig!, lockContent: props.lockContent ?? "", notes: [] };
    const { config, lockContent } = loaded;
    this.config = config;
    this.notes = loaded.notes;
    for (const note of this.notes) Annotations.of(this).addInfo(note);
    const startupSources = props.startupSources ?? packageStartupSources();
    const project = config.projectId;
    const labels = { ...config.labels, "managed-by": "pip-airlock", "airlock-env": this.environment };

    if (!props.providers?.time && defaultProviders(stack, PROVIDER_TYPES.time).length === 0)
      this.addProvider(new TimeProvider(this, "time"));
    this.services = new ProjectServices(this, "services", {
      project,
      services: [...REQUIRED_SERVICES, ...(config.mode === "mirror" ? [KMS_SERVICE] : []), ...(config.schedule ? [SCHEDULER_SERVICE] : [])],
      propagationSeconds: API_PROPAGATION_SECONDS,
      timeProvider: props.providers?.time,
    });
    // At synth: everything of this construct, and the stack's other resources in the project, wait for the APIs.
    this.services.orderBefore(this);
    // google-beta: for the AR service agent (CMEK) and AR's VPC-SC policy. Named explicitly on each
    // resource: by its type's prefix Terraform would pick `google`, which lacks them.
    let betaProvider: TerraformProvider | undefined;
    const beta = () =>
      (betaProvider ??=
        props.providers?.googleBeta ??
        defaultProviders(stack, PROVIDER_TYPES.googleBeta)[0] ??
        this.addProvider(new GoogleBetaProvider(this, "google-beta", { project, region: config.region }))) as GoogleBetaProvider;

    this.repositories = new AirlockRepositories(this, "artifact-registry", {
      project,
      location: config.region,
      repositories: config.repositories,
      helpers: config.mode === "mirror" ? { mode: "mirror", signing: config.mirror.signing } : { mode: "remote" },
      labels,
      betaProvider: beta,
    });
    const { hosts } = config;
    this.privateSide = new PrivateSide(this, "private", {
      project,
      region: config.region,
      zone: config.zone,
      environment: this.environment,
      network: config.networks.private,
      vipNames: vipDnsNames(config),
      sharing: props.sharing,
      privateHost: hosts.createPrivateHost
        ? { name: hosts.privateName, accountId: hosts.privateAccountId, machineType: hosts.machineType, image: hosts.image }
        : undefined,
      fleet: config.fleet,
      consumerAccounts: consumerAccounts(config.consumers),
      logging: config.logging,
      labels,
      bootstrap: bootstrapScript(startupSources, config, this.repositories.scriptEndpoints, lockContent),
      repositories: this.repositories,
    });
    const consumers = new Consumers(this, "consumers", {
      config,
      repositories: this.repositories,
      network: this.privateSide.network,
      bootstrap: this.privateSide.bootstrap,
    });
    if (config.mode === "mirror" && this.repositories.signing) {
      const authRepo = this.repositories.helpersRepo;
      this.mirrorSide = new MirrorSide(this, "mirror", {
        project,
        region: config.region,
        zone: config.zone,
        stackName: this.environment,
        labels,
        network: config.networks.public,
        publicHost: { name: hosts.publicName, accountId: hosts.publicAccountId, machineType: hosts.machineType, image: hosts.publicImage },
        mirror: config.mirror,
        schedule: config.schedule,
        logging: config.logging,
        authRepo,
        signing: this.repositories.signing,
        script: mirrorScript(
          startupSources,
          config,
          { ...this.repositories.scriptEndpoints, helpersUploadUrl: authRepo.uploadUrl },
          lockContent,
        ),
        lockContent,
      });
    }

    stackOutput(
      this,
      "next_steps",
      nextSteps({
        publicHost: this.publicHost,
        mirrorStops: config.mirror.stopWhenDone,
        privateHost: this.privateHost,
        fleet: this.fleet,
        uploadUrl: this.privateRepo.uploadUrl,
        consumerOutputs: consumers.outputNames,
      }),
      "What to run after a deploy",
    );
    this.node.addValidation({ validate: () => [...providerProblems(stack, this.addedProviders), ...this.guardrailProblems(stack)] });
  }

  get privateNetwork(): PrivateNetwork {
    return this.privateSide.network;
  }

  /** The private host's rendered bootstrap: attach it to any VM on the private network. */
  get bootstrapScript(): string {
    return this.privateSide.bootstrap.text;
  }

  /** Every script the construct renders, with its settings. */
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

  private addProvider<P extends TerraformProvider>(provider: P): P {
    this.addedProviders.push(provider);
    return provider;
  }

  /**
   * The guardrails, on what this construct builds, as validation errors (the same lines as GuardrailError's).
   * A stack the app checked whole before its synth is not checked again: its error annotations fail the synth.
   */
  private guardrailProblems(stack: TerraformStack): string[] {
    if (wasCheckedWhole(stack)) return [];
    return checkGuardrails([stack], { within: this }).violations.map(violationLine);
  }
}
