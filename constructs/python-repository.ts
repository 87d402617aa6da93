import { ArtifactRegistryRepository } from "@cdktf/provider-google/lib/artifact-registry-repository";
import { ArtifactRegistryRepositoryIamMember } from "@cdktf/provider-google/lib/artifact-registry-repository-iam-member";
import { createHash } from "crypto";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { declareRole, ResourceRole } from "./resource-role";

/** Where a virtual repository reads from, and how much it prefers it (higher wins). */
export interface Upstream {
  readonly repository: PythonRepository;
  readonly priority: number;
}

export interface PythonRepositoryProps {
  readonly project: string;
  readonly location: string;
  readonly repositoryId: string;
  readonly description: string;
  readonly labels?: Record<string, string>;
  /** `standard` (default) holds uploads; `remote` proxies PyPI; `virtual` serves `upstreams` behind one index. */
  readonly kind?: "standard" | "remote" | "virtual";
  /** For `virtual`: the repositories it serves, with priorities. */
  readonly upstreams?: readonly Upstream[];
  /** Customer-managed encryption key (Cloud KMS, in `location`). */
  readonly kmsKeyName?: string;
  /** Keep the newest versions of each package, delete older ones (standard repositories). */
  readonly cleanup?: CleanupPolicy;
  /** What must exist before the repository is created (e.g. the service agent's grant on the key). */
  readonly createdAfter?: readonly ITerraformDependable[];
  /** What the repository is to the airlock (the guardrails find the auth repo by it). */
  readonly role?: Extract<ResourceRole, `${string}-repo`>;
}

export interface CleanupPolicy {
  readonly keepNewest: number;
  readonly deleteOlderThanDays: number;
  readonly dryRun: boolean;
}

const MODES = { standard: "STANDARD_REPOSITORY", remote: "REMOTE_REPOSITORY", virtual: "VIRTUAL_REPOSITORY" } as const;

/** An Artifact Registry Python repository with its pip/twine endpoints and repository-scoped grants. */
export class PythonRepository extends Construct {
  readonly repository: ArtifactRegistryRepository;
  readonly repositoryId: string;
  /** Host pip and twine talk to, e.g. `us-central1-python.pkg.dev`. */
  readonly host: string;
  /** twine's upload endpoint. */
  readonly uploadUrl: string;
  /** pip's index (PEP 503 simple API). */
  readonly indexUrl: string;
  /** The index with the `oauth2accesstoken@` user that keyring's subprocess provider needs. */
  readonly keyringIndexUrl: string;
  private readonly props: PythonRepositoryProps;

  constructor(scope: Construct, id: string, props: PythonRepositoryProps) {
    super(scope, id);
    this.props = props;
    const kind = props.kind ?? "standard";
    if (kind === "virtual" && !props.upstreams?.length) {
      throw new Error(`${this.node.path}: a virtual repository needs at least one upstream`);
    }
    this.repositoryId = props.repositoryId;
    this.repository = new ArtifactRegistryRepository(this, "repository", {
      project: props.project,
      location: props.location,
      repositoryId: props.repositoryId,
      format: "PYTHON",
      mode: MODES[kind],
      description: props.description,
      labels: props.labels,
      kmsKeyName: props.kmsKeyName,
      dependsOn: props.createdAfter?.length ? [...props.createdAfter] : undefined,
      // Artifact Registry applies KEEP before DELETE: the newest versions survive however old they are.
      cleanupPolicies: props.cleanup
        ? [
            { id: "keep-newest", action: "KEEP", mostRecentVersions: { keepCount: props.cleanup.keepNewest } },
            {
              id: "delete-old",
              action: "DELETE",
              condition: { tagState: "ANY", olderThan: `${props.cleanup.deleteOlderThanDays * 86400}s` },
            },
          ]
        : undefined,
      cleanupPolicyDryRun: props.cleanup ? props.cleanup.dryRun : undefined,
      remoteRepositoryConfig: kind === "remote" ? { description: "PyPI", pythonRepository: { publicRepository: "PYPI" } } : undefined,
      virtualRepositoryConfig:
        kind === "virtual"
          ? {
              upstreamPolicies: props.upstreams!.map((u) => ({
                id: u.repository.repositoryId,
                repository: u.repository.repository.id,
                priority: u.priority,
              })),
            }
          : undefined,
    });
    if (props.role) declareRole(this.repository, props.role);
    this.host = `${props.location}-python.pkg.dev`;
    const path = `${props.project}/${props.repositoryId}`;
    this.uploadUrl = `https://${this.host}/${path}/`;
    this.indexUrl = `https://${this.host}/${path}/simple/`;
    this.keyringIndexUrl = `https://oauth2accesstoken@${this.host}/${path}/simple/`;
  }

  /** Let `grantee` download from this repository only. */
  grantRead(grantee: Grantee): RepositoryGrant {
    return this.grant(grantee, "reader");
  }

  /** Let `grantee` upload to (and download from) this repository only. */
  grantWrite(grantee: Grantee): RepositoryGrant {
    return this.grant(grantee, "writer");
  }

  /** Grant the config's principals (`repositories.access.*`): each reader read access, each writer write access. */
  grantAccess(access: { readers?: readonly string[]; writers?: readonly string[] }): RepositoryGrant[] {
    return [
      ...(access.readers ?? []).map((m) => this.grantRead(principal(m))),
      ...(access.writers ?? []).map((m) => this.grantWrite(principal(m))),
    ];
  }

  private grant(grantee: Grantee, access: RepositoryAccess): RepositoryGrant {
    return new ArtifactRegistryRepositoryIamMember(this, grantee.grantId(access), {
      project: this.props.project,
      location: this.props.location,
      repository: this.repository.name,
      role: ACCESS_ROLES[access],
      member: grantee.member,
    });
  }
}

/** A repository-scoped IAM grant: something a VM can boot after (`dependsOn`). */
export type RepositoryGrant = ArtifactRegistryRepositoryIamMember;

/** What a grant gives: read or write on a repository, or (SigningKeyAccess) sign with or read the public key of the mirror's signing key. */
export type Access = RepositoryAccess | SigningKeyAccess;
export type RepositoryAccess = "reader" | "writer";
export type SigningKeyAccess = "signer" | "public-key-viewer";

const ACCESS_ROLES: Record<RepositoryAccess, string> = { reader: "roles/artifactregistry.reader", writer: "roles/artifactregistry.writer" };

/** Who a grant is for: an IAM member, and the id its grant takes under the repository or key (stable Terraform addresses). */
export interface Grantee {
  readonly member: string;
  grantId(access: Access): string;
}

/** A principal the config names (`user:...`, `group:...`): its grant ids hash the member, so they stay put whatever the list's order. */
export function principal(member: string): Grantee {
  const digest = createHash("sha256").update(member).digest("hex").slice(0, 12);
  return { member, grantId: (access) => `${access}-${digest}` };
}
