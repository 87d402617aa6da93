// recipes/make-lock.sh makes the lock mirror.lockFile names for every target at once, resolving as the
// mirror does; the synth carries it to the mirror (that the mirror's download accepts it with
// --require-hashes on each target is the agent's to test: agent/tests, e2e/scenarios/lock.sh). Offline:
// a PEP 503 index of small wheels made here, and the real pip of this machine.
import { execFileSync, spawnSync } from "child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { HELPER_REQUIREMENTS, KNOWN_CLOSURE } from "../config/helper-requirements";
import { loadConfig } from "../config/load";
import { writeScriptFiles } from "../startup-script/files";
import { buildStack, carriedSettings, EXAMPLE_CONFIG, ROOT, synthJson } from "./support";

const ENV = { PATH: process.env.PATH ?? "/usr/bin:/bin" };

const DIR = mkdtempSync(path.join(tmpdir(), "airlock-lock-"));

/** A PEP 503 index at DIR/simple of the wheels given: [file name, Requires-Python, Requires-Dist...]. */
function makeIndex(wheels: Array<[string, string, ...string[]]>): string {
  execFileSync(
    "python3",
    [
      "-c",
      `
import hashlib, html, json, os, sys, zipfile
root, wheels = sys.argv[1], json.loads(sys.argv[2])
os.makedirs(os.path.join(root, "files"), exist_ok=True)
pages = {}
for filename, requires_python, *requires in wheels:
    name, version = filename.split("-")[:2]
    dist = f"{name}-{version}"
    meta = f"Metadata-Version: 2.1\\nName: {name}\\nVersion: {version}\\n" + (f"Requires-Python: {requires_python}\\n" if requires_python else "") + "".join(f"Requires-Dist: {r}\\n" for r in requires)
    path = os.path.join(root, "files", filename)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(f"{dist}.dist-info/METADATA", meta)
        z.writestr(f"{dist}.dist-info/WHEEL", "Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
        z.writestr(f"{dist}.dist-info/RECORD", "")
    sha = hashlib.sha256(open(path, "rb").read()).hexdigest()
    project = name.lower().replace("_", "-").replace(".", "-")
    attr = f' data-requires-python="{html.escape(requires_python)}"' if requires_python else ""
    pages.setdefault(project, []).append(f'<a href="../../files/{filename}#sha256={sha}"{attr}>{filename}</a>')
for project, links in pages.items():
    os.makedirs(os.path.join(root, "simple", project), exist_ok=True)
    open(os.path.join(root, "simple", project, "index.html"), "w").write("<html><body>" + "".join(links) + "</body></html>")
`,
      DIR,
      JSON.stringify(wheels),
    ],
    { env: ENV },
  );
  return `file://${DIR}/simple/`;
}

// The helpers' closure as the synth knows it (config/helper-requirements.ts), each a small wheel with those
// requirements, plus a project whose newest release dropped the older CPython: each target gets its own.
const requires = (project: string) =>
  (HELPER_REQUIREMENTS[project] ?? []).map((r) => (typeof r === "string" ? r : `${r[0]}; python_version < "${r[1]}"`));
const index = makeIndex([
  ...KNOWN_CLOSURE.filter((p) => !["keyring", "pip", "virtualenv"].includes(p)).map((p): [string, string, ...string[]] => [
    `${p.replace(/-/g, "_")}-1.0-py3-none-any.whl`,
    ">=3.8",
    ...requires(p),
  ]),
  ["keyring-25.7.0-py3-none-any.whl", ">=3.9", ...requires("keyring"), "dep"],
  ["dep-2.0-py3-none-any.whl", ">=3.12"],
  ["dep-1.0-py3-none-any.whl", ">=3.8"],
  ["pip-26.2.1-py3-none-any.whl", ">=3.10"],
  ["virtualenv-21.14.1-py3-none-any.whl", ">=3.9", ...requires("virtualenv")],
]);

// The example with a Debian 13 private host and Debian 12 VMs declared: targets CPython 3.13 and 3.11.
const c = JSON.parse(readFileSync(EXAMPLE_CONFIG, "utf8"));
c.hosts.image = "debian-cloud/debian-13";
c.mirror.targets = ["debian-cloud/debian-12"];
writeFileSync(path.join(DIR, "config.json"), JSON.stringify(c));
const stack = buildStack(loadConfig(path.join(DIR, "config.json"))[0].config).stack;
writeFileSync(path.join(DIR, "cdk.tf.json"), JSON.stringify(synthJson(stack)));
writeScriptFiles(DIR, stack.startupScripts); // as the synth does: cdk.tf.json reads the mirror script from its file
const lockFile = path.join(DIR, "helpers.lock");

describe("recipes/make-lock.sh", () => {
  const made = spawnSync("bash", [path.join(ROOT, "recipes", "make-lock.sh"), path.join(DIR, "cdk.tf.json"), lockFile, index], {
    env: { ...ENV, PIP_CONFIG_FILE: "/dev/null" },
    encoding: "utf8",
  });

  it("pins every target's closure with hashes, one pin per CPython where the targets differ", () => {
    expect([made.status, made.stderr]).toEqual([0, expect.stringContaining("wrote")]);
    const lock = readFileSync(lockFile, "utf8")
      .split("\n")
      .filter((l) => l && !l.startsWith("#"));
    const pins = lock.map((l) => l.replace(/ --hash=sha256:[0-9a-f]{64}/g, " HASH"));
    expect(lock.every((l) => /==\S+( ; [^-]+)? --hash=sha256:[0-9a-f]{64}$/.test(l))).toBe(true);
    expect(pins).toEqual(
      expect.arrayContaining([
        'dep==1.0 ; python_version == "3.11" HASH',
        'dep==2.0 ; python_version == "3.13" HASH',
        // Only CPython < 3.12 needs these: pinned for the 3.11 target alone.
        'backports-tarfile==1.0 ; python_version == "3.11" HASH',
        'importlib-metadata==1.0 ; python_version == "3.11" HASH',
        "keyring==25.7.0 HASH",
        "keyrings-google-artifactregistry-auth==1.0 HASH",
        "pip==26.2.1 HASH",
        "virtualenv==21.14.1 HASH",
      ]),
    );
    // No target is below 3.11: virtualenv's typing-extensions is not needed.
    expect(pins.some((p) => p.startsWith("typing-extensions=="))).toBe(false);
  });

  it("is read by the synth as mirror.lockFile and carried to the mirror as its LOCK_CONTENT", () => {
    const lock = readFileSync(lockFile, "utf8");
    writeFileSync(path.join(DIR, "config.json"), JSON.stringify({ ...c, mirror: { ...c.mirror, lockFile: "helpers.lock" } }));
    const [env] = loadConfig(path.join(DIR, "config.json"));
    expect(env.lockContent).toBe(lock);
    expect(carriedSettings(buildStack(env.config, env.lockContent).stack.mirrorScript!).LOCK_CONTENT).toBe(lock);
  });
});
