import { KmsCryptoKey } from "@cdktf/provider-google/lib/kms-crypto-key";
import { KmsCryptoKeyIamMember } from "@cdktf/provider-google/lib/kms-crypto-key-iam-member";
import { KmsKeyRing } from "@cdktf/provider-google/lib/kms-key-ring";
import { Construct } from "constructs";
import { Grantee, principal, SigningKeyAccess } from "./python-repository";
import { declareRole } from "./resource-role";

/** RSASSA-PKCS1-v1_5 with SHA-256: the hosts verify it in pure Python (no `cryptography` on a bare host). */
export const SIGNING_ALGORITHM = "RSA_SIGN_PKCS1_3072_SHA256";

/**
 * How long a destroyed key version can still be restored (Cloud KMS's own default, stated so docs/operations.md's
 * promise does not depend on it): `terraform destroy` schedules every version of the key for destruction.
 */
export const DESTROY_SCHEDULED_SECONDS = 30 * 24 * 3600;

/** The only roles on the signing key: to sign with it (the mirror), to read its public key (every bootstrapping identity). */
export const SIGNING_KEY_ROLES: Record<SigningKeyAccess, string> = {
  signer: "roles/cloudkms.signer",
  "public-key-viewer": "roles/cloudkms.publicKeyViewer",
};

export interface MirrorSigningProps {
  readonly project: string;
  /** The repositories' region. */
  readonly location: string;
  readonly keyRing: string;
  readonly key: string;
  readonly protectionLevel: "SOFTWARE" | "HSM";
  readonly labels?: Record<string, string>;
}

/**
 * The mirror's signing key: a Cloud KMS key ring and an asymmetric signing key in the repositories'
 * region. The mirror signs a statement of what it published with it; every host that bootstraps verifies
 * that statement with the key's public key. Grants are on the key only, each the least the identity
 * needs: `roles/cloudkms.signer` to sign (the public host), `roles/cloudkms.publicKeyViewer` to verify.
 *
 * Cloud KMS deletes neither key rings nor keys: `terraform destroy` forgets the key ring and schedules
 * every version of the key for destruction (restorable for 30 days), and the names stay taken (docs/security.md,
 * "The mirror's signing key").
 */
export class MirrorSigning extends Construct {
  readonly keyRing: KmsKeyRing;
  readonly cryptoKey: KmsCryptoKey;
  /** `projects/P/locations/L/keyRings/R/cryptoKeys/K`: the key's id, known from the config alone. */
  readonly keyName: string;

  constructor(scope: Construct, id: string, props: MirrorSigningProps) {
    super(scope, id);
    this.keyRing = new KmsKeyRing(this, "key-ring", { project: props.project, location: props.location, name: props.keyRing });
    this.cryptoKey = new KmsCryptoKey(this, "key", {
      name: props.key,
      keyRing: this.keyRing.id,
      purpose: "ASYMMETRIC_SIGN",
      versionTemplate: { algorithm: SIGNING_ALGORITHM, protectionLevel: props.protectionLevel },
      destroyScheduledDuration: `${DESTROY_SCHEDULED_SECONDS}s`,
      labels: props.labels,
    });
    declareRole(this.keyRing, "signing-key-ring");
    declareRole(this.cryptoKey, "signing-key");
    this.keyName = `projects/${props.project}/locations/${props.location}/keyRings/${props.keyRing}/cryptoKeys/${props.key}`;
  }

  /** Let `grantee` sign with the key (every version of it), and nothing else. */
  grantSign(grantee: Grantee): KmsCryptoKeyIamMember {
    return this.grant(grantee, "signer");
  }

  /** Let `grantee` read the key's public keys (to verify a signature), and nothing else. */
  grantVerify(grantee: Grantee): KmsCryptoKeyIamMember {
    return this.grant(grantee, "public-key-viewer");
  }

  /** Let each of the config's principals verify (the auth repo's readers: VMs outside the stack that bootstrap). */
  grantVerifyAccess(members: readonly string[]): KmsCryptoKeyIamMember[] {
    return members.map((m) => this.grantVerify(principal(m)));
  }

  private grant(grantee: Grantee, access: SigningKeyAccess): KmsCryptoKeyIamMember {
    return new KmsCryptoKeyIamMember(this, grantee.grantId(access), {
      cryptoKeyId: this.cryptoKey.id,
      role: SIGNING_KEY_ROLES[access],
      member: grantee.member,
    });
  }
}
