import { createHash } from "crypto";
import { Construct } from "constructs";
import { consumerOutputName } from "../config/consumers";
import { EnvironmentConfig } from "../config/schema";
import { GUEST_ATTRIBUTE_NAMESPACE } from "../startup-script/config-views";
import { scriptLocalName, scriptReference } from "../startup-script/script-reference";
import { BOOTSTRAP_SCRIPT_NAME, StartupScript } from "../startup-script/scripts";
import { AirlockRepositories } from "./airlock-repositories";
import { ConstructGroup } from "./construct-group";
import { PrivateNetwork } from "./private-network";
import { principal } from "./python-repository";
import { SECURE_VM_METADATA } from "./secure-vm";
import { stackOutput } from "./stack-output";

export interface ConsumersProps {
  readonly config: EnvironmentConfig;
  readonly repositories: AirlockRepositories;
  /** The private network their VMs sit on (its rules already name the consumers' accounts: PrivateSide). */
  readonly network: PrivateNetwork;
  /** The bootstrap their VMs run: the private host's, byte for byte. */
  readonly bootstrap: StartupScript;
}

/**
 * The local every consumer's output reads the bootstrap from: the one the private host and the fleet read too,
 * its file beside cdk.tf.json (`private-host-bootstrap.sh`), so the script is not in the stack's Terraform at all.
 */
export const CONSUMER_BOOTSTRAP_LOCAL = scriptLocalName({ name: BOOTSTRAP_SCRIPT_NAME });

/**
 * Other teams' workloads (`consumers`): for each, read grants for its service accounts (only those accounts,
 * read-only, on the repositories it reads, and the signing key's public key in mirror mode), and one output,
 * `consumer_<name>`, with what its Terraform needs to run the bootstrap on a VM of its own: the metadata (the
 * bootstrap included), the network and subnet, the accounts granted, the repositories and the targets served.
 * Its targets reach the mirror through the config (resolveTargets), its accounts the private network's rules
 * through PrivateSide. Nothing here when there is no consumer.
 */
export class Consumers extends ConstructGroup {
  /** The output of each consumer (`consumer_NAME`), in the config's order. */
  readonly outputNames: readonly string[];

  constructor(scope: Construct, id: string, props: ConsumersProps) {
    super(scope, id);
    const { config, repositories, network, bootstrap } = props;
    const entries = Object.entries(config.consumers);
    this.outputNames = entries.map(([name]) => consumerOutputName(name));
    if (entries.length === 0) return;
    const script = scriptReference(this, bootstrap);
    const sha256 = createHash("sha256").update(bootstrap.text).digest("hex");
    for (const [name, consumer] of entries) {
      for (const email of consumer.serviceAccounts)
        repositories.grantConsumerRead(principal(`serviceAccount:${email}`), consumer.repositories);
      const read = Object.fromEntries(
        consumer.repositories.map((key) => {
          const repository = repositories.repositoryOf(key)!;
          return [key, { repository_id: repository.repositoryId, index_url: repository.indexUrl }];
        }),
      );
      const served = config.mirror.targets.filter((t) => t.declaredBy.some((field) => field.startsWith(`consumers.${name}.`)));
      stackOutput(
        this,
        consumerOutputName(name),
        {
          name,
          service_accounts: consumer.serviceAccounts,
          service_account_scopes: ["cloud-platform"],
          project: config.projectId,
          region: config.region,
          network: network.network.selfLink,
          network_project: network.vpc.project,
          subnetwork: network.subnet.selfLink,
          metadata: { ...SECURE_VM_METADATA, "startup-script": script },
          startup_script_sha256: sha256,
          repositories: read,
          pip_index_url: repositories.pipIndex.keyringIndexUrl,
          targets: config.mode === "mirror" ? served.map((t) => `CPython ${t.python}, glibc ${t.glibc}, ${t.arch}`) : [],
          status: `gcloud compute instances get-guest-attributes VM --zone ZONE --project PROJECT --query-path=${GUEST_ATTRIBUTE_NAMESPACE}/`,
        },
        `What consumers.${name}'s Terraform needs for a VM that bootstraps from this stack: its metadata (the bootstrap as startup-script), subnetwork, the accounts granted (run the VM as one, scopes cloud-platform, no external IP)`,
      );
    }
  }
}
