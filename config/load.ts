import { readFileSync } from "fs";
import * as path from "path";
import { ConfigError } from "./config-error";
import { configNotes } from "./config-notes";
import { describeIssues } from "./describe-issues";
import { atTheirPaths } from "./env-problems";
import { LockFiles, readLockFile } from "./lock-checks";
import { environmentSettings } from "./merge-environments";
import { nameClaimProblems } from "./name-claims";
import { pipKeyringProblems } from "./pip-keyring";
import { readConfigFile } from "./read-config-file";
import { configFileSchema, EnvironmentConfig, environmentSchema } from "./schema";
import { nameLengthProblems, UNSHARED, VpcSharing, vpcSharing } from "./shared-vpc";

export { ConfigError } from "./config-error";
export type { LockFiles } from "./lock-checks";
export { mergeOverrides } from "./merge-environments";

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

/** Read, merge and validate a config file into one environment per stack. Throws ConfigError. */
export function loadConfig(file: string): LoadedEnvironment[] {
  return checkConfig(readConfigFile(file), file, {
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
  if (!head.success) throw new ConfigError(file, describeIssues(head.error, configFileSchema));
  const { name, environments, $schema: _editorSchema, ...base } = head.data;
  const variants = environmentSettings(name, environments, base);
  if (environments && variants.length === 0) {
    throw new ConfigError(file, ["environments: is empty: define at least one environment or remove the key"]);
  }
  const problems: string[] = [];
  const loaded: LoadedEnvironment[] = [];
  for (const { name: envName, settings, prefix } of variants) {
    const parsed = environmentSchema.safeParse(settings, { reportInput: true });
    if (!parsed.success) {
      problems.push(...describeIssues(parsed.error, environmentSchema).map((line) => prefix + line));
      continue;
    }
    const lock = readLockFile(parsed.data.mirror, lockFiles);
    if ("problem" in lock) {
      problems.push(prefix + lock.problem);
      continue;
    }
    // What a spec or the lock says outright; the pips users run on each target (the mirrored one, the one the
    // mirrored virtualenv seeds for that CPython) the mirror checks on the real wheels at its `policy` step.
    const pairing = pipKeyringProblems(parsed.data.mirror, lock.content);
    if (pairing.length > 0) {
      problems.push(...pairing.map((line) => prefix + line));
      continue;
    }
    problems.push(...nameLengthProblems(envName, parsed.data, prefix));
    loaded.push({
      name: envName,
      config: parsed.data,
      lockContent: lock.content,
      notes: configNotes(parsed.data, prefix),
      sharing: UNSHARED,
    });
  }
  // A top-level mistake every environment inherits is said once, where it is in the file.
  if (environments) problems.splice(0, problems.length, ...atTheirPaths(problems, environments));
  problems.push(...nameClaimProblems(loaded, environments !== undefined));
  const shared = vpcSharing(loaded, environments !== undefined);
  problems.push(...shared.problems);
  if (problems.length > 0) throw new ConfigError(file, problems);
  return loaded.map((env) => ({
    ...env,
    notes: [...env.notes, ...(shared.notes.get(env.name) ?? [])],
    sharing: shared.sharing.get(env.name) ?? UNSHARED,
  }));
}
