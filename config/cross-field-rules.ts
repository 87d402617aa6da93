import { z } from "zod";
import { ACCOUNT_ID, ACCOUNT_ID_RULE, accountIds, defaultScheduleAccountId, fleetAccountId } from "./account-ids";
import { overlaps, parseCidr } from "./cidr";
import { consumerProblems } from "./consumers";
import { consumersContext } from "./consumers-context";
import { fleetProblems } from "./fleet-checks";
import { helperPackageProblem } from "./helper-packages";
import { vmArchProblems } from "./image-arch";
import { hostMachineTypeProblem } from "./machine-types";
import type { EnvironmentFields } from "./schema";
import { DEFAULT_SIGNING_KEY_RING } from "./signing";
import { publicImageProblems, resolveTargets } from "./targets";
import { REGION_ZONES, zoneProblem } from "./zones";

/** What a rule finds wrong: the field the fix goes in, and the fix. */
interface CrossFieldProblem {
  readonly path: ReadonlyArray<string | number>;
  readonly message: string;
}

/** A rule between fields of one environment's settings: the problems it finds, none when they agree. */
type CrossFieldRule = (env: EnvironmentFields) => readonly CrossFieldProblem[];

const SIDES = ["public", "private"] as const;

function problemAt(path: Array<string | number>, message: string | undefined): CrossFieldProblem[] {
  return message ? [{ path, message }] : [];
}

/** The airlock's own VMs in the private VPC: the private host, the fleet and the consumers'. */
function hasPrivateVms(env: EnvironmentFields): boolean {
  return env.hosts.createPrivateHost || env.fleet !== undefined || Object.keys(env.consumers).length > 0;
}

function zoneInRegion(env: EnvironmentFields): CrossFieldProblem[] {
  if (env.zone.startsWith(`${env.region}-`)) return [];
  return problemAt(["zone"], `must be a zone of region "${env.region}", such as "${env.region}-${REGION_ZONES[env.region]?.[0] ?? "a"}"`);
}

function zoneKnown(env: EnvironmentFields): CrossFieldProblem[] {
  return problemAt(["zone"], zoneProblem(env.region, env.zone));
}

function publicNetworkInMirrorMode(env: EnvironmentFields): CrossFieldProblem[] {
  if (env.mode !== "mirror" || env.networks.public) return [];
  return problemAt(["networks", "public"], 'is required in mirror mode: add { "name": ..., "subnetCidr": ... } or use mode "remote"');
}

function subnetCidrForCreatedVpcs(env: EnvironmentFields): CrossFieldProblem[] {
  return SIDES.flatMap((side) => {
    const network = env.networks[side];
    if (!network) return [];
    return [
      ...(!network.existing && !network.subnetCidr
        ? problemAt(
            ["networks", side, "subnetCidr"],
            `is required when the stack creates the VPC: add a range, or name an existing subnet in networks.${side}.existing`,
          )
        : []),
      ...(network.existing && network.subnetCidr
        ? problemAt(["networks", side, "subnetCidr"], "does not apply to an existing VPC (its subnet has its range): remove it")
        : []),
    ];
  });
}

function manageOnlyInExistingVpc(env: EnvironmentFields): CrossFieldProblem[] {
  const privateNet = env.networks.private;
  if (privateNet.existing || !Object.values(privateNet.manage).includes(false)) return [];
  return problemAt(
    ["networks", "private", "manage"],
    "applies to an existing VPC only: a VPC the stack creates always gets its route, zones and rules",
  );
}

function externalDnsOnlyInExistingVpc(env: EnvironmentFields): CrossFieldProblem[] {
  const privateNet = env.networks.private;
  if (privateNet.existing || privateNet.dns !== "external") return [];
  return problemAt(
    ["networks", "private", "dns"],
    '"external" applies to an existing VPC only: a VPC the stack creates has no other DNS. Use "zones" or "response-policy"',
  );
}

function egressRulesHaveVms(env: EnvironmentFields): CrossFieldProblem[] {
  const privateNet = env.networks.private;
  if (!privateNet.existing || !privateNet.manage.egressRules || hasPrivateVms(env)) return [];
  return problemAt(
    ["networks", "private", "manage", "egressRules"],
    "has no airlock VM to apply to in an existing VPC (no private host, no fleet, no consumers), and the stack never restricts other VMs there: set it to false and restrict egress yourself",
  );
}

function subnetsApart(env: EnvironmentFields): CrossFieldProblem[] {
  const publicNetwork = env.networks.public;
  const privateNet = env.networks.private;
  const pub = publicNetwork?.subnetCidr ? parseCidr(publicNetwork.subnetCidr) : undefined;
  const priv = privateNet.subnetCidr ? parseCidr(privateNet.subnetCidr) : undefined;
  if (!publicNetwork || !pub || !priv || !overlaps(pub, priv)) return [];
  return problemAt(
    ["networks", "private", "subnetCidr"],
    `overlaps networks.public.subnetCidr (${publicNetwork.subnetCidr}): choose a range outside it`,
  );
}

function repositoryIdsDistinct(env: EnvironmentFields): CrossFieldProblem[] {
  const repos = env.repositories;
  const ids = [
    ["auth", repos.auth],
    ["private", repos.private],
    ...(env.mode === "remote" ? [["remote", repos.remote]] : []),
    ...(repos.virtual.enabled ? [["virtual", repos.virtual.id]] : []),
  ];
  const seen = new Map<string, string>();
  const problems: CrossFieldProblem[] = [];
  for (const [key, id] of ids) {
    const other = seen.get(id);
    if (other) {
      problems.push({
        path: ["repositories", key],
        message: `repeats the id "${id}" of repositories.${other}: every repository needs its own id`,
      });
    }
    seen.set(id, key);
  }
  return problems;
}

function hostNamesDistinct(env: EnvironmentFields): CrossFieldProblem[] {
  if (env.hosts.publicName !== env.hosts.privateName) return [];
  return problemAt(["hosts", "privateName"], "must differ from hosts.publicName");
}

function hostAccountIdDefaults(env: EnvironmentFields): CrossFieldProblem[] {
  return SIDES.flatMap((side) => {
    const name = env.hosts[`${side}Name`];
    if (env.hosts[`${side}AccountId`] !== undefined || ACCOUNT_ID.test(name)) return [];
    return problemAt(
      ["hosts", `${side}AccountId`],
      `defaults to hosts.${side}Name "${name}", which is no service account id (${ACCOUNT_ID_RULE}): set hosts.${side}AccountId`,
    );
  });
}

function fleetAccountIdDefault(env: EnvironmentFields): CrossFieldProblem[] {
  if (!env.fleet || env.fleet.accountId !== undefined || ACCOUNT_ID.test(env.fleet.name)) return [];
  return problemAt(
    ["fleet", "accountId"],
    `defaults to fleet.name "${env.fleet.name}", which is no service account id (${ACCOUNT_ID_RULE}): set fleet.accountId`,
  );
}

function fleetSettings(env: EnvironmentFields): CrossFieldProblem[] {
  return (env.fleet ? fleetProblems(env.fleet, env.region) : []).map((problem) => ({
    path: ["fleet", ...problem.path],
    message: problem.message,
  }));
}

function hostMachineType(env: EnvironmentFields): CrossFieldProblem[] {
  return problemAt(["hosts", "machineType"], hostMachineTypeProblem(env.hosts.machineType));
}

function helperPackagesMirrored(env: EnvironmentFields): CrossFieldProblem[] {
  return problemAt(["mirror", "packages"], helperPackageProblem(env.mirror.packages));
}

function imagesFitMachineTypes(env: EnvironmentFields): CrossFieldProblem[] {
  return vmArchProblems(env);
}

function allowEgressHasVms(env: EnvironmentFields): CrossFieldProblem[] {
  if (env.networks.private.allowEgress.length === 0 || hasPrivateVms(env)) return [];
  return problemAt(
    ["networks", "private", "allowEgress"],
    "holds for the private host, the fleet and the consumers, and the stack has none: remove it, or add a fleet or a consumer",
  );
}

function fleetAccountOwn(env: EnvironmentFields): CrossFieldProblem[] {
  const fleetAccount = env.fleet ? fleetAccountId(env.fleet) : undefined;
  if (!fleetAccount || ![accountIds(env).public, accountIds(env).private].includes(fleetAccount)) return [];
  return problemAt(["fleet", "accountId"], `"${fleetAccount}" is already a host's service account: the fleet gets its own`);
}

function hostAccountsDistinct(env: EnvironmentFields): CrossFieldProblem[] {
  if (accountIds(env).public !== accountIds(env).private) return [];
  return problemAt(["hosts", "privateAccountId"], "must differ from hosts.publicAccountId: each host gets its own service account");
}

function cmekKeyInRegion(env: EnvironmentFields): CrossFieldProblem[] {
  const kmsLocation = env.repositories.kmsKeyName?.split("/")[3];
  if (!kmsLocation || kmsLocation === env.region) return [];
  return problemAt(
    ["repositories", "kmsKeyName"],
    `is in location "${kmsLocation}": Artifact Registry needs a key in the repositories' region "${env.region}"`,
  );
}

function readersOfCreatedRepositories(env: EnvironmentFields): CrossFieldProblem[] {
  const absent: Array<["auth" | "remote", boolean]> = [
    ["auth", env.mode === "remote"],
    ["remote", env.mode === "mirror"],
  ];
  return absent.flatMap(([repo, missing]) =>
    missing && env.repositories.access[repo].readers.length > 0
      ? problemAt(
          ["repositories", "access", repo, "readers"],
          `names readers of the ${repo} repository, which ${env.mode} mode does not create: remove them`,
        )
      : [],
  );
}

function virtualReadersNeedVirtual(env: EnvironmentFields): CrossFieldProblem[] {
  if (env.repositories.access.virtual.readers.length === 0 || env.repositories.virtual.enabled) return [];
  return problemAt(
    ["repositories", "access", "virtual", "readers"],
    "names readers of a virtual repository that is not enabled: set repositories.virtual.enabled or remove them",
  );
}

function scheduleAccountIdDefault(env: EnvironmentFields): CrossFieldProblem[] {
  const scheduleAccount = env.mirror.scheduleAccountId ?? defaultScheduleAccountId(accountIds(env).public);
  if (!env.mirror.schedule || env.mode !== "mirror" || env.mirror.scheduleAccountId !== undefined || ACCOUNT_ID.test(scheduleAccount))
    return [];
  return problemAt(
    ["mirror", "scheduleAccountId"],
    `defaults to "${scheduleAccount}", which is no service account id (${ACCOUNT_ID_RULE}): set mirror.scheduleAccountId`,
  );
}

// Remote mode has no mirror: there the schedule is ignored, and stopWhenDone with it.
function scheduledMirrorStops(env: EnvironmentFields): CrossFieldProblem[] {
  if (!env.mirror.schedule || env.mode !== "mirror" || env.mirror.stopWhenDone) return [];
  return problemAt(
    ["mirror", "stopWhenDone"],
    "is false while mirror.schedule re-runs the mirror: the schedule starts the public host (compute.instances.start), which does nothing to a VM that is running, " +
      "so a mirror that never stops is never re-run by it (and keeps a VM with internet egress and write access to the auth repo running). " +
      "Remove mirror.stopWhenDone or set it to true, or drop mirror.schedule",
  );
}

function vpcscPolicyBehindRestrictedVip(env: EnvironmentFields): CrossFieldProblem[] {
  if (env.mode !== "remote" || env.networks.private.googleApis !== "restricted" || env.repositories.vpcscPolicy) return [];
  return problemAt(
    ["repositories", "vpcscPolicy"],
    "is required in remote mode behind the restricted VIP: inside a VPC Service Controls perimeter the PyPI remote repository cannot reach PyPI until Artifact Registry's VPC-SC policy allows it. " +
      `Set "manage" to let this stack allow it, or run "gcloud artifacts vpcsc-config allow --project=${env.projectId} --location=${env.region}" and set "external"`,
  );
}

// Remote mode has no mirror: nothing signs what the PyPI remote repository serves, nor checks it. A
// policy that silently did nothing would promise a protection the hosts do not get.
function signingAndPolicyOnlyInMirrorMode(env: EnvironmentFields): CrossFieldProblem[] {
  if (env.mode !== "remote") return [];
  return (["signing", "policy"] as const).flatMap((part) =>
    env.mirror[part] === undefined
      ? []
      : problemAt(
          ["mirror", part],
          `does not apply in remote mode: there is no mirror, and the PyPI remote repository serves PyPI's files as they are, ${part === "signing" ? "unsigned" : "with no cooldown, vulnerability or provenance check"}. ` +
            'Remove it, or use mode "mirror" (with environments: set it only in the environments of mode "mirror")',
        ),
  );
}

function ageExemptNeedsCooldown(env: EnvironmentFields): CrossFieldProblem[] {
  const policy = env.mirror.policy;
  if (!policy || policy.minReleaseAgeDays !== 0 || policy.ageExempt.length === 0) return [];
  return problemAt(
    ["mirror", "policy", "ageExempt"],
    "exempts projects from a cooldown that is off (minReleaseAgeDays 0): remove them, or set mirror.policy.minReleaseAgeDays",
  );
}

function waiversNeedVulnerabilityLookups(env: EnvironmentFields): CrossFieldProblem[] {
  const policy = env.mirror.policy;
  if (!policy || policy.vulnerabilities !== "off" || policy.waivers.length === 0) return [];
  return problemAt(
    ["mirror", "policy", "waivers"],
    'waive advisories the mirror does not look up (vulnerabilities "off"): remove them, or set mirror.policy.vulnerabilities to "refuse" or "report"',
  );
}

function publishersNeedProvenance(env: EnvironmentFields): CrossFieldProblem[] {
  const policy = env.mirror.policy;
  if (!policy || policy.provenance !== "off" || Object.keys(policy.publishers).length === 0) return [];
  return problemAt(
    ["mirror", "policy", "publishers"],
    'name publishers the mirror does not check (provenance "off"): remove them, or set mirror.policy.provenance to "refuse-changed" or "record"',
  );
}

// The CMEK key must exist before the stack (docs/configuration.md); the stack creates the signing key ring itself.
function signingRingNotCmekRing(env: EnvironmentFields): CrossFieldProblem[] {
  const cmekRing = env.repositories.kmsKeyName?.split("/").slice(0, 6).join("/");
  const signingRing = env.mirror.signing?.keyRing ?? DEFAULT_SIGNING_KEY_RING;
  if (env.mode !== "mirror" || cmekRing !== `projects/${env.projectId}/locations/${env.region}/keyRings/${signingRing}`) return [];
  return problemAt(
    ["mirror", "signing", "keyRing"],
    `"${signingRing}" is the key ring of repositories.kmsKeyName, which must exist before a deploy, while the stack creates the signing key's key ring itself: name another key ring (mirror.signing.keyRing)`,
  );
}

function mirrorTargets(env: EnvironmentFields): readonly CrossFieldProblem[] {
  return resolveTargets(env).problems;
}

function publicHostImage(env: EnvironmentFields): readonly CrossFieldProblem[] {
  return publicImageProblems(env);
}

function consumersFitTheStack(env: EnvironmentFields): readonly CrossFieldProblem[] {
  return consumerProblems(env.consumers, consumersContext(env));
}

/** Every rule, in the order its problems are said. */
const CROSS_FIELD_RULES: readonly CrossFieldRule[] = [
  zoneInRegion,
  zoneKnown,
  publicNetworkInMirrorMode,
  subnetCidrForCreatedVpcs,
  manageOnlyInExistingVpc,
  externalDnsOnlyInExistingVpc,
  egressRulesHaveVms,
  subnetsApart,
  repositoryIdsDistinct,
  hostNamesDistinct,
  hostAccountIdDefaults,
  fleetAccountIdDefault,
  fleetSettings,
  hostMachineType,
  helperPackagesMirrored,
  imagesFitMachineTypes,
  allowEgressHasVms,
  fleetAccountOwn,
  hostAccountsDistinct,
  cmekKeyInRegion,
  readersOfCreatedRepositories,
  virtualReadersNeedVirtual,
  scheduleAccountIdDefault,
  scheduledMirrorStops,
  vpcscPolicyBehindRestrictedVip,
  signingAndPolicyOnlyInMirrorMode,
  ageExemptNeedsCooldown,
  waiversNeedVulnerabilityLookups,
  publishersNeedProvenance,
  signingRingNotCmekRing,
  mirrorTargets,
  publicHostImage,
  consumersFitTheStack,
];

/** The environment schema's superRefine: every cross-field rule, each problem an issue at its field. */
export function checkCrossFieldRules(env: EnvironmentFields, ctx: z.RefinementCtx<EnvironmentFields>): void {
  for (const rule of CROSS_FIELD_RULES) {
    for (const { path, message } of rule(env)) ctx.addIssue({ code: "custom", path: [...path], message });
  }
}
