import { readFileSync } from "fs";
import * as path from "path";
import { ConfigError } from "../config/load";
import { AgentZipapp, loadAgentZipapp } from "./agent-zipapp";

/** What the startup scripts are made of: the one trampoline template, and the host agent it carries. */
export interface StartupSources {
  /** assets/trampoline.sh.mustache: the bash that starts the agent (both scripts are this template). */
  readonly trampoline: string;
  /** The whole host agent (agent/), as one zipapp. */
  readonly agent: AgentZipapp;
  /** What each script's trampoline carries: the agent's modules its command runs (COMMAND_MODULES). */
  readonly commandAgents: Readonly<Record<"bootstrap" | "mirror", AgentZipapp>>;
}

/** The trampoline's file, in the app's assets/ folder. */
export const TRAMPOLINE_FILE = "trampoline.sh.mustache";

/**
 * Reads the template from `assetsDir` and builds the agent's zipapp from `agentDir`, at synth time from
 * the project root (the bundle in dist/ runs from there too): both ship beside the app, not inside it.
 */
export function loadStartupSources(assetsDir: string, agentDir: string): StartupSources {
  const file = path.join(assetsDir, TRAMPOLINE_FILE);
  let trampoline: string;
  try {
    trampoline = readFileSync(file, "utf8");
  } catch {
    throw new ConfigError(file, ["cannot read the startup-script template: restore it from git (assets/ ships with the app)"]);
  }
  const commandAgents = { bootstrap: loadAgentZipapp(agentDir, "bootstrap"), mirror: loadAgentZipapp(agentDir, "mirror") };
  let agent: AgentZipapp | undefined;
  return {
    trampoline,
    // No script carries the whole agent: it is zipped only when asked for (a third of the zipping otherwise).
    get agent() {
      return (agent ??= loadAgentZipapp(agentDir));
    },
    commandAgents,
  };
}
