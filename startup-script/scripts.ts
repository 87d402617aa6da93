import { EnvironmentConfig } from "../config/schema";
import { bootstrapView, mirrorView, ScriptEndpoints } from "./config-views";
import { renderShellTemplate } from "./render";
import { ScriptSettings, scriptSettings } from "./settings";
import { StartupTemplates } from "./templates";
import { BootstrapScriptView, MirrorScriptView } from "./views";

/** A rendered startup script, with what the synth publishes about it and what its size limit names. */
export interface StartupScript {
  /** Its files in the stack's synth folder are `<name>.sh` and `<name>.settings.json`. */
  readonly name: string;
  readonly text: string;
  /** Each setting the script assigns, by its shell name (a view's fields in upper case). */
  readonly settings: ScriptSettings;
  /** What the script is, in an error: e.g. "the private host's startup script". */
  readonly description: string;
  /** The config fields that make it grow, in an error about its size. */
  readonly grownBy: string;
}

/** The bootstrap's `name`: its files are `private-host-bootstrap.sh` and `.settings.json`. */
export const BOOTSTRAP_SCRIPT_NAME = "private-host-bootstrap";

export function renderMirrorScript(templates: StartupTemplates, view: MirrorScriptView): string {
  return renderShellTemplate("mirror", templates.mirror, { ...view }, { common: templates.common });
}

export function renderBootstrapScript(templates: StartupTemplates, view: BootstrapScriptView): string {
  return renderShellTemplate("bootstrap", templates.bootstrap, { ...view }, { common: templates.common });
}

/** The public host's mirror (mirror mode). */
export function mirrorScript(templates: StartupTemplates, config: EnvironmentConfig, endpoints: ScriptEndpoints, lockContent: string): StartupScript {
  const view = mirrorView(config, endpoints, lockContent);
  return {
    name: "public-host-mirror",
    text: renderMirrorScript(templates, view),
    settings: scriptSettings(view),
    description: "the public host's startup script",
    grownBy: "mirror.packages / mirror.lockFile",
  };
}

/** The private host's bootstrap, which the fleet and any VM of the private network run too. */
export function bootstrapScript(templates: StartupTemplates, config: EnvironmentConfig, endpoints: ScriptEndpoints): StartupScript {
  const view = bootstrapView(config, endpoints);
  return {
    name: BOOTSTRAP_SCRIPT_NAME,
    text: renderBootstrapScript(templates, view),
    settings: scriptSettings(view),
    description: "the private host's startup script",
    grownBy: "mirror.packages",
  };
}
