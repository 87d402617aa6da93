/**
 * Terraform evaluates every string in its JSON as a template, so a bash `${VAR}` would be read as a
 * Terraform interpolation. Escaping `${` as `$${` and `%{` as `%%{` makes the string a literal: Terraform
 * hands the original bytes to the resource.
 */
export function terraformLiteral(text: string): string {
  // Replacement functions, not strings: in a replacement string "$$" would mean one "$".
  return text.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
}
