import { Construct } from "constructs";
import { consumerAccounts } from "../config/consumers";
import { EnvironmentConfig } from "../config/schema";
import { bootstrapScript, StartupScript } from "../startup-script/scripts";
import { StartupSources } from "../startup-script/sources";
import { AirlockHost } from "./airlock-host";
import { AirlockRepositories } from "./airlock-repositories";
import { ConstructGroup } from "./construct-group";
import { EgressAllowList } from "./egress-allow-list";
import { HostIdentity } from "./host-identity";
import { PrivateFleet } from "./private-fleet";
import { PrivateNetwork } from "./private-network";
import { ReplacementFingerprint } from "./replacement-fingerprint";
import { stackOutput } from "./stack-output";
import { terraformLiteral } from "./terraform-literal";

export interface PrivateSideProps {
  readonly config: EnvironmentConfig;
  readonly labels: Record<string, string>;
  readonly repositories: AirlockRepositories;
  /** What the bootstrap is made of (the trampoline and the agent). */
  readonly startupSources: StartupSources;
  /** Content of the hash-pinned lock (`mirror.lockFile`), or "": the bootstrap installs no file it does not pin. */
  readonly lockContent: string;
}

/**
 * Where the workloads run: the private VPC (no NAT, only the Google APIs VIP), the bootstrap every VM
 * on it runs, the private host and the fleet that run it, each with an identity that may only read the
 * repositories, and their outputs.
 */
export class PrivateSide extends ConstructGroup {
  readonly network: PrivateNetwork;
  /** The rendered bootstrap: attach it to any VM on the private network. */
  readonly bootstrap: StartupScript;
  /** Absent with `hosts.createPrivateHost: false` (repositories, plumbing and the bootstrap only). */
  readonly host?: AirlockHost;
  /** Your own VMs: a template carrying the bootstrap, and optionally a managed instance group. */
  readonly fleet?: PrivateFleet;
  /** The private host's service account (with `hosts.createPrivateHost`). */
  readonly hostIdentity?: HostIdentity;
  readonly fleetIdentity?: HostIdentity;
  /** The private side's egress beyond Google APIs (`networks.private.allowEgress`). */
  readonly egressAllowList: EgressAllowList;

  constructor(scope: Construct, id: string, props: PrivateSideProps) {
    super(scope, id);
    const { config, repositories } = props;
    const project = config.projectId;
    this.hostIdentity = config.hosts.createPrivateHost
      ? new HostIdentity(this, "private-host-identity", {
          project,
          accountId: config.hosts.privateAccountId,
          displayName: "pip-airlock private host: reads Artifact Registry",
          grantName: "private-host",
        })
      : undefined;
    this.fleetIdentity = config.fleet
      ? new HostIdentity(this, "fleet-identity", { project, accountId: config.fleet.accountId, displayName: "pip-airlock fleet: reads Artifact Registry", grantName: "fleet" })
      : undefined;
    const { hostIdentity, fleetIdentity } = this;
    // The airlock VMs' accounts: every rule of the private side that holds for some VMs holds for these.
    const sshTargetServiceAccounts = [...[hostIdentity, fleetIdentity].flatMap((identity) => (identity ? [identity.email] : [])), ...consumerAccounts(config.consumers)];
    this.network = new PrivateNetwork(this, "private-network", {
      project,
      name: config.networks.private.name,
      region: config.region,
      subnetCidr: config.networks.private.subnetCidr,
      existing: config.networks.private.existing,
      manage: config.networks.private.manage,
      googleApis: config.networks.private.googleApis,
      sshTargetServiceAccounts,
      logging: config.logging,
    });
    this.egressAllowList = new EgressAllowList(this, "egress-allow-list", {
      project: this.network.vpc.project,
      network: this.network.network.id,
      namePrefix: config.networks.private.name,
      entries: config.networks.private.allowEgress,
      targetServiceAccounts: sshTargetServiceAccounts,
      logging: config.logging,
    });
    /** All a VM's bootstrap needs before its first boot: the way to Google APIs, read grants on every repository and the signing key's public key. */
    const readerNeeds = (identity: HostIdentity) => [...this.network.reachesGoogleApis, ...repositories.grantReadAll(identity)];
    const hostNeeds = hostIdentity ? readerNeeds(hostIdentity) : [];
    const fleetNeeds = fleetIdentity ? readerNeeds(fleetIdentity) : [];

    this.bootstrap = bootstrapScript(props.startupSources, config, repositories.scriptEndpoints, props.lockContent);
    if (hostIdentity) {
      // A changed bootstrap (index, packages, venv, timeouts) replaces the private host, so it runs on the
      // next deploy and not at some later reboot; the fleet rolls through its template instead.
      const fingerprint = new ReplacementFingerprint(this, "bootstrap-fingerprint", { spec: { script: this.bootstrap.text }, key: "bootstrap_sha256" });
      this.host = new AirlockHost(this, "private-host", {
        project,
        name: config.hosts.privateName,
        zone: config.zone,
        machineType: config.hosts.machineType,
        image: config.hosts.image,
        subnet: this.network.subnet,
        serviceAccountEmail: hostIdentity.email,
        role: "bootstrap",
        startupScript: this.bootstrap,
        labels: props.labels,
        replaceWhenReplaced: fingerprint.resource,
        bootsAfter: hostNeeds,
        outputs: { prefix: "private_host", what: "the private host (bootstrap)" },
      });
      stackOutput(this, "private_host_service_account", hostIdentity.email, "The private host's service account");
    }
    if (config.fleet && fleetIdentity) {
      this.fleet = new PrivateFleet(this, "fleet", {
        project,
        name: config.fleet.name,
        region: config.region,
        zone: config.zone,
        machineType: config.fleet.machineType,
        image: config.fleet.image,
        subnet: this.network.subnet,
        serviceAccountEmail: fleetIdentity.email,
        startupScript: this.bootstrap,
        labels: props.labels,
        size: config.fleet.size,
        bootsAfter: fleetNeeds,
        bootDisk: config.fleet.bootDisk,
        accelerators: config.fleet.accelerators,
        zones: config.fleet.zones,
        updatePolicy: config.fleet.updatePolicy,
        autoscaling: config.fleet.autoscaling,
        healthCheck: config.fleet.healthCheck,
        network: { id: this.network.network.id, project: this.network.vpc.project, namePrefix: config.networks.private.name },
        logging: config.logging,
      });
    }
    stackOutput(this, "private_subnet_self_link", this.network.subnet.selfLink, "The private subnet, for your own VMs and templates");
    stackOutput(this, "private_host_bootstrap_script", terraformLiteral(this.bootstrap.text), "Startup script that bootstraps keyring and pip on any VM of the private network");
  }
}
