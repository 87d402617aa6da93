import { readFileSync } from "fs";
import * as path from "path";
import { z } from "zod";
import { checkConfig, ConfigError, LoadedEnvironment, LockFiles } from "./load";
import { environmentName, environmentSchema } from "./schema";

/**
 * One environment's settings as a team writes them in code: the keys of one environment of the config
 * file (docs/configuration.md), each with the default documented there when left out. PipAirlock
 * validates it as the app validates a config file, with the same messages.
 */
export type AirlockConfig = z.input<typeof environmentSchema>;

export interface AirlockConfigOptions {
  /** The environment's name: label `airlock-env`, the mirror's start role. Lowercase letters, digits or '-'. */
  readonly environment: string;
  /** What each problem names as the config's source, e.g. `PipAirlock platform/airlock`. */
  readonly source: string;
  /** The content of the lock `mirror.lockFile` names, instead of reading that file. */
  readonly lockContent?: string;
  /** Where a relative `mirror.lockFile` is read from. @default process.cwd() */
  readonly baseDir?: string;
}

/** Keys of a config file that are not one environment's settings, and what to do instead. */
const FILE_ONLY_KEYS: Record<string, string> = {
  name: "a PipAirlock takes its environment's name from its `environment` prop (default: its id): remove the key",
  environments: "a PipAirlock is one environment: add one PipAirlock per environment, each in its own stack, and remove the key",
  $schema: "only a config file names its JSON Schema: remove the key",
};

/**
 * Validate one environment's settings given in code. Throws ConfigError, one line per problem: the source,
 * the field and the fix (as `loadConfig` does for a file).
 */
export function validateAirlockConfig(config: AirlockConfig, options: AirlockConfigOptions): LoadedEnvironment {
  const { source, environment } = options;
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new ConfigError(source, ["config: must be an object: one environment's settings (docs/configuration.md)"]);
  }
  const problems = Object.keys(FILE_ONLY_KEYS)
    .filter((key) => key in config)
    .map((key) => `${key}: is a key of the config file, not of one environment: ${FILE_ONLY_KEYS[key]}`);
  const name = environmentName.safeParse(environment);
  if (!name.success) {
    problems.push(
      `environment: "${environment}" is not an environment name (${name.error.issues[0].message}): set the environment prop, or give the construct such an id`,
    );
  }
  const lockFile = (config as { mirror?: { lockFile?: unknown } }).mirror?.lockFile;
  if (options.lockContent !== undefined && !lockFile) {
    problems.push(
      "lockContent: is given, but mirror.lockFile is not set: set mirror.lockFile to the lock's file name (the checks name it), or leave lockContent out",
    );
  }
  if (problems.length > 0) throw new ConfigError(source, problems);
  const [loaded] = checkConfig({ ...config, name: environment }, source, lockFiles(options));
  return loaded;
}

function lockFiles(options: AirlockConfigOptions): LockFiles {
  const { lockContent } = options;
  if (lockContent !== undefined) return { read: () => lockContent, where: "(lockContent)" };
  const baseDir = path.resolve(options.baseDir ?? process.cwd());
  return { read: (lockFile) => readFileSync(path.resolve(baseDir, lockFile), "utf8"), where: `in ${baseDir} (the baseDir prop)` };
}
