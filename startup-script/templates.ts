import { readFileSync } from "fs";
import * as path from "path";
import { ConfigError } from "../config/load";

/** The raw Mustache templates of both startup scripts and the functions they share. */
export interface StartupTemplates {
  readonly mirror: string;
  readonly bootstrap: string;
  /** Included by both as the partial `common`. */
  readonly common: string;
}

/**
 * The templates' files, in the app's assets/ folder: read at synth time from the project root (the
 * bundle in dist/ runs from there too), so they ship beside the app rather than inside it.
 */
export const TEMPLATE_FILES: Readonly<Record<keyof StartupTemplates, string>> = {
  mirror: "mirror.sh.mustache",
  bootstrap: "bootstrap.sh.mustache",
  common: "common.sh.mustache",
};

export function loadTemplates(assetsDir: string): StartupTemplates {
  const read = (file: string) => {
    try {
      return readFileSync(path.join(assetsDir, file), "utf8");
    } catch {
      throw new ConfigError(path.join(assetsDir, file), ["cannot read the startup-script template: restore it from git (assets/ ships with the app)"]);
    }
  };
  return { mirror: read(TEMPLATE_FILES.mirror), bootstrap: read(TEMPLATE_FILES.bootstrap), common: read(TEMPLATE_FILES.common) };
}
