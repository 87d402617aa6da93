import { egressRuleName } from "./egress-allow";
import { HEALTH_CHECK_SUFFIX, plumbingBase, plumbingName, PlumbingPart } from "./network-names";
import { EnvironmentConfig } from "./schema";

/** A resource an environment's stack creates: where, what, and how to resolve a clash. */
interface Claim {
  readonly field: string;
  readonly project: string;
  readonly what: string;
  /** The fix when another environment claims it too (by default: another name or project). */
  readonly fix?: (owner: string, env: string) => string;
  /** Follows from another claim (a name made from a VPC's name): said only when that one was not. */
  readonly quiet?: boolean;
}

interface Environment {
  readonly name: string;
  readonly config: EnvironmentConfig;
}

/**
 * Environments must not claim the same resource in the same project: Terraform would fight over it. VPCs
 * and service accounts are project-wide, repositories regional, VMs zonal; the plumbing a stack adds to an
 * existing VPC lives in the VPC's own project, which two environments of a Shared VPC share.
 */
export function nameClaimProblems(envs: readonly Environment[], named: boolean): string[] {
  const owners = new Map<string, string>();
  const problems: string[] = [];
  for (const { name, config: c } of envs) {
    const claims = [...projectClaims(c), ...plumbingClaims(name, c), ...privateRuleClaims(name, c)];
    const clashedWith = new Set<string>();
    for (const claim of claims) {
      const key = `${claim.project} ${claim.what}`;
      const owner = owners.get(key);
      if (owner !== undefined && owner !== name && !(claim.quiet && clashedWith.has(owner))) {
        clashedWith.add(owner);
        const fix = claim.fix ? claim.fix(owner, name) : "give each environment its own name or project";
        const where = claim.fix ? "" : ` in project ${claim.project}`;
        problems.push(
          `${named ? `environments.${name}.` : ""}${claim.field}: ${claim.what}${where} is also environment "${owner}"'s: ${fix}`,
        );
      }
      owners.set(key, owners.get(key) ?? name);
    }
  }
  return problems;
}

/** What the stack creates in its own project: VPCs, VMs, service accounts, repositories, the signing key ring. */
function projectClaims(c: EnvironmentConfig): Claim[] {
  const pairs: Array<[string, string]> = [
    ...(c.networks.private.existing ? [] : [["networks.private.name", `network ${c.networks.private.name}`] as [string, string]]),
    ...(c.hosts.createPrivateHost
      ? ([
          ["hosts.privateName", `instance ${c.zone}/${c.hosts.privateName}`],
          ["hosts.privateAccountId", `service account ${c.hosts.privateAccountId}`],
        ] as Array<[string, string]>)
      : []),
    ["repositories.private", `repository ${c.region}/${c.repositories.private}`],
    ...(c.mode === "mirror"
      ? ([
          ...(c.networks.public?.existing ? [] : [["networks.public.name", `network ${c.networks.public?.name}`] as [string, string]]),
          ["hosts.publicName", `instance ${c.zone}/${c.hosts.publicName}`],
          ["hosts.publicAccountId", `service account ${c.hosts.publicAccountId}`],
          ["repositories.auth", `repository ${c.region}/${c.repositories.auth}`],
          // Both would create it (the signing key's ring), and Cloud KMS never deletes one.
          ["mirror.signing.keyRing", `key ring ${c.region}/${c.mirror.signing.keyRing}`],
          ...(c.schedule ? ([["mirror.scheduleAccountId", `service account ${c.schedule.accountId}`]] as Array<[string, string]>) : []),
        ] as Array<[string, string]>)
      : [["repositories.remote", `repository ${c.region}/${c.repositories.remote}`] as [string, string]]),
    ...(c.repositories.virtual.enabled
      ? [["repositories.virtual.id", `repository ${c.region}/${c.repositories.virtual.id}`] as [string, string]]
      : []),
    ...(c.fleet
      ? ([
          ["fleet.name", `instance group ${c.fleet.zones ? c.region : c.zone}/${c.fleet.name}`],
          ...(c.fleet.healthCheck ? [["fleet.healthCheck", `health check ${c.fleet.name}-hc`] as [string, string]] : []),
          ["fleet.accountId", `service account ${c.fleet.accountId}`],
        ] as Array<[string, string]>)
      : []),
  ];
  return pairs.map(([field, what]) => ({ field, project: c.projectId, what }));
}

/**
 * What a stack adds to its private VPC, by name, in the VPC's project (Shared VPC: the host project):
 * firewall rules, routes, DNS zones and response policies are each named once per project. In an existing
 * VPC the names carry the environment, so only a namePrefix that makes one environment's names another's
 * clashes; in a VPC the stack creates they carry the VPC's name, whose own claim reports a clash first.
 */
function plumbingClaims(environment: string, c: EnvironmentConfig): Claim[] {
  const claims: Claim[] = [];
  const hasVms = c.hosts.createPrivateHost || c.fleet !== undefined || Object.keys(c.consumers).length > 0;
  const priv = c.networks.private;
  const project = priv.existing?.project ?? c.projectId;
  const base = plumbingBase(environment, priv);
  const all = !priv.existing;
  const parts: Array<[string, PlumbingPart, boolean]> = [
    ["firewall rule", "iapSsh", (all || priv.manage.iapSshRule) && hasVms],
    ["firewall rule", "googleApisEgress", all || priv.manage.egressRules],
    ["firewall rule", "denyAllEgress", all || priv.manage.egressRules],
    ["route", "route", all || priv.manage.googleApisRoute],
    ["DNS zone", "zoneGoogleapis", priv.dns === "zones"],
    ["DNS zone", "zonePkgDev", priv.dns === "zones"],
    ["response policy", "responsePolicy", priv.dns === "response-policy"],
  ];
  for (const [kind, part, made] of parts) {
    if (!made) continue;
    claims.push({
      field: priv.existing ? "networks.private.namePrefix" : "networks.private.name",
      project,
      what: `the ${kind} ${plumbingName(base, part)} in project ${project}`,
      quiet: true,
      fix: () =>
        priv.existing
          ? `give one of them another networks.private.namePrefix: names in an existing VPC are <namePrefix>-<environment>-<what>, and "${priv.namePrefix}-${environment}" is what the other's make too`
          : "give each environment its own VPC name or project",
    });
  }
  const pub = c.networks.public;
  if (c.mode === "mirror" && pub?.existing) {
    const project = pub.existing.project ?? c.projectId;
    claims.push({
      field: "networks.public.existing",
      project,
      what: `the firewall rules ${pub.name}-allow-web-egress, ${pub.name}-deny-all-egress and ${pub.name}-allow-iap-ssh on VPC ${pub.name} of project ${project}`,
      fix: (owner) =>
        `both environments' public hosts would create them there: give each environment its own public VPC, or run one mirror (this environment in mode "remote", or "${owner}"'s auth repo for both)`,
    });
  }
  return claims;
}

/** The allow-list's and the health checks' firewall rules, in the private VPC's project. */
function privateRuleClaims(environment: string, c: EnvironmentConfig): Claim[] {
  const priv = c.networks.private;
  const project = priv.existing?.project ?? c.projectId;
  const base = plumbingBase(environment, priv);
  return [
    ...priv.allowEgress.map((e) => ({
      field: "networks.private.allowEgress",
      project,
      what: `the firewall rule ${egressRuleName(base, e.name)}`,
    })),
    ...(c.fleet?.healthCheck ? [{ field: "fleet.healthCheck", project, what: `the firewall rule ${base}-${HEALTH_CHECK_SUFFIX}` }] : []),
  ];
}
