import { existsSync } from "fs";
import * as path from "path";
import { AGENT_PACKAGE } from "./agent-zipapp";
import { loadStartupSources, StartupSources, TRAMPOLINE_FILE } from "./sources";

/** The installed package's own folder: the nearest above `from` holding assets/ and agent/ (the startup scripts' sources). */
export function packageRoot(from: string = __dirname): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "assets", TRAMPOLINE_FILE)) && existsSync(path.join(dir, "agent", AGENT_PACKAGE))) return dir;
    if (path.dirname(dir) === dir) {
      throw new Error(
        `pip-airlock: cannot find the startup scripts' sources (assets/${TRAMPOLINE_FILE} and agent/${AGENT_PACKAGE}/) in any folder above ${from}: ` +
          "they ship in the package beside lib/. If the package was bundled, pass the startupSources prop: loadStartupSources(ASSETS_DIR, AGENT_DIR)",
      );
    }
  }
}

let cached: StartupSources | undefined;

/** The trampoline template and the host agent shipped in this package (read once per process). */
export function packageStartupSources(): StartupSources {
  const root = packageRoot();
  return (cached ??= loadStartupSources(path.join(root, "assets"), path.join(root, "agent")));
}
