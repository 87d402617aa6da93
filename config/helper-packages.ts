import { parseRequirement } from "./requirements";

/** What the bootstrap installs on every host to authenticate pip to Artifact Registry (the keyring backend and its CLI). */
export const AUTH_HELPERS = ["keyring", "keyrings.google-artifactregistry-auth"] as const;

/**
 * `mirror.packages` is what the bootstrap installs from the auth repo: without both helpers a host's pip has
 * no Artifact Registry credentials, and the bootstrap's probe fails on every host. A lock must then pin them
 * (config/lock-checks.ts refuses a lock that does not pin every package listed here).
 */
export function helperPackageProblem(packages: readonly string[]): string | undefined {
  const names = new Set(packages.map((p) => parseRequirement(p).name));
  const missing = AUTH_HELPERS.filter((h) => !names.has(parseRequirement(h).name));
  if (missing.length === 0) return undefined;
  return `lacks ${missing.map((m) => `"${m}"`).join(" and ")}, which the bootstrap installs so that pip authenticates to Artifact Registry (without ${missing.length > 1 ? "them" : "it"} the probe fails on every host): add ${missing.map((m) => `"${m}"`).join(" and ")} to the list, beside your own packages`;
}
