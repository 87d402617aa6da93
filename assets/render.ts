import Mustache, { TemplateSpans } from "mustache";
import { shellQuote } from "./shell-quote";

/** Values a startup-script template may reference: scalars, or lists of scalars for bash arrays. */
export type TemplateView = Record<string, string | number | boolean | readonly string[]>;

/**
 * Render a bash template with Mustache, escaping every `{{value}}` as one shell-quoted word.
 * Triple braces (unescaped output) are refused, so a config value can never become code.
 */
export function renderShellTemplate(name: string, template: string, view: TemplateView): string {
  const tokens = Mustache.parse(template);
  const unescaped = findUnescaped(tokens);
  if (unescaped.length > 0) {
    throw new Error(`template ${name}: unescaped tags are not allowed (${unescaped.join(", ")}); use {{name}}`);
  }
  const missing = findNames(tokens).filter((n) => n !== "." && !(n in view));
  if (missing.length > 0) {
    throw new Error(`template ${name}: no value for ${missing.join(", ")}`);
  }
  return Mustache.render(template, view, {}, { escape: shellQuote });
}

function findUnescaped(tokens: TemplateSpans): string[] {
  return tokens.flatMap((t) => [
    ...(String(t[0]) === "&" || String(t[0]) === "{" ? [t[1]] : []),
    ...(t.length > 4 && Array.isArray(t[4]) ? findUnescaped(t[4]) : []),
  ]);
}

function findNames(tokens: TemplateSpans): string[] {
  return tokens.flatMap((t) => [
    ...(["name", "#", "^"].includes(t[0]) ? [t[1]] : []),
    ...(t.length > 4 && Array.isArray(t[4]) ? findNames(t[4]) : []),
  ]);
}
