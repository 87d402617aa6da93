// What the tests of the rendered startup scripts share: running a script's functions in bash.
import { execFileSync } from "child_process";

/** A clean environment for every bash run (no BASH_ENV, no inherited settings). */
export const ENV = { PATH: process.env.PATH ?? "/usr/bin:/bin" };

/** Runs bash with a rendered script's functions loaded (its final `main "$@"` line removed). */
export function withFunctions(script: string, body: string, env: Record<string, string> = {}): string {
  const lib = script.replace(/\nmain "\$@"\n$/, "\n");
  if (lib === script) throw new Error("the script does not end with main \"$@\"");
  return execFileSync("bash", ["--norc", "-c", `${lib}\ntrap - EXIT\nset +e\n${body}`], {
    encoding: "utf8",
    env: { ...ENV, ...env },
  });
}
