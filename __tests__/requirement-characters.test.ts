// A requirement (mirror.packages, mirror.bootstrapPip) and every line of mirror.lockFile is one line of
// printable text: a control or line-separator character (Unicode Cc, Zl, Zp) is refused at synth, naming
// the field (or the lock's line) and the fix, and the app exits non-zero with cdktf.out/ untouched.
import Ajv2020 from "ajv/dist/2020";
import { spawnSync } from "child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { JSON_SCHEMA_FILE } from "../config/json-schema";
import { loadConfig } from "../config/load";
import { mainInProcess } from "./in-process-main";
import { completeLock, configErrorOf, configProblems, exampleVariant, fileTree, ROOT } from "./config-support";

const LOCK_FILE = "mirror.lock";
const LOCK_LINES = completeLock([
  "keyring==25.7.0 --hash=sha256:" + "d".repeat(64),
  "keyrings-google-artifactregistry-auth==1.1.2 --hash=sha256:" + "b".repeat(64),
  "pip==26.2.1 --hash=sha256:" + "a".repeat(64),
  "virtualenv==21.14.1 --hash=sha256:" + "c".repeat(64),
]).split("\n");

/** The complete lock with `line` inserted as its third line. */
function lockWithThirdLine(line: string): string {
  return [...LOCK_LINES.slice(0, 2), line, ...LOCK_LINES.slice(2)].join("\n");
}

/** The example config changed by `edit`, with `lock` (if any) beside it as mirror.lockFile. */
function variant(edit: (c: any) => void, lock?: string): string {
  const file = exampleVariant((c) => {
    edit(c);
    if (lock !== undefined) c.mirror.lockFile = LOCK_FILE;
  });
  if (lock !== undefined) writeFileSync(path.join(path.dirname(file), LOCK_FILE), lock);
  return file;
}

const packages = (bad: string) => (c: any) => (c.mirror.packages = ["keyrings.google-artifactregistry-auth", bad]);
const REQUIREMENT_FIX = "a requirement is one line of printable text, with no control or line-separator character: remove it";

// [what, the change, a lock (or none), the one problem expected]
const REFUSED: Array<[string, (c: any) => void, string | undefined, string]> = [
  ["a trailing line feed", packages("keyring\n"), undefined, 'mirror.packages.1: "keyring\\n" holds a line feed (U+000A) at character 8: '],
  [
    "a line feed before an option",
    packages("keyring>=\n--no-index"),
    undefined,
    'mirror.packages.1: "keyring>=\\n--no-index" holds a line feed (U+000A) at character 10: ',
  ],
  [
    "a line separator",
    packages("keyring\u2028"),
    undefined,
    'mirror.packages.1: "keyring\\u2028" holds a line separator (U+2028) at character 8: ',
  ],
  [
    "a paragraph separator",
    packages("keyring\u2029--index-url=https://evil.example/"),
    undefined,
    'mirror.packages.1: "keyring\\u2029--index-url=https://evil.example/" holds a paragraph separator (U+2029) at character 8: ',
  ],
  [
    "a next-line character (C1 control)",
    packages("keyring\u0085"),
    undefined,
    'mirror.packages.1: "keyring\\u0085" holds a next-line character (U+0085) at character 8: ',
  ],
  ["a tab", packages("keyring\t>=1"), undefined, 'mirror.packages.1: "keyring\\t>=1" holds a tab (U+0009) at character 8: '],
  [
    "a carriage return",
    packages("keyring\r"),
    undefined,
    'mirror.packages.1: "keyring\\r" holds a carriage return (U+000D) at character 8: ',
  ],
  [
    "a delete character",
    packages("keyring\u007f"),
    undefined,
    'mirror.packages.1: "keyring\\u007f" holds a delete character (U+007F) at character 8: ',
  ],
  [
    "an escape character",
    packages("\u001b[2Jkeyring"),
    undefined,
    'mirror.packages.1: "\\u001b[2Jkeyring" holds a control character (U+001B) at character 1: ',
  ],
  [
    "a line feed in mirror.bootstrapPip",
    (c) => (c.mirror.bootstrapPip = "pip>=23.1\n--index-url=https://evil.example/"),
    undefined,
    'mirror.bootstrapPip: "pip>=23.1\\n--index-url=https://evil.example/" holds a line feed (U+000A) at character 10: ',
  ],
  [
    "a line separator in an environment's packages",
    (c) => (c.environments = { dev: { mirror: { packages: ["keyring\u2028"] } } }),
    undefined,
    'environments.dev.mirror.packages.0: "keyring\\u2028" holds a line separator (U+2028) at character 8: ',
  ],
  [
    "a line separator in a comment of the lock",
    () => {},
    lockWithThirdLine("#    via keyring\u2028--index-url https://evil.example/simple/"),
    `mirror.lockFile: "${LOCK_FILE}" has a line separator (U+2028) at line 3, column 17: `,
  ],
  [
    "a next-line character in a pin of the lock",
    () => {},
    lockWithThirdLine("pluggy==1.6.0\u0085--extra-index-url https://evil.example/simple/"),
    `mirror.lockFile: "${LOCK_FILE}" has a next-line character (U+0085) at line 3, column 14: `,
  ],
  [
    "a tab and a lone carriage return in the lock, each by its line",
    () => {},
    lockWithThirdLine("\tpluggy==1.6.0").replace("pip==26.2.1", "pip==26.2.1\r--no-index"),
    `mirror.lockFile: "${LOCK_FILE}" has a tab (U+0009) at line 3, column 1; a carriage return (U+000D) at line 4, column 12: `,
  ],
];

describe("control and line-separator characters in requirement strings and lock lines", () => {
  it.each(REFUSED)("%s: refused, naming the field and the fix", (_what, edit, lock, start) => {
    const problems = configErrorOf(() => loadConfig(variant(edit, lock))).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0].startsWith(start)).toBe(true);
    expect(problems[0]).toMatch(
      start.startsWith("mirror.lockFile")
        ? /: a lock is lines of printable text, .*Remove them, or make the lock again with recipes\/make-lock\.sh$/
        : new RegExp(`: ${REQUIREMENT_FIX}`),
    );
  });

  /** The synth of `configFile` into a copy of cdktf.out/: its exit code, what it printed, and the copy before and after. */
  function synthInto(configFile: string, run: (env: NodeJS.ProcessEnv) => { status: number | null; stdout: string; stderr: string }) {
    const outdir = path.join(mkdtempSync(path.join(tmpdir(), "airlock-refused-")), "cdktf.out");
    cpSync(path.join(ROOT, "cdktf.out"), outdir, { recursive: true });
    const before = fileTree(outdir);
    return { ...run({ AIRLOCK_CONFIG: configFile, CDKTF_OUTDIR: outdir }), before, after: fileTree(outdir) };
  }

  /** The app command cdktf.json names, as its own process. */
  const appCommand = (env: NodeJS.ProcessEnv) =>
    spawnSync("node", ["synth.js"], { cwd: ROOT, env: { ...process.env, ...env }, encoding: "utf8" });

  function expectRefused(result: ReturnType<typeof synthInto>, configFile: string, start: string) {
    expect(result.status).toBe(1);
    expect(result.stdout).not.toMatch(/^pip-airlock: synthesized /m);
    expect(result.stderr.startsWith(`pip-airlock: nothing was synthesized:\n${configFile}: ${start}`)).toBe(true);
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(2); // one problem, on one line
    expect(result.after).toEqual(result.before);
  }

  it.each(REFUSED)("%s: the synth exits non-zero, prints the problem and leaves cdktf.out/ untouched", (_what, edit, lock, start) => {
    const configFile = variant(edit, lock);
    expectRefused(synthInto(configFile, mainInProcess), configFile, start);
  });

  it("the app command itself (node synth.js, its own process) refuses a requirement and a lock line the same way", () => {
    const requirement = REFUSED.find(([, , lock]) => lock === undefined)!;
    const lockLine = REFUSED.find(([, , lock]) => lock !== undefined)!;
    for (const [, edit, lock, start] of [requirement, lockLine]) {
      const configFile = variant(edit, lock);
      expectRefused(synthInto(configFile, appCommand), configFile, start);
    }
  });

  it("spaces between a requirement's parts stay fine, and a lock with Windows line endings too (pip reads CRLF as one line break)", () => {
    expect(configProblems(() => loadConfig(variant(packages("keyring >= 25.2.1 , != 25.4.0"))))).toEqual([]);
    expect(configProblems(() => loadConfig(variant(() => {}, LOCK_LINES.join("\r\n"))))).toEqual([]);
  });

  it("another space than U+0020 (JavaScript's \\s matches it) is no requirement either", () => {
    expect(configErrorOf(() => loadConfig(variant(packages("keyring\u00a0>=25"))))).toMatchObject({
      problems: ['mirror.packages.1: must be a package requirement such as "keyring" or "keyring>=25"'],
    });
  });

  it("the JSON Schema editors use refuses them too", () => {
    const validate = new Ajv2020({ strict: false }).compile(JSON.parse(readFileSync(path.join(ROOT, JSON_SCHEMA_FILE), "utf8")));
    const example = JSON.parse(readFileSync(exampleVariant(), "utf8"));
    for (const bad of ["keyring\n", "keyring>=\n--no-index", "keyring\u2028", "keyring\u0085", "keyring\t>=1"]) {
      expect([bad, validate({ ...example, mirror: { ...example.mirror, packages: [bad] } })]).toEqual([bad, false]);
      expect([bad, validate({ ...example, mirror: { ...example.mirror, bootstrapPip: `pip${bad}` } })]).toEqual([bad, false]);
    }
    expect(validate({ ...example, mirror: { ...example.mirror, packages: ["keyring >= 25"] } })).toBe(true);
  });
});
