import { ArtifactRegistryRepository } from "@cdktf/provider-google/lib/artifact-registry-repository";
import { ArtifactRegistryRepositoryIamMember } from "@cdktf/provider-google/lib/artifact-registry-repository-iam-member";
import { Construct } from "constructs";

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
      remoteRepositoryConfig:
        kind === "remote"
          ? { description: "PyPI", pythonRepository: { publicRepository: "PYPI" } }
          : undefined,
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
    this.host = `${props.location}-python.pkg.dev`;
    const path = `${props.project}/${props.repositoryId}`;
    this.uploadUrl = `https://${this.host}/${path}/`;
    this.indexUrl = `https://${this.host}/${path}/simple/`;
    this.keyringIndexUrl = `https://oauth2accesstoken@${this.host}/${path}/simple/`;
  }

  /** Let `member` download from this repository only. */
  grantRead(id: string, member: string): ArtifactRegistryRepositoryIamMember {
    return this.grant(id, member, "roles/artifactregistry.reader");
  }

  /** Let `member` upload to (and download from) this repository only. */
  grantWrite(id: string, member: string): ArtifactRegistryRepositoryIamMember {
    return this.grant(id, member, "roles/artifactregistry.writer");
  }

  private grant(id: string, member: string, role: string): ArtifactRegistryRepositoryIamMember {
    return new ArtifactRegistryRepositoryIamMember(this, id, {
      project: this.props.project,
      location: this.props.location,
      repository: this.repository.name,
      role,
      member,
    });
  }
}
