import { chmodSync, writeFileSync } from "fs";
import * as path from "path";
import { BOOTSTRAP_SCRIPT_NAME, scriptFileName, StartupScript } from "./scripts";

/** The private host's bootstrap, in each stack's synth folder: users attach it to their own VMs. */
export const BOOTSTRAP_SCRIPT_FILE = scriptFileName({ name: BOOTSTRAP_SCRIPT_NAME });

/**
 * Writes each script as `<name>.sh` (executable) and its settings as `<name>.settings.json` into a
 * stack's synth folder: the stack's Terraform reads the script from there (see script-reference.ts); the
 * settings (the very text the script carries) are data for tests and tools, which need not parse the shell.
 */
export function writeScriptFiles(dir: string, scripts: readonly StartupScript[]): void {
  for (const script of scripts) {
    const file = path.join(dir, scriptFileName(script));
    writeFileSync(file, script.text);
    chmodSync(file, 0o755);
    writeFileSync(path.join(dir, `${script.name}.settings.json`), script.settingsJson);
  }
}
