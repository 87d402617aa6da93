import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { TimeProvider } from "@cdktf/provider-time/lib/provider";
import { GcsBackend, LocalBackend, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { EnvironmentConfig } from "../config/schema";
import { VpcSharing } from "../config/shared-vpc";
import { SCRIPT_FILES_CONTEXT } from "../startup-script/script-reference";
import { leaveGroupsOutOfAddresses } from "./address-scheme";
import { AirlockHost } from "./airlock-host";
import { AirlockRepositories } from "./airlock-repositories";
import { MirrorSide } from "./mirror-side";
import { PipAirlock } from "./pip-airlock";
import { PrivateFleet } from "./private-fleet";
import { PrivateNetwork } from "./private-network";
import { PublicNetwork } from "./public-network";
import { PythonRepository } from "./python-repository";
import { PrivateSide } from "./private-side";
import { StartupScript } from "../startup-script/scripts";
import { StartupSources } from "../startup-script/sources";

export { UPSTREAM_PRIORITY } from "./airlock-repositories";
export { API_PROPAGATION_SECONDS, KMS_SERVICE, REQUIRED_SERVICES, SCHEDULER_SERVICE } from "./pip-airlock";
export { nextSteps } from "./next-steps";

export interface AirlockStackProps {
  readonly config: EnvironmentConfig;
  /** Content of the hash-pinned lock the mirror downloads with, or "". */
  readonly lockContent: string;
  /** What the startup scripts are made of: the trampoline template and the host agent (read by the synth). */
  readonly startupSources: StartupSources;
  /** How the environment's private VPC is shared with the config's other environments (config/shared-vpc.ts). */
  readonly sharing?: VpcSharing;
}

/**
 * One environment of the pip-airlock app: its providers and backend, and the PipAirlock construct (the
 * the README's diagram), whose resources keep the addresses this stack gave them before it was a library.
 */
export class AirlockStack extends TerraformStack {
  /** Everything the stack deploys. */
  readonly airlock: PipAirlock;

  constructor(scope: Construct, name: string, props: AirlockStackProps) {
    super(scope, name);
    // A resource's Terraform address leaves out the ConstructGroups on its path (the PipAirlock, its
    // parts; see ConstructGroup), so the addresses in a team's state do not depend on how the stack is grouped.
    leaveGroupsOutOfAddresses(this);
    // The app's synth writes each script beside cdk.tf.json (synth/synthesize.ts): the Terraform reads it there.
    this.node.setContext(SCRIPT_FILES_CONTEXT, true);
    const { config } = props;
    new GoogleProvider(this, "google", { project: config.projectId, region: config.region, zone: config.zone });
    if (config.stateBucket) {
      new GcsBackend(this, { bucket: config.stateBucket.bucket, prefix: `${config.stateBucket.prefix}/${name}` });
    } else {
      // cdktf's default is an absolute path of the machine that synthesized; relative to the stack's
      // folder (cdktf.out/stacks/NAME) this is the same project-root file, on every machine.
      new LocalBackend(this, { path: `../../../terraform.${name}.tfstate` });
    }
    new TimeProvider(this, "time");
    this.airlock = new PipAirlock(this, "pip-airlock", {
      validatedConfig: config,
      environment: name,
      lockContent: props.lockContent,
      startupSources: props.startupSources,
      idInAddresses: false,
      sharing: props.sharing,
    });
  }

  get repositories(): AirlockRepositories {
    return this.airlock.repositories;
  }

  /** The private VPC, the bootstrap, the private host and the fleet. */
  get privateSide(): PrivateSide {
    return this.airlock.privateSide;
  }

  /** Mirror mode only: the public VPC and the public host that fills the auth repo. */
  get mirrorSide(): MirrorSide | undefined {
    return this.airlock.mirrorSide;
  }

  get privateNetwork(): PrivateNetwork {
    return this.airlock.privateNetwork;
  }

  /** The private host's rendered bootstrap: attach it to any VM on the private network. */
  get bootstrapScript(): string {
    return this.airlock.bootstrapScript;
  }

  /** Every script the stack renders, with its settings: the synth publishes each beside the stack's Terraform. */
  get startupScripts(): StartupScript[] {
    return this.airlock.startupScripts;
  }

  get privateHost(): AirlockHost | undefined {
    return this.airlock.privateHost;
  }

  get fleet(): PrivateFleet | undefined {
    return this.airlock.fleet;
  }

  get privateRepo(): PythonRepository {
    return this.airlock.privateRepo;
  }

  /** Serves the auth helpers: the auth repo (mirror) or the PyPI remote repo (remote). */
  get helpersRepo(): PythonRepository {
    return this.airlock.helpersRepo;
  }

  get virtualRepo(): PythonRepository | undefined {
    return this.airlock.virtualRepo;
  }

  get publicNetwork(): PublicNetwork | undefined {
    return this.airlock.publicNetwork;
  }

  get publicHost(): AirlockHost | undefined {
    return this.airlock.publicHost;
  }

  get mirrorScript(): string | undefined {
    return this.airlock.mirrorScript;
  }
}
