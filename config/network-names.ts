// What the stack names in the private VPC, and the DNS names its VMs need at the Google APIs VIP. Pure
// functions of the config: the loader checks the names (length, clashes between environments), the
// constructs create them.

/** The default of `networks.private.namePrefix`. */
export const DEFAULT_NAME_PREFIX = "pip-airlock";

/** Compute Engine and Cloud DNS names: at most 63 characters (RFC 1035 labels). */
export const NAME_MAX = 63;

/** What the stack adds to the private VPC, by the last part of its name. */
export const PLUMBING_SUFFIXES = {
  iapSsh: "allow-iap-ssh",
  googleApisEgress: "allow-google-apis",
  denyAllEgress: "deny-all-egress",
  route: "google-apis",
  zoneGoogleapis: "googleapis",
  zonePkgDev: "pkg-dev",
  responsePolicy: "google-apis",
} as const;

/** The fleet's health-check ingress rule (fleet.healthCheck): `<base>-allow-health-checks`. */
export const HEALTH_CHECK_SUFFIX = "allow-health-checks";

export type PlumbingPart = keyof typeof PLUMBING_SUFFIXES;

/** The longest suffix: a name base longer than NAME_MAX minus this (and a hyphen) makes a name GCE refuses. */
export const LONGEST_SUFFIX = Object.values(PLUMBING_SUFFIXES).reduce((a, b) => (b.length > a.length ? b : a));

export interface PrivateNetworkNaming {
  readonly name: string;
  readonly existing?: unknown;
  readonly namePrefix: string;
}

/**
 * What every name the stack adds to the private VPC starts with. In an existing VPC (Shared VPC or not)
 * `<namePrefix>-<environment>`: two environments, another team's stack and the network team's own rules
 * never share a name there. In a VPC the stack creates, the VPC's name (it owns the VPC; the names of
 * earlier releases stay).
 */
export function plumbingBase(environment: string, network: PrivateNetworkNaming): string {
  return network.existing ? `${network.namePrefix}-${environment}` : network.name;
}

export function plumbingName(base: string, part: PlumbingPart): string {
  return `${base}-${PLUMBING_SUFFIXES[part]}`;
}

/**
 * The names an environment's VMs resolve to reach Google APIs (what the host agent calls, besides the
 * metadata server): Artifact Registry's Python host of the region, and in mirror mode Cloud KMS, whose
 * public key verifies the signed set (startup-script/config-views.ts: AR_HOST, KMS_ENDPOINT). Each
 * must resolve into the VIP range: the egress rules allow nothing else.
 */
export function vipDnsNames(config: { readonly region: string; readonly mode: "mirror" | "remote" }): string[] {
  return [`${config.region}-python.pkg.dev.`, ...(config.mode === "mirror" ? ["cloudkms.googleapis.com."] : [])];
}
