import { satisfies } from "@renovatebot/pep440/lib/specifier";
import { readFileSync } from "fs";
import * as path from "path";
import { z } from "zod";
import { consumerOutputName } from "./consumers";
import { linesWithControlCharacters } from "./control-characters";
import { egressRuleName } from "./egress-allow";
import { atTheirPaths } from "./env-problems";
import { lockGaps } from "./helper-requirements";
import { lookupImage, minorVersion } from "./images";
import { regionNote } from "./zones";
import { pipKeyringProblems } from "./pip-keyring";
import { lockPins, parseRequirement, VENV_TOOL } from "./requirements";
import { didYouMean, knownKeys } from "./suggest";
import { JsonProblems, parseConfigJson } from "./read-json";
import { HEALTH_CHECK_SUFFIX, plumbingBase, plumbingName, PlumbingPart } from "./network-names";
import { retiredKey } from "./retired-keys";
import { nameLengthProblems, UNSHARED, VpcSharing, vpcSharing } from "./shared-vpc";
import { configFileSchema, EnvironmentConfig, environmentSchema } from "./schema";

/** One environment, ready for a stack: validated settings plus the files they name, already read. */
export interface LoadedEnvironment {
  readonly name: string;
  readonly config: EnvironmentConfig;
  /** Content of `mirror.lockFile`, or "" when none is set. */
  readonly lockContent: string;
  /** What the config cannot be checked for here (a region or image pip-airlock does not know), one line each. */
  readonly notes: readonly string[];
  /** The other environments of the config on the same private VPC: whose route and DNS it uses, who uses its own. */
  readonly sharing: VpcSharing;
}

/** A config that cannot be used; `problems` holds one line per problem: the field path and the fix. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(problems.map((p) => `${file}: ${p}`).join("\n"));
    this.name = "ConfigError";
  }
}

/** Where a config's `mirror.lockFile` is read from. */
export interface LockFiles {
  /** The lock's content; throws when it cannot be read. */
  read(lockFile: string): string;
  /** Where that is, as a problem says it ("next to the config file"). */
  readonly where: string;
}

/** Read, merge and validate a config file into one environment per stack. Throws ConfigError. */
export function loadConfig(file: string): LoadedEnvironment[] {
  return checkConfig(readJson(file), file, {
    read: (lockFile) => readFileSync(path.resolve(path.dirname(file), lockFile), "utf8"),
    where: "next to the config file",
  });
}

/**
 * Merge and validate a config's content (what loadConfig reads from a file) into one environment per stack.
 * Throws ConfigError, whose lines start with `file` (a file name, or what else the config came from).
 */
export function checkConfig(raw: unknown, file: string, lockFiles: LockFiles): LoadedEnvironment[] {
  const head = configFileSchema.safeParse(raw, { reportInput: true });
  if (!head.success) throw new ConfigError(file, describe(head.error, configFileSchema));
  const { name, environments, $schema: _editorSchema, ...base } = head.data;
  const variants: Array<[string, unknown, string]> = environments
    ? Object.entries(environments).map(([envName, overrides]) => [envName, mergeOverrides(base, overrides), `environments.${envName}.`])
    : [[name, base, ""]];
  if (environments && variants.length === 0) {
    throw new ConfigError(file, ["environments: is empty: define at least one environment or remove the key"]);
  }
  const problems: string[] = [];
  const loaded: LoadedEnvironment[] = [];
  for (const [envName, settings, prefix] of variants) {
    const parsed = environmentSchema.safeParse(settings, { reportInput: true });
    if (!parsed.success) {
      problems.push(...describe(parsed.error, environmentSchema).map((line) => prefix + line));
      continue;
    }
    const lockFile = parsed.data.mirror.lockFile;
    let lockContent = "";
    if (lockFile) {
      try {
        lockContent = lockFiles.read(lockFile);
      } catch {
        problems.push(
          `${prefix}mirror.lockFile: cannot read "${lockFile}" ${lockFiles.where}: make it with recipes/make-lock.sh (docs/configuration.md, Locks), or remove the key`,
        );
        continue;
      }
      const controlLines = linesWithControlCharacters(lockContent);
      if (controlLines.length > 0) {
        const found = controlLines.map((l) => `${l.description} at line ${l.line}, column ${l.column}`).join("; ");
        problems.push(
          `${prefix}mirror.lockFile: "${lockFile}" has ${found}: a lock is lines of printable text, and pip breaks a line at U+2028, U+0085 and other controls ` +
            "(Python's str.splitlines), so what follows one would be a line of its own, such as an option --index-url. Remove them, or make the lock again with recipes/make-lock.sh",
        );
        continue;
      }
      if (!/--hash=sha256:[0-9a-f]{64}/.test(lockContent)) {
        problems.push(
          `${prefix}mirror.lockFile: "${lockFile}" has no --hash=sha256: pins: make it with recipes/make-lock.sh (docs/configuration.md, Locks), which pins every file with its hash`,
        );
        continue;
      }
      // With --require-hashes the mirror downloads only what the lock pins: pip and every configured package.
      const pins = lockPins(lockContent);
      if (!pins.has("pip")) {
        problems.push(
          `${prefix}mirror.lockFile: "${lockFile}" does not pin pip, which bare private hosts bootstrap with: make it with recipes/make-lock.sh (docs/configuration.md, Locks), which pins pip too`,
        );
        continue;
      }
      // The bootstrap keeps the venv's pip only if it satisfies mirror.bootstrapPip: a lock pinning another never could
      // (one below 23.1 gets the sharper message of pipKeyringProblems).
      const bootstrapSpec = parseRequirement(parsed.data.mirror.bootstrapPip).specifier;
      if (bootstrapSpec && satisfies(pins.get("pip")!, ">=23.1") && !satisfies(pins.get("pip")!, bootstrapSpec)) {
        problems.push(
          `${prefix}mirror.lockFile: "${lockFile}" pins pip==${pins.get("pip")}, which mirror.bootstrapPip "${parsed.data.mirror.bootstrapPip}" excludes: the private hosts would refuse the only pip the mirror uploads. Pin a pip that satisfies it, or change mirror.bootstrapPip`,
        );
        continue;
      }
      const unpinned = parsed.data.mirror.packages.map((r) => parseRequirement(r).name).filter((name) => !pins.has(name));
      if (unpinned.length > 0) {
        problems.push(
          `${prefix}mirror.lockFile: "${lockFile}" does not pin ${unpinned.join(", ")} of mirror.packages: make it with recipes/make-lock.sh (docs/configuration.md, Locks) from the synthesized stack, which carries mirror.packages`,
        );
        continue;
      }
      // The mirror also uploads virtualenv, which bare private hosts create their users' venvs with.
      if (!pins.has(VENV_TOOL)) {
        problems.push(
          `${prefix}mirror.lockFile: "${lockFile}" does not pin ${VENV_TOOL}, which bare private hosts create venvs with: compile the lock from mirror.packages plus ${VENV_TOOL} (its dependencies come with it)`,
        );
        continue;
      }
      const gaps = lockGaps(
        new Set(pins.keys()),
        parsed.data.mirror.targets.map((t) => minorVersion(t.python)),
      );
      if (gaps.length > 0) {
        const byProject = [...new Set(gaps.map(([, by]) => by))].map(
          (by) =>
            `${by} without ${gaps
              .filter(([, b]) => b === by)
              .map(([dep]) => dep)
              .join(", ")}`,
        );
        problems.push(
          `${prefix}mirror.lockFile: "${lockFile}" pins ${byProject.join("; ")}: --require-hashes needs every dependency pinned, so the mirror would fail at download. ` +
            "Make the lock for every target with recipes/make-lock.sh",
        );
        continue;
      }
    }
    // What a spec or the lock says outright; the pips users run on each target (the mirrored one, the one the
    // mirrored virtualenv seeds for that CPython) the mirror checks on the real wheels at its `policy` step.
    const pairing = pipKeyringProblems(parsed.data.mirror, lockContent);
    if (pairing.length > 0) {
      problems.push(...pairing.map((line) => prefix + line));
      continue;
    }
    problems.push(...nameLengthProblems(envName, parsed.data, prefix));
    loaded.push({ name: envName, config: parsed.data, lockContent, notes: configNotes(parsed.data, prefix), sharing: UNSHARED });
  }
  // A top-level mistake every environment inherits is said once, where it is in the file.
  if (environments) problems.splice(0, problems.length, ...atTheirPaths(problems, environments));
  problems.push(...sharedNames(loaded, environments !== undefined));
  const shared = vpcSharing(loaded, environments !== undefined);
  problems.push(...shared.problems);
  if (problems.length > 0) throw new ConfigError(file, problems);
  return loaded.map((env) => ({
    ...env,
    notes: [...env.notes, ...(shared.notes.get(env.name) ?? [])],
    sharing: shared.sharing.get(env.name) ?? UNSHARED,
  }));
}

/** What a valid config may still get wrong where no table here can tell: a new region, a custom image. */
function configNotes(c: EnvironmentConfig, prefix: string): string[] {
  const images: Array<[string, string]> = [
    ...(c.hosts.createPrivateHost ? [["hosts.image", c.hosts.image] as [string, string]] : []),
    ...(c.fleet ? [["fleet.image", c.fleet.image] as [string, string]] : []),
  ];
  const custom = images
    .filter(([, image]) => lookupImage(image).kind === "custom")
    .map(
      ([field, image]) =>
        `${prefix}${field}: "${image}" is a custom image: its VMs get what mirror.targets declares (${c.mirror.targets.map((t) => `CPython ${t.python}, glibc ${t.glibc}, ${t.arch}`).join("; ") || "no mirror: remote mode"}); make sure that is what it runs`,
    );
  const region = regionNote(c.region);
  return [...(region ? [`${prefix}region: ${region}`] : []), ...custom, ...consumersStateNote(c, prefix)];
}

/**
 * Consumers read the stack's outputs from its state (terraform_remote_state): with local state (no stateBucket)
 * that state is a file on the deploying machine, which their Terraform cannot read. Noted, not refused: the
 * grants, targets and rules still hold, and the values can be handed over by hand.
 */
function consumersStateNote(c: EnvironmentConfig, prefix: string): string[] {
  const names = Object.keys(c.consumers);
  if (names.length === 0 || c.stateBucket) return [];
  return [
    `${prefix}consumers: the stack's state is local (no stateBucket), a file on the machine that deploys: the consumers' Terraform cannot read ` +
      `${names.map(consumerOutputName).join(", ")} with terraform_remote_state. Set stateBucket (docs/configuration.md, Consumers), or hand each its output ("terraform output -json OUTPUT") after every deploy`,
  ];
}

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

/**
 * Environments must not claim the same resource in the same project: Terraform would fight over it. VPCs
 * and service accounts are project-wide, repositories regional, VMs zonal; the plumbing a stack adds to an
 * existing VPC lives in the VPC's own project, which two environments of a Shared VPC share.
 */
function sharedNames(envs: LoadedEnvironment[], named: boolean): string[] {
  const owners = new Map<string, string>();
  const problems: string[] = [];
  for (const { name, config: c } of envs) {
    const inProject = (pairs: Array<[string, string]>): Claim[] => pairs.map(([field, what]) => ({ field, project: c.projectId, what }));
    const claims: Claim[] = [
      ...inProject([
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
      ]),
      ...plumbingClaims(name, c),
      ...privateRuleClaims(name, c),
    ];
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

function readJson(file: string): unknown {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message;
    throw new ConfigError(file, [`cannot read the config file (${reason}): check the path given in AIRLOCK_CONFIG`]);
  }
  try {
    return parseConfigJson(bytes);
  } catch (e) {
    if (e instanceof JsonProblems) throw new ConfigError(file, e.problems);
    throw e;
  }
}

/** Objects merge key by key; null removes what `base` has (its default applies again); anything else replaces it. */
export function mergeOverrides(base: unknown, overrides: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(overrides)) return overrides === undefined ? base : overrides;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === null) delete merged[key];
    else merged[key] = mergeOverrides(base[key], value);
  }
  return merged;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** zod's type names as a reader says them (zod 4 calls a record "record"). */
const TYPE_WORDS: Record<string, string> = {
  object: "an object",
  record: "an object",
  array: "an array (a list in [ ])",
  string: "a string (in double quotes)",
  int: "a whole number",
};

function describe(error: z.ZodError, schema: z.ZodType): string[] {
  return error.issues
    .map((issue) => {
      const where = issue.path.length ? issue.path.join(".") : "(top level)";
      if (issue.code === "unrecognized_keys") {
        const prefix = issue.path.length ? `${issue.path.join(".")}.` : "";
        const known = [...knownKeys(schema, issue.path), ...(issue.path.length === 0 ? Object.keys(configFileSchema.shape) : [])];
        return issue.keys
          .map((k) => {
            const retired = retiredKey(issue.path, k, issue.input);
            if (retired) return `${prefix}${k}: ${retired}`;
            const meant = didYouMean(k, known);
            return `${prefix}${k}: unknown key: ${meant ? `did you mean "${meant}"?` : "remove it or check its spelling"}`;
          })
          .join("\n");
      }
      if (issue.code === "invalid_key") {
        return `${where}: ${issue.issues.map((i) => i.message).join("; ")}`;
      }
      if (issue.code === "invalid_type" && issue.input === undefined) {
        return `${where}: is required: add it (see docs/configuration.md)`;
      }
      if (issue.code === "invalid_type") {
        return `${where}: must be ${TYPE_WORDS[issue.expected] ?? `a ${issue.expected}`}`;
      }
      if (issue.code === "invalid_value" && "values" in issue) {
        return `${where}: must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
      }
      return `${where}: ${issue.message}`;
    })
    .flatMap((line) => line.split("\n"));
}
