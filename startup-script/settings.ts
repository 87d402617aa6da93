import { CommonScriptView } from "./views";

/** A script's settings by name, e.g. `{ "AR_HOST": "...", "PACKAGES": ["keyring", ...] }`. */
export type ScriptSettings = Readonly<Record<string, string | number | boolean | readonly string[]>>;

/** Each field of a view is the agent's setting of the same name in upper case (`ar_host` is `AR_HOST`). */
export function scriptSettings(view: CommonScriptView): ScriptSettings {
  return Object.fromEntries(Object.entries(view).map(([field, value]) => [field.toUpperCase(), value]));
}

/**
 * The settings as the agent reads them, byte for byte: the script carries this text (SETTINGS_JSON) and
 * the synth writes it as `<name>.settings.json`.
 */
export function settingsJson(view: CommonScriptView): string {
  return `${JSON.stringify(scriptSettings(view), null, 2)}\n`;
}
