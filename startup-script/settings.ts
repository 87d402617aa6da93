import { CommonScriptView } from "./views";

/** One setting's value: JSON data (the POLICY object and its WAIVERS list included). */
export type SettingValue = string | number | boolean | readonly SettingValue[] | { readonly [key: string]: SettingValue };

/** A script's settings by name, e.g. `{ "AR_HOST": "...", "PACKAGES": ["keyring", ...] }`. */
export type ScriptSettings = Readonly<Record<string, SettingValue>>;

/**
 * Each field of a view is the agent's setting of the same name in upper case (`ar_host` is `AR_HOST`);
 * an object's keys are the agent's already (`policy` holds `MIN_RELEASE_AGE_DAYS`, and `PUBLISHERS`
 * holds project names, which stay as they are).
 */
export function scriptSettings(view: CommonScriptView): ScriptSettings {
  return Object.fromEntries(Object.entries(view).map(([field, value]) => [field.toUpperCase(), value as SettingValue]));
}

/**
 * The settings as the agent reads them, byte for byte: the script carries this text (SETTINGS_JSON) and
 * the synth writes it as `<name>.settings.json`.
 */
export function settingsJson(view: CommonScriptView): string {
  return `${JSON.stringify(scriptSettings(view), null, 2)}\n`;
}
