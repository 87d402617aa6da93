import { existsSync } from "fs";
import * as path from "path";
import { ConfigError } from "../config/load";
import { readSynthRecord, synthCommand, SYNTH_RECORD_FILE, SynthRecord } from "./record";

/**
 * Which config to synthesize into `outdir`: `AIRLOCK_CONFIG` if set; else the one `outdir`'s synth record
 * names (a team's fork keeps synthesizing its own config, never the example over it); else, with no
 * record yet, config/example.json. Says when the choice replaces what `outdir` holds.
 */
export function chooseConfig(root: string, outdir: string, requested: string | undefined): { configFile: string; notice?: string } {
  let recorded: SynthRecord | undefined;
  try {
    recorded = existsSync(path.join(outdir, SYNTH_RECORD_FILE)) ? readSynthRecord(outdir) : undefined;
  } catch {
    recorded = undefined;
  }
  const relative = (file: string) => path.relative(root, file).split(path.sep).join("/");
  if (requested !== undefined) {
    const configFile = path.resolve(requested);
    const notice =
      recorded && path.resolve(root, recorded.config) !== configFile
        ? `${relative(configFile)} replaces ${recorded.config}, which ${path.basename(outdir)}/ was synthesized from (its stacks: ${recorded.stacks.join(", ")})`
        : undefined;
    return { configFile, notice };
  }
  if (recorded) {
    const configFile = path.resolve(root, recorded.config);
    if (!existsSync(configFile)) {
      throw new ConfigError(configFile, [
        `${path.basename(outdir)}/${SYNTH_RECORD_FILE} records this config, which is missing: restore it, or name the config to synthesize instead (${synthCommand("config/YOURS.json")})`,
      ]);
    }
    return { configFile };
  }
  const example = path.join(root, "config", "example.json");
  if (!existsSync(example)) {
    throw new ConfigError(example, [
      `nothing says which config to synthesize (${path.basename(outdir)}/ has no ${SYNTH_RECORD_FILE}, and the example is gone): ${synthCommand("config/YOURS.json")}`,
    ]);
  }
  return { configFile: example };
}
