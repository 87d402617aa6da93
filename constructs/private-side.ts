import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { plumbingBase } from "../config/network-names";
import { EnvironmentConfig } from "../config/schema";
import { VpcSharing } from "../config/shared-vpc";
import { StartupScript } from "../startup-script/scripts";
import { AirlockHost, HostSettings } from "./airlock-host";
import { ConstructGroup } from "./construct-group";
import { EgressAllowList } from "./egress-allow-list";
import { IAP_SSH_SOURCE_RANGE } from "./google-apis-access";
import { HostIdentity } from "./host-identity";
import { PrivateFleet } from "./private-fleet";
import { PrivateNetwork } from "./private-network";
import { Grantee } from "./python-repository";
import { ReplacementFingerprint } from "./replacement-fingerprint";
import { stackOutput } from "./stack-output";
import { scriptReference } from "../startup-script/script-reference";

/** What lets a VM's identity read what its bootstrap fetches (AirlockRepositories). */
export interface RepositoryReading {
  /** Grant `grantee` every read its bootstrap needs; returns the grants (and policies) to boot after. */
  grantReadAll(grantee: Grantee): ITerraformDependable[];
}

export interface PrivateSideProps {
  readonly project: string;
  readonly region: string;
  readonly zone: string;
  /** The environment's name (the stack's): names in an existing VPC carry it. */
  readonly environment: string;
  /** The private VPC's settings (`networks.private`). */
  readonly network: EnvironmentConfig["networks"]["private"];
  /** The names this environment's VMs resolve into the Google APIs VIP (vipDnsNames). */
  readonly vipNames: readonly string[];
  /** The other environments on the same private VPC; by default none. */
  readonly sharing?: VpcSharing;
  /** The private host (`hosts`); none with `hosts.createPrivateHost: false`. */
  readonly privateHost?: HostSettings;
  /** Your own VMs (`fleet`): a template carrying the bootstrap, and optionally a managed instance group. */
  readonly fleet?: NonNullable<EnvironmentConfig["fleet"]>;
  /** Other teams' VMs' service accounts (`consumers`): the private network's rules hold for them too. */
  readonly consumerAccounts?: readonly string[];
  readonly logging: EnvironmentConfig["logging"];
  readonly labels: Record<string, string>;
  /** The bootstrap every VM of the private side runs (bootstrapScript). */
  readonly bootstrap: StartupScript;
  /** Grants the private host's and the fleet's identities what their bootstrap reads. */
  readonly repositories: RepositoryReading;
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
    const { project, repositories, privateHost, fleet } = props;
    this.hostIdentity = privateHost
      ? new HostIdentity(this, "private-host-identity", {
          project,
          accountId: privateHost.accountId,
          displayName: "pip-airlock private host: reads Artifact Registry",
          grantName: "private-host",
        })
      : undefined;
    this.fleetIdentity = fleet
      ? new HostIdentity(this, "fleet-identity", {
          project,
          accountId: fleet.accountId,
          displayName: "pip-airlock fleet: reads Artifact Registry",
          grantName: "fleet",
        })
      : undefined;
    const { hostIdentity, fleetIdentity } = this;
    // The airlock VMs' accounts: every rule of the private side that holds for some VMs holds for these.
    const sshTargetServiceAccounts = [
      ...[hostIdentity, fleetIdentity].flatMap((identity) => (identity ? [identity.email] : [])),
      ...(props.consumerAccounts ?? []),
    ];
    const net = props.network;
    this.network = new PrivateNetwork(this, "private-network", {
      project,
      name: net.name,
      region: props.region,
      subnetCidr: net.subnetCidr,
      existing: net.existing,
      manage: net.manage,
      dns: net.dns,
      nameBase: plumbingBase(props.environment, net),
      vipNames: [...new Set([...props.vipNames, ...(props.sharing?.vipNames ?? [])])].sort(),
      dependents: props.sharing?.dependents,
      dnsOwner: props.sharing?.dependsOn[0],
      googleApis: net.googleApis,
      sshTargetServiceAccounts,
      logging: props.logging,
    });
    this.egressAllowList = new EgressAllowList(this, "egress-allow-list", {
      project: this.network.vpc.project,
      network: this.network.network.id,
      namePrefix: plumbingBase(props.environment, net),
      entries: net.allowEgress,
      targetServiceAccounts: sshTargetServiceAccounts,
      logging: props.logging,
    });
    /** All a VM's bootstrap needs before its first boot: the way to Google APIs, read grants on every repository and the signing key's public key. */
    const readerNeeds = (identity: HostIdentity) => [...this.network.reachesGoogleApis, ...repositories.grantReadAll(identity)];
    const hostNeeds = hostIdentity ? readerNeeds(hostIdentity) : [];
    const fleetNeeds = fleetIdentity ? readerNeeds(fleetIdentity) : [];

    this.bootstrap = props.bootstrap;
    if (privateHost && hostIdentity) {
      // A changed bootstrap (index, packages, venv, timeouts) replaces the private host, so it runs on the
      // next deploy and not at some later reboot; the fleet rolls through its template instead.
      const fingerprint = new ReplacementFingerprint(this, "bootstrap-fingerprint", {
        spec: { script: this.bootstrap.text },
        key: "bootstrap_sha256",
      });
      this.host = new AirlockHost(this, "private-host", {
        project,
        name: privateHost.name,
        zone: props.zone,
        machineType: privateHost.machineType,
        image: privateHost.image,
        subnet: this.network.subnet,
        serviceAccountEmail: hostIdentity.email,
        role: "bootstrap",
        startupScript: this.bootstrap,
        labels: props.labels,
        replaceWhenReplaced: fingerprint.resource,
        bootsAfter: hostNeeds,
        noSsh: this.network.iapSshRule
          ? undefined
          : `this stack adds no IAP SSH rule on ${net.name} (networks.private.manage.iapSshRule is false): SSH to the host needs a rule of yours allowing tcp:22 from ${IAP_SSH_SOURCE_RANGE} to ${hostIdentity.email}`,
        outputs: { prefix: "private_host", what: "the private host (bootstrap)" },
      });
      stackOutput(this, "private_host_service_account", hostIdentity.email, "The private host's service account");
    }
    if (fleet && fleetIdentity) {
      this.fleet = new PrivateFleet(this, "fleet", {
        project,
        name: fleet.name,
        region: props.region,
        zone: props.zone,
        machineType: fleet.machineType,
        image: fleet.image,
        subnet: this.network.subnet,
        serviceAccountEmail: fleetIdentity.email,
        startupScript: this.bootstrap,
        labels: props.labels,
        size: fleet.size,
        bootsAfter: fleetNeeds,
        bootDisk: fleet.bootDisk,
        accelerators: fleet.accelerators,
        zones: fleet.zones,
        updatePolicy: fleet.updatePolicy,
        autoscaling: fleet.autoscaling,
        healthCheck: fleet.healthCheck,
        network: { id: this.network.network.id, project: this.network.vpc.project, namePrefix: plumbingBase(props.environment, net) },
        logging: props.logging,
      });
    }
    stackOutput(this, "private_subnet_self_link", this.network.subnet.selfLink, "The private subnet, for your own VMs and templates");
    stackOutput(
      this,
      "private_host_bootstrap_script",
      scriptReference(this, this.bootstrap),
      "Startup script that bootstraps keyring and pip on any VM of the private network",
    );
  }
}
