import { GoogleArtifactRegistryVpcscConfig } from "@cdktf/provider-google-beta/lib/google-artifact-registry-vpcsc-config";
import { GoogleBetaProvider } from "@cdktf/provider-google-beta/lib/provider";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { ConsumerRepository } from "../config/consumers";
import { EnvironmentConfig, MirrorModeConfig } from "../config/schema";
import { ConstructGroup } from "./construct-group";
import { MirrorSigning } from "./mirror-signing";
import { Grantee, PythonRepository, PythonRepositoryProps } from "./python-repository";
import { RepositoryEncryption } from "./repository-encryption";
import { stackOutput } from "./stack-output";
import { ScriptEndpoints } from "../startup-script/config-views";

/** Virtual repository priorities: higher wins, so a public name can never shadow a private package. */
export const UPSTREAM_PRIORITY = { private: 100, helpers: 50 } as const;

/**
 * Where the auth helpers come from: in mirror mode the auth repo, which the mirror fills and signs with the
 * key `signing` names (`mirror.signing`); in remote mode a remote repository proxying PyPI.
 */
export type HelpersSource =
  { readonly mode: "mirror"; readonly signing: MirrorModeConfig["mirror"]["signing"] } | { readonly mode: "remote" };

export interface AirlockRepositoriesProps {
  readonly project: string;
  /** The region of the repositories and of the signing key. */
  readonly location: string;
  /** The repositories' settings (`repositories`): their ids, CMEK key, cleanup, access, virtual repository and VPC-SC policy. */
  readonly repositories: EnvironmentConfig["repositories"];
  readonly helpers: HelpersSource;
  readonly labels: Record<string, string>;
  /** The google-beta provider, made on first use (CMEK's service agent, AR's VPC-SC policy). */
  readonly betaProvider: () => GoogleBetaProvider;
}

/**
 * The Artifact Registry side: the private repo, the repo that serves the auth helpers (the auth repo
 * in mirror mode, the PyPI remote repo in remote mode), optionally the virtual repo in front of both,
 * their encryption, the config's principals' grants, and their outputs.
 */
export class AirlockRepositories extends ConstructGroup {
  readonly privateRepo: PythonRepository;
  /** Serves the auth helpers: the auth repo (mirror) or the PyPI remote repo (remote). */
  readonly helpersRepo: PythonRepository;
  readonly virtualRepo?: PythonRepository;
  /**
   * Mirror mode: the key the mirror signs what it publishes in the auth repo with. Whoever may read the
   * auth repo to bootstrap may read its public key (grantReadAll, the auth repo's readers).
   */
  readonly signing?: MirrorSigning;
  /** The index pip is configured with: the virtual repo if there is one, else the private repo. */
  readonly pipIndex: PythonRepository;
  /** Where the startup scripts find Artifact Registry. */
  readonly scriptEndpoints: ScriptEndpoints;
  /** Remote mode inside VPC-SC, `vpcscPolicy: "manage"`: lets the remote repo reach PyPI. */
  private readonly vpcscPolicy?: GoogleArtifactRegistryVpcscConfig;

  constructor(scope: Construct, id: string, props: AirlockRepositoriesProps) {
    super(scope, id);
    const { project, location, helpers, repositories: repos } = props;
    const encryption = repos.kmsKeyName
      ? new RepositoryEncryption(this, "repository-encryption", {
          project,
          kmsKeyName: repos.kmsKeyName,
          betaProvider: props.betaProvider(),
        })
      : undefined;
    const repo = (
      id: string,
      repoProps: Pick<PythonRepositoryProps, "role" | "repositoryId" | "description" | "kind" | "upstreams" | "cleanup">,
    ) =>
      new PythonRepository(this, id, {
        project,
        location,
        labels: props.labels,
        kmsKeyName: repos.kmsKeyName,
        createdAfter: encryption ? [encryption.grant] : undefined,
        ...repoProps,
      });

    this.privateRepo = repo("private-repo", {
      role: "private-repo",
      repositoryId: repos.private,
      description: "Private Python packages",
      cleanup: repos.cleanup.private,
    });
    this.privateRepo.grantAccess(repos.access.private);
    // The auth repo's only writer is the public host (MirrorSide): others may only read it.
    if (helpers.mode === "mirror") {
      this.helpersRepo = repo("auth-repo", {
        role: "auth-repo",
        repositoryId: repos.auth,
        description: "pip-airlock: keyring and the Artifact Registry auth helpers only",
        cleanup: repos.cleanup.auth,
      });
      this.helpersRepo.grantAccess({ readers: repos.access.auth.readers });
      const { keyRing, key, protectionLevel, keyVersion } = helpers.signing;
      this.signing = new MirrorSigning(this, "mirror-signing", { project, location, keyRing, key, protectionLevel, labels: props.labels });
      this.signing.grantVerifyAccess(repos.access.auth.readers);
      const where = `--key ${key} --keyring ${keyRing} --location ${location} --project ${project}`;
      stackOutput(
        this,
        "signing_key",
        {
          key: this.signing.keyName,
          key_version: keyVersion,
          protection_level: protectionLevel,
          public_key: `gcloud kms keys versions get-public-key ${keyVersion} ${where}`,
          rotate: `gcloud kms keys versions create ${where}`,
        },
        "The key the mirror signs what it publishes with, the version it signs with, and how to rotate it: create a version (rotate), then set mirror.signing.keyVersion to its number and deploy",
      );
    } else {
      this.helpersRepo = repo("pypi-remote-repo", {
        role: "remote-repo",
        repositoryId: repos.remote,
        description: "pip-airlock: PyPI proxy serving the auth helpers",
        kind: "remote",
      });
      this.helpersRepo.grantAccess({ readers: repos.access.remote.readers });
    }
    if (repos.virtual.enabled) {
      this.virtualRepo = repo("virtual-repo", {
        role: "virtual-repo",
        repositoryId: repos.virtual.id,
        description: "pip-airlock: one index, private packages first",
        kind: "virtual",
        upstreams: [
          { repository: this.privateRepo, priority: UPSTREAM_PRIORITY.private },
          { repository: this.helpersRepo, priority: UPSTREAM_PRIORITY.helpers },
        ],
      });
      this.virtualRepo.grantAccess(repos.access.virtual);
    }
    this.pipIndex = this.virtualRepo ?? this.privateRepo;
    this.scriptEndpoints = {
      arHost: this.privateRepo.host,
      helpersIndexUrl: this.helpersRepo.indexUrl,
      pipIndexUrl: this.pipIndex.keyringIndexUrl,
      uploadRepoUrl: this.privateRepo.uploadUrl,
    };

    // Artifact Registry's default inside a VPC-SC perimeter is DENY: a remote repository could not reach PyPI.
    // The provider is named explicitly: by its type's prefix Terraform would pick `google`, which lacks it.
    if (helpers.mode === "remote" && repos.vpcscPolicy === "manage") {
      this.vpcscPolicy = new GoogleArtifactRegistryVpcscConfig(this, "ar-vpcsc-policy", {
        provider: props.betaProvider(),
        project,
        location,
        vpcscPolicy: "ALLOW",
      });
    }

    if (helpers.mode === "mirror") {
      stackOutput(this, "auth_repo_index_url", this.helpersRepo.indexUrl, "Index of the auth helpers");
    } else {
      stackOutput(this, "pypi_remote_index_url", this.helpersRepo.indexUrl, "PyPI proxy serving the auth helpers");
    }
    stackOutput(this, "private_repo_index_url", this.privateRepo.indexUrl, "Index of your private packages");
    stackOutput(this, "private_repo_upload_url", this.privateRepo.uploadUrl, "twine upload endpoint for private packages");
    if (this.virtualRepo) stackOutput(this, "virtual_repo_index_url", this.virtualRepo.indexUrl, "One index: private packages first");
    stackOutput(this, "pip_index_url", this.pipIndex.keyringIndexUrl, "pip index-url the private host is configured with");
    const byKey = {
      private: this.privateRepo,
      [helpers.mode === "mirror" ? "auth" : "remote"]: this.helpersRepo,
      ...(this.virtualRepo ? { virtual: this.virtualRepo } : {}),
    };
    stackOutput(
      this,
      "repositories",
      Object.fromEntries(
        Object.entries(byKey).map(([key, r]) => [
          key,
          { id: r.repository.id, repository_id: r.repositoryId, index_url: r.indexUrl, upload_url: r.uploadUrl },
        ]),
      ),
      "Each repository's resource id, repository id, pip index and twine upload URL",
    );
  }

  /**
   * Let `grantee` (a VM's identity) read every repository pip may fetch from and, in mirror mode, the
   * signing key's public key (to verify what the mirror published). Returns what its bootstrap needs
   * before the VM first boots: those grants, and the VPC-SC policy when the stack manages it.
   */
  grantReadAll(grantee: Grantee): ITerraformDependable[] {
    const readable = [this.helpersRepo, this.privateRepo, ...(this.virtualRepo ? [this.virtualRepo] : [])];
    return [
      ...readable.map((r) => r.grantRead(grantee)),
      ...(this.signing ? [this.signing.grantVerify(grantee)] : []),
      ...(this.vpcscPolicy ? [this.vpcscPolicy] : []),
    ];
  }

  /** The repository `repositories.access` calls `key`, when the stack has it. */
  repositoryOf(key: ConsumerRepository): PythonRepository | undefined {
    if (key === "private") return this.privateRepo;
    if (key === "virtual") return this.virtualRepo;
    return key === (this.signing ? "auth" : "remote") ? this.helpersRepo : undefined;
  }

  /**
   * Let `grantee` (a consumer's account: a VM outside the stack that bootstraps) read the repositories `keys`
   * names, read-only and on those repositories only, and in mirror mode the signing key's public key: what
   * the stack's own bootstrapping identities get (grantReadAll), for the repositories the consumer reads.
   */
  grantConsumerRead(grantee: Grantee, keys: readonly ConsumerRepository[]): ITerraformDependable[] {
    return [
      ...keys.map((key) => {
        const repository = this.repositoryOf(key);
        if (!repository) throw new Error(`${this.node.path}: no repository "${key}" to grant (the config's validation refuses it)`);
        return repository.grantRead(grantee);
      }),
      ...(this.signing ? [this.signing.grantVerify(grantee)] : []),
    ];
  }
}
