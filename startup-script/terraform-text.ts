/**
 * Where Terraform would change `text`: it normalizes every string to Unicode NFC (go-cty's StringVal),
 * what file() reads as well as a string of the JSON, so a script holding a decomposed character ("e"
 * then U+0301 for "é") would reach the VM other than the synth rendered it: no longer `<name>.sh`, its
 * sha256 or its SETTINGS_JSON. Says the first such line, or undefined when Terraform keeps `text` as is.
 */
export function changedByTerraform(text: string): string | undefined {
  if (text === text.normalize("NFC")) return undefined;
  const lines = text.split("\n");
  const index = lines.findIndex((line) => line !== line.normalize("NFC"));
  const chars = [...lines[index]];
  const at = chars.findIndex(
    (_, i) =>
      chars.slice(0, i + 1).join("") !==
      chars
        .slice(0, i + 1)
        .join("")
        .normalize("NFC"),
  );
  const around = chars
    .slice(Math.max(0, at - 24), at + 16)
    .join("")
    .normalize("NFC");
  return `line ${index + 1} holds text not in Unicode's composed form (NFC), which Terraform would change on its way to the VM: "…${around}…"`;
}
