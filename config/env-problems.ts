/**
 * With `environments`, every environment is the top level merged with its entry, so a mistake in a
 * top-level key would be found once per environment, at `environments.NAME.KEY`: a path that is not in
 * the file. A problem every environment has, at a path no entry sets, is the top level's: said once there.
 */
export function atTheirPaths(problems: readonly string[], environments: Record<string, unknown>): string[] {
  const names = Object.keys(environments);
  const ofEnv = (line: string): [string, string] | undefined => {
    const name = names.find((n) => line.startsWith(`environments.${n}.`));
    return name === undefined ? undefined : [name, line.slice(`environments.${name}.`.length)];
  };
  const byLine = new Map<string, Set<string>>();
  for (const line of problems) {
    const found = ofEnv(line);
    if (found) byLine.set(found[1], (byLine.get(found[1]) ?? new Set()).add(found[0]));
  }
  const topLevel = (rest: string) =>
    byLine.get(rest)?.size === names.length && names.every((n) => !setsPath(environments[n], rest.slice(0, rest.indexOf(": ")).split(".")));
  const out: string[] = [];
  for (const line of problems) {
    const found = ofEnv(line);
    if (!found || !topLevel(found[1])) out.push(line);
    else if (!out.includes(found[1])) out.push(found[1]);
  }
  return out;
}

/** True when an environment's entry sets the value at `path` (or replaces a list or value holding it). */
function setsPath(entry: unknown, path: string[]): boolean {
  let node = entry;
  for (const key of path) {
    if (typeof node !== "object" || node === null || Array.isArray(node)) return true;
    if (!(key in node)) return false;
    node = (node as Record<string, unknown>)[key];
  }
  return true;
}
