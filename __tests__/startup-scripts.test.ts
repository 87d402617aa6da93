// Unit tests of the rendered startup scripts. Both are the trampoline (assets/trampoline.sh.mustache)
// carrying the host agent (agent/, one zipapp) and its settings; what the agent does is tested by its own
// pytest suite (agent/tests) and end to end by e2e/run.sh. These test the carrier as the synth renders
// it: shell lint, the payload and its sha256, the settings byte for byte, reproducibility, hostile
// values, the size, and the script run for real by bash in a private mount and network namespace (no
// python3, a fake one, or the real one running a fixture agent; a loopback metadata server).
import { createHash } from "crypto";
import { spawnSync } from "child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { AGENT_PACKAGE, buildAgentZipapp, commandSources, readAgentSources, relativeImports } from "../startup-script/agent-zipapp";
import { METADATA_VALUE_LIMIT_BYTES } from "../startup-script/metadata-limit";
import { mirrorScript } from "../startup-script/scripts";
import { synthesize } from "../synth/synthesize";
import { AGENT, ASSETS, carriedSettings, EXAMPLE_CONFIG, exampleConfig, scriptWord, startupSources } from "./support";

const ENV = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
const NAMES = { bootstrap: "private-host-bootstrap", mirror: "public-host-mirror" } as const;
type Command = keyof typeof NAMES;

/** A synth of the example config into a fresh folder (optionally with another agent): its stack folder. */
function synthOf(agentDir?: string, configFile = EXAMPLE_CONFIG): string {
  const outdir = path.join(mkdtempSync(path.join(tmpdir(), "airlock-scripts-")), "cdktf.out");
  synthesize({ configFile, outdir, assetsDir: ASSETS, agentDir });
  return path.join(outdir, "stacks", "airlock");
}
const STACK_DIR = synthOf();
const fileOf = (command: Command, ext: "sh" | "settings.json") => readFileSync(path.join(STACK_DIR, `${NAMES[command]}.${ext}`), "utf8");
const SCRIPTS: [Command, string][] = [
  ["bootstrap", fileOf("bootstrap", "sh")],
  ["mirror", fileOf("mirror", "sh")],
];

/** The zipapp a script carries, decoded as the host decodes it. */
function carriedZip(script: string): Buffer {
  return Buffer.from(scriptWord(script, "AGENT_ZIP_B64"), "base64");
}

/** What python3's zipfile reads in a zip: each entry's name, time stamp, attributes, method and content's sha256. */
function zipEntries(
  zip: Buffer,
): { name: string; date_time: number[]; external_attr: number; create_system: number; compress_type: number; sha256: string }[] {
  const dir = mkdtempSync(path.join(tmpdir(), "airlock-zip-"));
  writeFileSync(path.join(dir, "a.zip"), zip);
  const r = spawnSync(
    "python3",
    [
      "-c",
      `
import hashlib, json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    print(json.dumps([{"name": i.filename, "date_time": list(i.date_time), "external_attr": i.external_attr, "create_system": i.create_system,
        "compress_type": i.compress_type, "sha256": hashlib.sha256(z.read(i)).hexdigest()} for i in z.infolist()]))
`,
      path.join(dir, "a.zip"),
    ],
    { encoding: "utf8", env: ENV },
  );
  expect(r.stderr).toBe("");
  return JSON.parse(r.stdout);
}

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

function hasTool(tool: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
}

describe.each(SCRIPTS)("%s script", (command, script) => {
  it("is a strict bash script that starts in /, with umask 077 and a fixed PATH, every tag rendered", () => {
    expect(script.startsWith("#!/usr/bin/env bash\n")).toBe(true);
    const code = script.split("\n").filter((l) => l && !l.startsWith("#"));
    expect(code.slice(0, 5)).toEqual([
      "set -euo pipefail",
      "cd /",
      "umask 077",
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "export PATH",
    ]);
    expect(script).not.toContain("{{"); // the renderer refuses a tag it has no value for
    expect(script).not.toMatch(/^\s*set\s+-[a-z]*x/m);
    expect(scriptWord(script, "SCRIPT")).toBe(command);
  });

  it("parses with bash -n and is shellcheck-clean", () => {
    expect(spawnSync("bash", ["--norc", "-n"], { input: script, env: ENV }).status).toBe(0);
    if (!hasTool("shellcheck"))
      throw new Error("shellcheck is not installed: apt-get install shellcheck (the unit tests lint every rendered script)");
    const r = spawnSync("shellcheck", ["-s", "bash", "-"], { input: script, encoding: "utf8" });
    expect(r.stdout).toBe("");
    expect(r.status).toBe(0);
  });

  it("carries the agent's zipapp: its sha256 is AGENT_SHA256, its entries exactly the agent's sources, in 76-column base64", () => {
    const zip = carriedZip(script);
    expect(sha256(zip)).toBe(scriptWord(script, "AGENT_SHA256"));
    const b64 = scriptWord(script, "AGENT_ZIP_B64").split("\n");
    expect(b64.slice(0, -1).every((line) => line.length === 76)).toBe(true);
    expect(b64[b64.length - 1].length).toBeGreaterThan(0);
    expect(b64[b64.length - 1].length).toBeLessThanOrEqual(76);
    // The sources: __main__.py and the package's modules this command runs (not its tests, not the other command's).
    const modules = readdirSync(path.join(AGENT, AGENT_PACKAGE))
      .filter((f) => f.endsWith(".py"))
      .map((f) => `${AGENT_PACKAGE}/${f}`);
    const sources = commandSources(readAgentSources(AGENT), command as "bootstrap" | "mirror")
      .map((s) => s.name)
      .sort();
    expect(sources.every((name) => name === "__main__.py" || modules.includes(name))).toBe(true);
    expect(sources.length).toBeLessThan(modules.length + 1);
    const entries = zipEntries(zip);
    expect(entries.map((e) => e.name)).toEqual(sources);
    for (const entry of entries) {
      expect(entry).toEqual({
        name: entry.name,
        date_time: [1980, 1, 1, 0, 0, 0],
        external_attr: 0o100644 * 0x10000,
        create_system: 3,
        compress_type: 8, // deflate
        sha256: sha256(readFileSync(path.join(AGENT, entry.name))),
      });
    }
  });

  it("carries its settings as SETTINGS_JSON: byte for byte the <name>.settings.json the synth writes", () => {
    const file = fileOf(command, "settings.json");
    expect(scriptWord(script, "SETTINGS_JSON")).toBe(file);
    expect(carriedSettings(script)).toEqual(JSON.parse(file));
    expect(carriedSettings(script)).toMatchObject({ AR_HOST: "us-central1-python.pkg.dev", MAX_ATTEMPTS: 8 });
    // What the trampoline itself needs before the agent runs is the agent's setting too.
    expect(scriptWord(script, "METADATA_HOST")).toBe(carriedSettings(script).METADATA_HOST);
    expect(scriptWord(script, "GUEST_ATTR_NAMESPACE")).toBe(carriedSettings(script).GUEST_ATTR_NAMESPACE);
  });

  it("is well under GCE's 256 KB limit for one metadata value", () => {
    expect(Buffer.byteLength(script)).toBeLessThan(METADATA_VALUE_LIMIT_BYTES / 2);
  });
});

describe("reproducible", () => {
  it("the same config synthesizes byte-identical scripts and settings twice", () => {
    const again = synthOf();
    for (const file of readdirSync(STACK_DIR)) {
      expect([file, readFileSync(path.join(again, file), "utf8") === readFileSync(path.join(STACK_DIR, file), "utf8")]).toEqual([
        file,
        true,
      ]);
    }
  });

  it("the zipapp depends on the sources' bytes only: not on their order, time stamps or modes", () => {
    const copy = path.join(mkdtempSync(path.join(tmpdir(), "airlock-agent-copy-")), "agent");
    cpSync(AGENT, copy, { recursive: true });
    for (const source of readAgentSources(copy)) {
      const file = path.join(copy, source.name);
      chmodSync(file, 0o755);
      utimesSync(file, new Date(2031, 4, 6), new Date(2031, 4, 6));
    }
    const original = buildAgentZipapp(readAgentSources(AGENT));
    const changed = buildAgentZipapp([...readAgentSources(copy)].reverse());
    expect(changed.sha256).toBe(original.sha256);
    expect(Buffer.from(changed.bytes).equals(Buffer.from(original.bytes))).toBe(true);
    expect(startupSources().agent.sha256).toBe(original.sha256);
    // One byte more in one source: another zipapp.
    writeFileSync(path.join(copy, "__main__.py"), `${readFileSync(path.join(copy, "__main__.py"), "utf8")}\n`);
    expect(buildAgentZipapp(readAgentSources(copy)).sha256).not.toBe(original.sha256);
  });

  it("each script carries its command's modules and everything they import, and not the other command's", () => {
    const all = readAgentSources(AGENT);
    const moduleOf = (name: string) => name.replace(/^pip_airlock_agent\/|\.py$/g, "");
    const carried = {
      bootstrap: new Set(commandSources(all, "bootstrap").map((s) => moduleOf(s.name))),
      mirror: new Set(commandSources(all, "mirror").map((s) => moduleOf(s.name))),
    };
    for (const m of ["bootstrap", "trust", "probe", "keyring_venv", "pip_retry", "kms", "rsa_verify", "signed_set", "cli", "__main__"]) {
      expect([m, carried.bootstrap.has(m)]).toEqual([m, true]);
    }
    for (const m of ["mirror", "mirror_shims", "policy", "index_filter", "osv", "provenance", "sbom", "sbom_fetch"]) {
      expect([m, carried.bootstrap.has(m)]).toEqual([m, false]);
    }
    for (const m of ["mirror", "mirror_shims", "policy", "index_filter", "osv", "provenance", "sbom", "signed_set", "kms"]) {
      expect([m, carried.mirror.has(m)]).toEqual([m, true]);
    }
    for (const m of ["bootstrap", "trust", "probe", "keyring_venv", "sbom_fetch"]) expect([m, carried.mirror.has(m)]).toEqual([m, false]);
    // closed under imports: whatever a carried module imports is carried (cli's lazy command imports aside)
    for (const [command, modules] of Object.entries(carried)) {
      for (const source of all.filter((s) => modules.has(moduleOf(s.name)) && moduleOf(s.name) !== "cli")) {
        for (const imported of relativeImports(Buffer.from(source.content).toString("utf8"))) {
          expect([command, source.name, imported, modules.has(imported)]).toEqual([command, source.name, imported, true]);
        }
      }
    }
    expect(relativeImports("from .a import b\n    from . import c, d as e\nfrom . import (f)\nimport os\n")).toEqual(["a", "c", "d", "f"]);
  });

  it("carries only __main__.py and the package's modules: not the tests, not caches", () => {
    const copy = path.join(mkdtempSync(path.join(tmpdir(), "airlock-agent-extra-")), "agent");
    cpSync(AGENT, copy, { recursive: true });
    mkdirSync(path.join(copy, "tests"), { recursive: true });
    writeFileSync(path.join(copy, "tests", "test_x.py"), "");
    mkdirSync(path.join(copy, AGENT_PACKAGE, "__pycache__"), { recursive: true });
    writeFileSync(path.join(copy, AGENT_PACKAGE, "__pycache__", "cli.cpython-311.pyc"), "");
    writeFileSync(path.join(copy, AGENT_PACKAGE, "notes.txt"), "");
    expect(buildAgentZipapp(readAgentSources(copy)).sha256).toBe(startupSources().agent.sha256);
  });
});

/** Values a config might hold to break out of a word: each names the canary the run below must never create. */
const HOSTILE = [
  "$(touch /mnt/pwned)",
  "`touch /mnt/pwned`",
  "'; touch /mnt/pwned; '",
  '"; touch /mnt/pwned; "',
  "x\ntouch /mnt/pwned\n",
  "${IFS}touch${IFS}/mnt/pwned",
  `a' "$(touch /mnt/pwned)" 'b`,
  "\\'\\\"\\\\ $HOME ~root !! #comment *",
];

/** The mirror rendered with a hostile value in every string setting (past the schema, which refuses most of them). */
function hostileMirror() {
  const endpoints = {
    arHost: HOSTILE[2],
    helpersIndexUrl: HOSTILE[0],
    helpersUploadUrl: HOSTILE[1],
    pipIndexUrl: HOSTILE[3],
    uploadRepoUrl: HOSTILE[6],
  };
  const config = exampleConfig((c) => {
    c.mirror.packages = HOSTILE;
    c.mirror.bootstrapPip = HOSTILE[6];
    c.mirror.sourceIndexUrl = HOSTILE[5];
  });
  return mirrorScript(startupSources(), config, endpoints, HOSTILE.join("\n"));
}

describe("hostile config values", () => {
  const script = hostileMirror();

  it("stay data: SETTINGS_JSON holds them exactly, one single-quoted word, and the script stays shellcheck-clean", () => {
    expect(scriptWord(script.text, "SETTINGS_JSON")).toBe(script.settingsJson);
    expect(carriedSettings(script.text).PACKAGES).toEqual(HOSTILE);
    expect(carriedSettings(script.text).LOCK_CONTENT).toBe(HOSTILE.join("\n"));
    // SC2016 (info) on these values would be the point: `$(...)` inside single quotes stays literal.
    const lint = spawnSync("shellcheck", ["-s", "bash", "--severity=warning", "-"], { input: script.text, encoding: "utf8" });
    expect(lint.stdout + lint.stderr).toBe("");
    expect(lint.status).toBe(0);
  });
});

// ---- The rendered scripts run for real ----------------------------------------------------------
//
// In a private mount and network namespace (unshare; as root, or as a user through a user namespace):
// a loopback metadata server at metadata.google.internal:80 (node, recording each request), /tmp a
// fresh tmpfs (so whatever the script leaves there shows), the test's folder at /mnt, and each python3
// the script could find masked: by a non-executable file ("missing") or by a fake python3 that records
// how it was run and exits with a chosen status ("fake"); "real" leaves the machine's python3. The script's
// sleep (a failure's reports 1 s apart) is one that records its argument and returns at once.

/** Runs python3's version check as the real one would, then records the agent run and exits with /mnt/exit-code. */
const FAKE_PYTHON = `#!/bin/bash
printf '%s\\n' "$*" >>/mnt/python-calls
if [[ $2 == -c ]]; then exit 0; fi
cp -- "$2" /mnt/seen-agent.pyz
cp -- "$5" /mnt/seen-settings.json
{ pwd; umask; printf '%s\\n' "$PATH"; stat -c %a "\${2%/*}"; } >/mnt/seen-env
exit "$(cat /mnt/exit-code)"
`;

/** Records the pause asked for, and does not pause. */
const FAKE_SLEEP = `#!/bin/bash
printf '%s\\n' "$*" >>/mnt/sleeps
`;

const METADATA_SERVER = `
const fs = require("fs");
const [log, ready] = process.argv.slice(2);
require("http").createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    fs.appendFileSync(log, JSON.stringify({ method: req.method, url: req.url, flavor: req.headers["metadata-flavor"] ?? null, body }) + "\\n");
    res.end();
  });
}).listen(80, "127.0.0.1", () => fs.writeFileSync(ready, ""));
`;

const NAMESPACE_SETUP = `
set -euo pipefail
T=$1 MODE=$2 SERVER=$3 NODE=$4
ip link set lo up
mount --bind "$T" /mnt
mount -t tmpfs -o mode=1777 tmpfs /tmp
printf '127.0.0.1 localhost\\n127.0.0.1 metadata.google.internal\\n' >/mnt/hosts
mount --bind /mnt/hosts /etc/hosts
for candidate in $5; do
  if [[ -e $candidate ]]; then
    case $MODE in
      missing) mount --bind /mnt/not-python "$candidate" ;;
      fake) mount --bind /mnt/fake-python3 "$candidate" ;;
    esac
  fi
done
server=
if [[ $SERVER == 1 ]]; then
  "$NODE" /mnt/metadata-server.js /mnt/requests.jsonl /mnt/server-ready &
  server=$!
  for _ in $(seq 1 200); do [[ -e /mnt/server-ready ]] && break; sleep 0.05; done
fi
for candidate in $6; do
  if [[ -e $candidate ]]; then mount --bind /mnt/fake-sleep "$candidate"; fi
done
set +e
bash /mnt/script.sh >/mnt/stdout 2>/mnt/stderr
echo "$?" >/mnt/rc
ls -A /tmp >/mnt/tmp-after
[[ -z $server ]] || kill "$server"
`;

interface Run {
  rc: number;
  stdout: string;
  stderr: string;
  /** The guest-attribute writes the metadata server got: `KEY=VALUE`, each with its Metadata-Flavor header checked. */
  attributes: string[];
  /** What /tmp held after the script ended. */
  tmpAfter: string[];
  /** Each run of the fake python3: its arguments. */
  pythonCalls: string[];
  /** Each pause the script asked for: sleep's arguments. */
  sleeps: string[];
  dir: string;
}

function runScript(script: string, options: { python: "missing" | "fake" | "real"; exitCode?: number; metadataServer?: boolean }): Run {
  for (const tool of ["unshare", "ip"])
    if (!hasTool(tool)) throw new Error(`${tool} is not installed: the trampoline runs in a private namespace (util-linux, iproute2)`);
  const dir = mkdtempSync(path.join(tmpdir(), "airlock-run-"));
  writeFileSync(path.join(dir, "script.sh"), script);
  writeFileSync(path.join(dir, "not-python"), "");
  writeFileSync(path.join(dir, "fake-python3"), FAKE_PYTHON, { mode: 0o755 });
  writeFileSync(path.join(dir, "fake-sleep"), FAKE_SLEEP, { mode: 0o755 });
  writeFileSync(path.join(dir, "exit-code"), String(options.exitCode ?? 0));
  writeFileSync(path.join(dir, "metadata-server.js"), METADATA_SERVER);
  // Every python3 the script could find: on its own PATH, and where it looks besides.
  const scriptPath = /^PATH=(.*)$/m.exec(script)![1].split(":");
  const candidates = [...scriptPath.map((d) => `${d}/python3`), "/usr/bin/python3", "/usr/libexec/platform-python"];
  if (options.python === "fake" && !candidates.some((c) => existsSync(c)))
    throw new Error("no python3 on this machine to put the fake in place of");
  const root = process.getuid?.() === 0;
  const r = spawnSync(
    "unshare",
    [
      ...(root ? [] : ["--user", "--map-root-user"]),
      "--mount",
      "--net",
      "--propagation",
      "private",
      "bash",
      "-c",
      NAMESPACE_SETUP,
      "setup",
      dir,
      options.python,
      options.metadataServer === false ? "0" : "1",
      process.execPath,
      candidates.join(" "),
      scriptPath.map((d) => `${d}/sleep`).join(" "),
    ],
    // stdin /dev/null: a bash whose stdin is a socket (node's pipes are) and that has no SHLVL takes itself for
    // one started by rshd and reads ~/.bashrc, which on a developer's machine may start pyenv and more.
    { encoding: "utf8", env: ENV, timeout: 60_000, stdio: ["ignore", "pipe", "pipe"] },
  );
  if (r.status !== 0) throw new Error(`the namespace for the run could not be set up (status ${r.status}): ${r.stderr}`);
  const read = (file: string) => (existsSync(path.join(dir, file)) ? readFileSync(path.join(dir, file), "utf8") : "");
  const lines = (file: string) => read(file).split("\n").filter(Boolean);
  const requests = lines("requests.jsonl").map((l) => JSON.parse(l));
  for (const q of requests)
    expect([q.method, q.flavor, q.url]).toEqual([
      "PUT",
      "Google",
      expect.stringMatching(/^\/computeMetadata\/v1\/instance\/guest-attributes\/pip-airlock\/[a-z-]+$/),
    ]);
  return {
    rc: Number(read("rc")),
    stdout: read("stdout"),
    stderr: read("stderr"),
    attributes: requests.map((q) => `${q.url.split("/").pop()}=${q.body}`),
    tmpAfter: lines("tmp-after"),
    pythonCalls: lines("python-calls"),
    sleeps: lines("sleeps"),
    dir,
  };
}

const LOG_LINE = (command: string, message: string) =>
  new RegExp(
    `^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ pip-airlock-${command} \\[validate\\] ${message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`,
    "m",
  );

describe("run for real by bash", () => {
  const [[, bootstrap], [, mirror]] = SCRIPTS;

  it("without python3: logs why, reports failed at validate to the metadata server, exits 1, leaves nothing in /tmp", () => {
    const run = runScript(bootstrap, { python: "missing" });
    expect(run.rc).toBe(1);
    expect(run.stdout).toMatch(LOG_LINE("bootstrap", "python3 is required (CPython 3.9 or newer)"));
    expect(run.stdout).toMatch(LOG_LINE("bootstrap", "FAILED at step validate (exit 1)"));
    expect(run.attributes).toEqual(["failed-step=validate", "status=failed"]);
    expect(run.sleeps).toEqual(["1"]); // the two reports 1 s apart: GCE drops bursts of guest-attribute writes
    expect(run.tmpAfter).toEqual([]);
    expect(run.stderr).toBe("");
  });

  it("without python3 and without a metadata server: the same failure, the reports only warned about", () => {
    const run = runScript(mirror, { python: "missing", metadataServer: false });
    expect(run.rc).toBe(1);
    expect(run.stdout).toMatch(LOG_LINE("mirror", "python3 is required"));
    expect(run.stdout).toMatch(LOG_LINE("mirror", "warning: could not publish guest attribute failed-step"));
    expect(run.stdout).toMatch(LOG_LINE("mirror", "warning: could not publish guest attribute status"));
  });

  it("refuses a tampered payload: failed at validate, the agent never run, nothing left in /tmp", () => {
    const b64 = scriptWord(mirror, "AGENT_ZIP_B64");
    const at = Math.floor(b64.length / 2);
    const swapped = b64.slice(0, at) + (b64[at] === "A" ? "B" : "A") + b64.slice(at + 1);
    const run = runScript(mirror.replace(b64, swapped), { python: "fake" });
    expect(run.rc).toBe(1);
    expect(run.stdout).toMatch(LOG_LINE("mirror", "the host agent this script carries has sha256 "));
    expect(run.stdout).toContain("refusing to run it");
    expect(run.attributes).toEqual(["failed-step=validate", "status=failed"]);
    expect(run.pythonCalls.filter((c) => c.includes("agent.pyz"))).toEqual([]);
    expect(run.tmpAfter).toEqual([]);
    // A payload that is no base64 at all: refused the same way.
    const broken = runScript(mirror.replace(b64, `${b64.slice(0, at)}*${b64.slice(at + 1)}`), { python: "fake" });
    expect([broken.rc, broken.attributes]).toEqual([1, ["failed-step=validate", "status=failed"]]);
    expect(broken.stdout).toMatch(LOG_LINE("mirror", "cannot unpack the host agent this script carries"));
  });

  it("runs the agent it carries with the settings it carries, in a private directory it removes, and exits with its status", () => {
    const run = runScript(bootstrap, { python: "fake", exitCode: 3 });
    expect(run.rc).toBe(3);
    const agentRun = run.pythonCalls.filter((c) => !c.startsWith("-I -c "));
    expect(agentRun).toEqual([
      expect.stringMatching(
        /^-I \/tmp\/pip-airlock-agent\.\w{6}\/agent\.pyz bootstrap --settings \/tmp\/pip-airlock-agent\.\w{6}\/settings\.json$/,
      ),
    ]);
    expect(sha256(readFileSync(path.join(run.dir, "seen-agent.pyz")))).toBe(scriptWord(bootstrap, "AGENT_SHA256"));
    expect(readFileSync(path.join(run.dir, "seen-settings.json"), "utf8")).toBe(fileOf("bootstrap", "settings.json"));
    const [cwd, umask, pathEnv, dirMode] = readFileSync(path.join(run.dir, "seen-env"), "utf8").trim().split("\n");
    expect({ cwd, umask, pathEnv, dirMode }).toEqual({
      cwd: "/",
      umask: "0077",
      pathEnv: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      dirMode: "700",
    });
    expect(run.attributes).toEqual([]);
    expect(run.sleeps).toEqual([]);
    expect(run.tmpAfter).toEqual([]);
  });

  it("keeps hostile config values inert: the agent gets them exactly, and nothing runs them", () => {
    const script = hostileMirror();
    const run = runScript(script.text, { python: "fake" });
    expect(run.rc).toBe(0);
    expect(readFileSync(path.join(run.dir, "seen-settings.json"), "utf8")).toBe(script.settingsJson);
    expect(existsSync(path.join(run.dir, "pwned"))).toBe(false);
  });

  it("the machine's python3 runs the zipapp it carries, isolated (-I), with the package importable from the zip", () => {
    // A fixture agent of the test's own: the carrier is under test, not the real agent's program.
    const agent = path.join(mkdtempSync(path.join(tmpdir(), "airlock-fixture-agent-")), "agent");
    mkdirSync(path.join(agent, AGENT_PACKAGE), { recursive: true });
    writeFileSync(path.join(agent, "__main__.py"), "from pip_airlock_agent.cli import report\nraise SystemExit(report())\n");
    writeFileSync(path.join(agent, AGENT_PACKAGE, "__init__.py"), "");
    for (const entry of ["mirror", "mirror_shims", "bootstrap", "pip_retry"])
      writeFileSync(path.join(agent, AGENT_PACKAGE, `${entry}.py`), "");
    writeFileSync(
      path.join(agent, AGENT_PACKAGE, "cli.py"),
      `import json, os, sys


def report():
    umask = os.umask(0)
    os.umask(umask)
    with open(sys.argv[3], encoding="utf-8") as fh:
        settings = fh.read()
    print(json.dumps({"argv": sys.argv, "isolated": sys.flags.isolated, "cwd": os.getcwd(), "umask": umask,
        "dir_mode": os.stat(os.path.dirname(sys.argv[0])).st_mode & 0o777, "settings": settings}))
    return 7
`,
    );
    const stack = synthOf(agent);
    const script = readFileSync(path.join(stack, "public-host-mirror.sh"), "utf8");
    const run = runScript(script, { python: "real" });
    expect(run.stderr).toBe("");
    expect(run.rc).toBe(7);
    const seen = JSON.parse(run.stdout);
    expect(seen).toEqual({
      argv: [
        expect.stringMatching(/^\/tmp\/pip-airlock-agent\.\w{6}\/agent\.pyz$/),
        "mirror",
        "--settings",
        expect.stringMatching(/\/settings\.json$/),
      ],
      isolated: 1,
      cwd: "/",
      umask: 0o077,
      dir_mode: 0o700,
      settings: readFileSync(path.join(stack, "public-host-mirror.settings.json"), "utf8"),
    });
    expect(run.tmpAfter).toEqual([]);
  });
});
