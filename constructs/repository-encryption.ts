import { GoogleProjectServiceIdentity } from "@cdktf/provider-google-beta/lib/google-project-service-identity";
import { KmsCryptoKeyIamMember } from "@cdktf/provider-google/lib/kms-crypto-key-iam-member";
import { TerraformProvider } from "cdktf";
import { Construct } from "constructs";

export interface RepositoryEncryptionProps {
  readonly project: string;
  /** `projects/P/locations/L/keyRings/R/cryptoKeys/K`, in the repositories' region. */
  readonly kmsKeyName: string;
  /** The google-beta provider: service identities are a beta resource. */
  readonly betaProvider: TerraformProvider;
}

/**
 * What a customer-managed key needs before Artifact Registry can create a repository with it: the
 * project's Artifact Registry service agent, which a new project does not have until something creates
 * it (hashicorp/terraform-provider-google#15572), allowed to encrypt and decrypt with the key. Every
 * repository then depends on `grant`, so a new project comes up in one apply.
 */
export class RepositoryEncryption extends Construct {
  readonly serviceAgent: GoogleProjectServiceIdentity;
  readonly grant: KmsCryptoKeyIamMember;

  constructor(scope: Construct, id: string, props: RepositoryEncryptionProps) {
    super(scope, id);
    this.serviceAgent = new GoogleProjectServiceIdentity(this, "service-agent", {
      provider: props.betaProvider,
      project: props.project,
      service: "artifactregistry.googleapis.com",
    });
    this.grant = new KmsCryptoKeyIamMember(this, "key-user", {
      cryptoKeyId: props.kmsKeyName,
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: this.serviceAgent.member,
    });
  }
}
