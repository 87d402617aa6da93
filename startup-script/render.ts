import Mustache, { TemplateSpans } from "mustache";
import { shellQuote } from "./shell-quote";

/** Values a startup-script template may reference: scalars, or lists of scalars for bash arrays. */
export type TemplateView = Record<string, string | number | boolean | readonly string[]>;

/**
 * Render a bash template with Mustache, escaping every `{{value}}` as one shell-quoted word.
 * Triple braces (unescaped output) are refused, so a config value can never become code; so are
 * values and partials the template names but is not given.
 */
export function renderShellTemplate(name: string, template: string, view: TemplateView, partials: Record<string, string> = {}): string {
  const spans = [template, ...Object.values(partials)].flatMap((t) => Mustache.parse(t));
  const unescaped = tagsOf(spans, ["&", "{"]);
  if (unescaped.length > 0) {
    throw new Error(`template ${name}: unescaped tags are not allowed (${unescaped.join(", ")}); use {{name}}`);
  }
  const missing = [
    ...tagsOf(spans, ["name", "#", "^"]).filter((n) => n !== "." && !(n in view)),
    ...tagsOf(spans, [">"]).filter((p) => !(p in partials)).map((p) => `partial ${p}`),
  ];
  if (missing.length > 0) {
    throw new Error(`template ${name}: no value for ${[...new Set(missing)].join(", ")}`);
  }
  return Mustache.render(template, view, partials, { escape: shellQuote });
}

/** Names of the tags of the given types, at any depth. */
function tagsOf(spans: TemplateSpans, types: string[]): string[] {
  return spans.flatMap((t) => [
    ...(types.includes(String(t[0])) ? [t[1]] : []),
    ...(t.length > 4 && Array.isArray(t[4]) ? tagsOf(t[4], types) : []),
  ]);
}
