import { EnvironmentConfig } from "../config/schema";
import { bootstrapView, MirrorEndpoints, mirrorView, ScriptEndpoints } from "./config-views";
import { renderShellTemplate } from "./render";
import { StartupTemplates } from "./templates";
import { BootstrapScriptView, CommonScriptView, MirrorScriptView } from "./views";

/** A rendered startup script, the view it was rendered from, and what its size limit names. */
export interface StartupScript<View extends CommonScriptView = CommonScriptView> {
  /** Its files in the stack's synth folder are `<name>.sh` and `<name>.settings.json`. */
  readonly name: string;
  readonly text: string;
  /** Its settings (published by the synth as data, see scriptSettings). */
  readonly view: View;
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
export function mirrorScript(templates: StartupTemplates, config: EnvironmentConfig, endpoints: MirrorEndpoints, lockContent: string): StartupScript<MirrorScriptView> {
  const view = mirrorView(config, endpoints, lockContent);
  return {
    name: "public-host-mirror",
    text: renderMirrorScript(templates, view),
    view,
    description: "the public host's startup script",
    grownBy: "mirror.packages / mirror.lockFile",
  };
}

/** The private host's bootstrap, which the fleet and any VM of the private network run too. */
export function bootstrapScript(templates: StartupTemplates, config: EnvironmentConfig, endpoints: ScriptEndpoints): StartupScript<BootstrapScriptView> {
  const view = bootstrapView(config, endpoints);
  return {
    name: BOOTSTRAP_SCRIPT_NAME,
    text: renderBootstrapScript(templates, view),
    view,
    description: "the private host's startup script",
    grownBy: "mirror.packages",
  };
}
