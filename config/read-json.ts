import { getNodeValue, Node, ParseError, parseTree, printParseErrorCode } from "jsonc-parser";

/** What is wrong with a config file's text, with where and how to fix it. */
export class JsonProblems extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
  }
}

/** "line L, column C" of a character offset (both from 1). */
function position(text: string, offset: number): string {
  const before = text.slice(0, offset).split("\n");
  return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
}

/** jsonc-parser's error codes, in words. */
const ERROR_WORDS: Record<string, string> = {
  InvalidSymbol: "an unexpected character",
  InvalidNumberFormat: "a malformed number",
  PropertyNameExpected: "a property name (in double quotes) expected",
  ValueExpected: "a value expected",
  ColonExpected: "':' expected",
  CommaExpected: "',' expected",
  CloseBraceExpected: "'}' expected",
  CloseBracketExpected: "']' expected",
  EndOfFileExpected: "nothing more expected",
  InvalidCommentToken: "a comment (JSON has none)",
  UnexpectedEndOfComment: "an unfinished comment",
  UnexpectedEndOfString: "an unfinished string",
  UnexpectedEndOfNumber: "an unfinished number",
  InvalidUnicode: "a bad \\u escape",
  InvalidEscapeCharacter: "a bad escape",
  InvalidCharacter: "a control character in a string",
};

/**
 * Parse a config file's bytes as strict JSON: UTF-8 with or without a BOM, no comments, and no key given
 * twice in one object (JSON.parse would silently keep the last). Throws JsonProblems.
 */
export function parseConfigJson(bytes: Buffer): unknown {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff) || bytes.includes(0)) {
    throw new JsonProblems(["is UTF-16 (or holds NUL bytes), not UTF-8: save it as UTF-8"]);
  }
  const text = bytes.toString("utf8").replace(/^\uFEFF/, "");
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length > 0 || !tree) {
    const first = errors[0];
    const comma = first ? trailingComma(text, first.offset) : undefined;
    if (comma !== undefined)
      throw new JsonProblems([
        `is not valid JSON: a trailing comma at ${position(text, comma)} (JSON allows none before a closing '}' or ']'): remove the trailing comma`,
      ]);
    const what = first ? (ERROR_WORDS[printParseErrorCode(first.error)] ?? printParseErrorCode(first.error)) : "no JSON value";
    throw new JsonProblems([`is not valid JSON: ${what} at ${position(text, first?.offset ?? 0)}: fix the syntax`]);
  }
  const duplicates = duplicateKeys(tree, text, []);
  if (duplicates.length > 0) throw new JsonProblems(duplicates);
  return getNodeValue(tree);
}

/** The offset of a comma just before the `}` or `]` at `offset` (whitespace between), where the parser stopped. */
function trailingComma(text: string, offset: number): number | undefined {
  if (text[offset] !== "}" && text[offset] !== "]") return undefined;
  let i = offset - 1;
  while (i >= 0 && /\s/.test(text[i])) i--;
  return text[i] === "," ? i : undefined;
}

function duplicateKeys(node: Node, text: string, at: string[]): string[] {
  const problems: string[] = [];
  if (node.type === "object") {
    const seen = new Map<string, Node>();
    for (const property of node.children ?? []) {
      const [keyNode, value] = property.children ?? [];
      const key = String(keyNode.value);
      const first = seen.get(key);
      if (first) {
        problems.push(
          `${[...at, key].join(".")}: is given twice (${position(text, first.offset)} and ${position(text, keyNode.offset)}): keep one`,
        );
      } else {
        seen.set(key, keyNode);
      }
      if (value) problems.push(...duplicateKeys(value, text, [...at, key]));
    }
  } else if (node.type === "array") {
    (node.children ?? []).forEach((child, i) => problems.push(...duplicateKeys(child, text, [...at, String(i)])));
  }
  return problems;
}
