import Mustache, { TemplateSpans } from "mustache";
import { shellQuote } from "./shell-quote";

/** Values a startup-script template may reference: each becomes one shell word. */
export type TemplateView = Readonly<Record<string, string>>;

/**
 * Render a bash template with Mustache, escaping every `{{value}}` as one shell-quoted word. Only such
 * tags are allowed: triple braces (unescaped output) are refused, so a value can never become code;
 * so are sections and partials (no template needs them), and values the template names but is not given.
 */
export function renderShellTemplate(name: string, template: string, view: TemplateView): string {
  const spans = Mustache.parse(template);
  const refused = tagsOf(spans, ["&", "{", "#", "^", ">", "="]);
  if (refused.length > 0) {
    throw new Error(`template ${name}: only {{name}} tags are allowed (not ${refused.join(", ")})`);
  }
  const missing = tagsOf(spans, ["name"]).filter((n) => !Object.prototype.hasOwnProperty.call(view, n));
  if (missing.length > 0) {
    throw new Error(`template ${name}: no value for ${[...new Set(missing)].join(", ")}`);
  }
  return Mustache.render(template, view, {}, { escape: shellQuote });
}

/** Names of the tags of the given types, at any depth. */
function tagsOf(spans: TemplateSpans, types: string[]): string[] {
  return spans.flatMap((t) => [
    ...(types.includes(String(t[0])) ? [t[1]] : []),
    ...(t.length > 4 && Array.isArray(t[4]) ? tagsOf(t[4], types) : []),
  ]);
}
