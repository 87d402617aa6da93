/**
 * POSIX single-quote a value for bash: the result is always exactly one word, and nothing inside
 * it is expanded ($, `, \, newlines, globs all stay literal). `'` becomes `'\''`.
 */
export function shellQuote(value: unknown): string {
  return `'${String(value).replace(/'/g, `'\\''`)}'`;
}
