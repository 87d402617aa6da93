import { z } from "zod";
import type { MirrorModeConfig } from "./schema";

/** The key ring the stack creates for the signing key unless `mirror.signing.keyRing` names another. */
export const DEFAULT_SIGNING_KEY_RING = "pip-airlock-signing";

// Cloud KMS resource ids (key rings, keys): its own rule, and the agent's (SIGNING_KEY) too.
const kmsResourceId = z.string().regex(/^[A-Za-z0-9_-]{1,63}$/, "must be a Cloud KMS name: 1-63 letters, digits, '_' or '-'");

/** The signing key's name when `mirror.signing.key` is not set: one per protection level (see signingSchema). */
export function defaultSigningKey(protectionLevel: "SOFTWARE" | "HSM"): string {
  return protectionLevel === "HSM" ? "mirror-signing-hsm" : "mirror-signing";
}

/**
 * The mirror's signing key (Cloud KMS, RSA_SIGN_PKCS1_3072_SHA256), in the repositories' region. Cloud KMS
 * never frees a key ring's or a key's name, and a key's protection level cannot change: the default key
 * name follows the protection level, so switching it makes a new key beside the old one.
 */
export const signingSchema = z.strictObject({
  keyRing: kmsResourceId
    .default(DEFAULT_SIGNING_KEY_RING)
    .describe(
      "The Cloud KMS key ring the stack creates for the mirror's signing key: not the ring of `repositories.kmsKeyName`, which exists before the stack. " +
        "Two environments of one project and region need their own key ring.",
    ),
  key: kmsResourceId
    .optional()
    .describe(
      "The signing key: by default `mirror-signing`, or `mirror-signing-hsm` with HSM (a key keeps its protection level, and Cloud KMS never frees a name).",
    ),
  protectionLevel: z
    .enum(["SOFTWARE", "HSM"])
    .default("SOFTWARE")
    .describe(
      "Where the private key lives: `SOFTWARE` (the key in Cloud KMS's software, billed per version as any key) or `HSM` (a Cloud HSM, FIPS 140-2 level 3, at HSM prices; not in every region). " +
        "Its private key never leaves Cloud KMS either way.",
    ),
  keyVersion: z
    .number()
    .int()
    .min(1, "must be at least 1: Cloud KMS numbers a key's versions from 1")
    .default(1)
    .describe(
      "The key version the mirror signs with (`1` is the version Cloud KMS creates with the key). Rotation: create a version (output `signing_key`, `rotate`), then set this to its number.",
    ),
});

/** The mirror's signing key, `projects/P/locations/L/keyRings/R/cryptoKeys/K`: known from the config alone, so the scripts carry it verbatim. */
export function signingKeyName(config: MirrorModeConfig): string {
  const { keyRing, key } = config.mirror.signing;
  return `projects/${config.projectId}/locations/${config.region}/keyRings/${keyRing}/cryptoKeys/${key}`;
}
