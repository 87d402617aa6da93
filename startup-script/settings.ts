import { CommonScriptView } from "./views";

/** A script's settings by shell name, e.g. `{ "AR_HOST": "...", "PACKAGES": ["keyring", ...] }`. */
export type ScriptSettings = Readonly<Record<string, string | number | boolean | readonly string[]>>;

/** Each field of a view is the script's setting of the same name in upper case (the templates assign them so). */
export function scriptSettings(view: CommonScriptView): ScriptSettings {
  return Object.fromEntries(Object.entries(view).map(([field, value]) => [field.toUpperCase(), value]));
}
