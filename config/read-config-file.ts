import { readFileSync } from "fs";
import { ConfigError } from "./config-error";
import { JsonProblems, parseConfigJson } from "./read-json";

/** The config file's content, parsed. Throws ConfigError when it cannot be read or is no config JSON. */
export function readConfigFile(file: string): unknown {
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
