import { EnvironmentConfig } from "../config/schema";
import { base64Lines } from "./agent-zipapp";
import { bootstrapView, MirrorEndpoints, mirrorView, ScriptEndpoints } from "./config-views";
import { renderShellTemplate } from "./render";
import { settingsJson } from "./settings";
import { StartupSources } from "./sources";
import { BootstrapScriptView, CommonScriptView, MirrorScriptView } from "./views";

/** What the host agent runs: `python3 -I agent.pyz COMMAND --settings FILE`. */
export type AgentCommand = "bootstrap" | "mirror";

/** A rendered startup script, the view it was rendered from, and what its size limit names. */
export interface StartupScript<View extends CommonScriptView = CommonScriptView> {
  /** Its files in the stack's synth folder are `<name>.sh` and `<name>.settings.json`. */
  readonly name: string;
  /** What the agent runs on the host. */
  readonly command: AgentCommand;
  readonly text: string;
  /** Its settings (published by the synth as data, see scriptSettings). */
  readonly view: View;
  /** The settings' text, byte for byte what the script carries and `<name>.settings.json` holds. */
  readonly settingsJson: string;
  /** What the script is, in an error: e.g. "the private host's startup script". */
  readonly description: string;
  /** The config fields that make it grow, in an error about its size. */
  readonly grownBy: string;
}

/** The bootstrap's `name`: its files are `private-host-bootstrap.sh` and `.settings.json`. */
export const BOOTSTRAP_SCRIPT_NAME = "private-host-bootstrap";

/** The script's file in the stack's synth folder, beside cdk.tf.json: `<name>.sh`. */
export function scriptFileName(script: Pick<StartupScript, "name">): string {
  return `${script.name}.sh`;
}

/**
 * The trampoline for `command`: the agent's zipapp (base64, with its sha256) and the settings, each one
 * single-quoted shell word, as assets/trampoline.sh.mustache lays them out.
 */
export function renderTrampoline(sources: StartupSources, command: AgentCommand, view: CommonScriptView): string {
  return renderShellTemplate("trampoline", sources.trampoline, {
    script: command,
    metadata_host: view.metadata_host,
    guest_attr_namespace: view.guest_attr_namespace,
    settings_json: settingsJson(view),
    agent_sha256: sources.commandAgents[command].sha256,
    agent_zip_b64: base64Lines(sources.commandAgents[command].bytes),
  });
}

function startupScript<View extends CommonScriptView>(
  sources: StartupSources,
  command: AgentCommand,
  view: View,
  about: Pick<StartupScript, "name" | "description" | "grownBy">,
): StartupScript<View> {
  return { ...about, command, text: renderTrampoline(sources, command, view), view, settingsJson: settingsJson(view) };
}

/** The public host's mirror (mirror mode). */
export function mirrorScript(
  sources: StartupSources,
  config: EnvironmentConfig,
  endpoints: MirrorEndpoints,
  lockContent: string,
): StartupScript<MirrorScriptView> {
  return startupScript(sources, "mirror", mirrorView(config, endpoints, lockContent), {
    name: "public-host-mirror",
    description: "the public host's startup script",
    grownBy: "mirror.packages / mirror.lockFile",
  });
}

/** The private host's bootstrap, which the fleet and any VM of the private network run too; it carries the lock (LOCK_CONTENT). */
export function bootstrapScript(
  sources: StartupSources,
  config: EnvironmentConfig,
  endpoints: ScriptEndpoints,
  lockContent: string,
): StartupScript<BootstrapScriptView> {
  return startupScript(sources, "bootstrap", bootstrapView(config, endpoints, lockContent), {
    name: BOOTSTRAP_SCRIPT_NAME,
    description: "the private host's startup script",
    grownBy: "mirror.packages / mirror.lockFile",
  });
}
