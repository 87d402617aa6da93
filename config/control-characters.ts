/**
 * Controls and line separators: Unicode categories Cc (tab, line feed, carriage return, DEL, U+0085 …),
 * Zl (U+2028) and Zp (U+2029). None belongs in a requirement: pip reads a requirements file with
 * Python's str.splitlines(), which also breaks a line at U+0085, U+2028, U+2029, \v, \f and \x1c-\x1e,
 * so what follows one is a line of its own to pip (an option such as --index-url); and the scripts log
 * each requirement on a line of its own, where a line break would forge the next log line.
 */
const CONTROL_OR_LINE_SEPARATOR = /[\p{Cc}\p{Zl}\p{Zp}]/u;

const NAMES: Record<number, string> = {
  0x09: "a tab",
  0x0a: "a line feed",
  0x0b: "a vertical tab",
  0x0c: "a form feed",
  0x0d: "a carriage return",
  0x7f: "a delete character",
  0x85: "a next-line character",
  0x2028: "a line separator",
  0x2029: "a paragraph separator",
};

export interface ControlCharacter {
  /** Where it is, counted from 1. */
  readonly column: number;
  /** What it is, for a reader: `a line feed (U+000A)`. */
  readonly description: string;
}

/** The first control or line-separator character of `text`, or undefined when it has none. */
export function firstControlCharacter(text: string): ControlCharacter | undefined {
  const match = CONTROL_OR_LINE_SEPARATOR.exec(text);
  if (!match) return undefined;
  const code = match[0].charCodeAt(0);
  return { column: match.index + 1, description: `${NAMES[code] ?? "a control character"} (${codePoint(code)})` };
}

/**
 * Each line of `text` (split at "\n") that holds a control or line-separator character, with the first
 * one. A "\r" that ends a line is half of a Windows line ending, which pip reads as one line break too.
 */
export function linesWithControlCharacters(text: string): Array<ControlCharacter & { readonly line: number }> {
  return text.split("\n").flatMap((line, i) => {
    const found = firstControlCharacter(line.replace(/\r$/, ""));
    return found ? [{ line: i + 1, ...found }] : [];
  });
}

/** `text` in double quotes, with every control or line-separator character written as an escape. */
export function visibleString(text: string): string {
  return JSON.stringify(text).replace(
    new RegExp(CONTROL_OR_LINE_SEPARATOR.source, "gu"),
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function codePoint(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
}
