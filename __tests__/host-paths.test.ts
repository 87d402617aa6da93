// No config value may make a script damage a host: the keyring venv (the one directory a config names
// that the bootstrap creates, clears and rebuilds) is refused at synth and again by the script itself,
// with the same table of hostile values; and an existing directory the bootstrap did not create is
// never touched.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { loadConfig } from "../config/load";
import { OWNED_ROOTS, PRODUCT_STATE_PATHS } from "../config/host-paths";
import { buildStack, configProblems, EXAMPLE_CONFIG, exampleConfig, fileTree, ROOT } from "./support";
import { withFunctions } from "./script-support";

const BOOTSTRAP = buildStack(exampleConfig()).stack.bootstrapScript;
const DIR = mkdtempSync(path.join(tmpdir(), "airlock-paths-"));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

function synthProblems(venv: string): string[] {
  const c = JSON.parse(readFileSync(EXAMPLE_CONFIG, "utf8"));
  c.hosts.keyringVenv = venv;
  const file = path.join(DIR, `c-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(c));
  return configProblems(() => loadConfig(file));
}

/** owned_directory of the rendered bootstrap, run in bash: its exit code and what it logged. */
function scriptVerdict(venv: string): { ok: boolean; log: string } {
  const out = withFunctions(BOOTSTRAP, `date() { printf 'T'; }; owned_directory "$V"; echo "rc=$?"`, { V: venv });
  return { ok: out.trim().endsWith("rc=0"), log: out };
}

const HOSTILE = [
  "/", "/usr", "/usr/local", "/usr/lib/python3", "/etc", "/etc/pip-airlock", "/opt", "/opt/pip-airlock", "/opt/other/keyring",
  "/var", "/var/lib", "/var/lib/dpkg", "/var/lib/apt/lists/x", "/var/lib/rpm/x", "/var/lib/pip-airlock",
  "/var/lib/pip-airlock/mirror-work", "/var/lib/pip-airlock/mirror-work/venv", "/var/lib/pip-airlock/guest-attribute-writes",
  "/root/venv", "/home/alice/venv", "/tmp/keyring", "/var/tmp/keyring", "/run/keyring", "/dev/shm/keyring", "/proc/self", "/boot/efi/x",
  "/opt/pip-airlock/../../etc", "/opt/pip-airlock/../pip-airlock", "/opt/pip-airlock/keyring/../..", "/../opt/pip-airlock/keyring/../../..",
  "relative/keyring", "/opt/pip-airlock/key ring", "/opt/pip-airlock/$(reboot)", "/opt/pip-airlock/`id`", "/opt/pip-airlock/x;rm -rf /", "",
];

describe("hosts.keyringVenv: hostile values", () => {
  it.each(HOSTILE)("%j is refused at synth with the field and the fix", (venv) => {
    const problems = synthProblems(venv);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^hosts\.keyringVenv: /);
    expect(problems[0]).toMatch(/must (be|not)/);
  });

  it.each(HOSTILE)("%j is refused by the script itself (it also runs on VMs outside the stack)", (venv) => {
    const verdict = scriptVerdict(venv);
    expect(verdict.ok).toBe(false);
    expect(verdict.log).toMatch(/venv_dir .*must/);
  });

  it.each([
    ["/opt/pip-airlock/keyring", "/opt/pip-airlock/keyring"],
    ["/opt/pip-airlock//keyring/", "/opt/pip-airlock/keyring"],
    ["/opt/pip-airlock/./venvs/../keyring", "/opt/pip-airlock/keyring"],
    ["/var/lib/pip-airlock/venvs/keyring", "/var/lib/pip-airlock/venvs/keyring"],
  ])("%j is accepted as %j, and the script accepts what the synth renders", (venv, normalized) => {
    expect(synthProblems(venv)).toEqual([]);
    const c = JSON.parse(readFileSync(EXAMPLE_CONFIG, "utf8"));
    c.hosts.keyringVenv = venv;
    const file = path.join(DIR, "accepted.json");
    writeFileSync(file, JSON.stringify(c));
    const script = buildStack(loadConfig(file)[0].config).stack.bootstrapScript;
    expect(script).toContain(`\nVENV_DIR='${normalized}'\n`);
    expect(scriptVerdict(normalized).ok).toBe(true);
  });

  it("the script refuses a path that a symbolic link on the host leads elsewhere", () => {
    const root = path.join(DIR, "root");
    mkdirSync(root, { recursive: true });
    symlinkSync("/etc", path.join(root, "link"));
    const out = withFunctions(BOOTSTRAP, `date() { printf 'T'; }; OWNED_ROOTS=("$R"); owned_directory "$R/link/keyring"; echo "rc=$?"; owned_directory "$R/real/keyring"; echo "rc=$?"`, { R: root });
    expect(out).toContain("a symbolic link on the way leads to /etc/keyring");
    expect(out.match(/rc=\d/g)).toEqual(["rc=1", "rc=0"]);
  });

  it("the script's own state paths are the ones the rules protect", () => {
    expect(BOOTSTRAP).toContain(`OWNED_ROOTS=(${OWNED_ROOTS.map((r) => `'${r}' `).join("")})`);
    const templates = ["common.sh.mustache", "mirror.sh.mustache"].map((f) => readFileSync(path.join(ROOT, "assets", f), "utf8")).join("\n");
    for (const state of PRODUCT_STATE_PATHS) expect(templates).toContain(state);
    const literals = [...templates.matchAll(/\/var\/lib\/pip-airlock\/[a-z-]+/g)].map((m) => m[0]);
    expect([...new Set(literals)].sort()).toEqual([...PRODUCT_STATE_PATHS].sort());
  });
});

describe("the keyring venv: only a directory the bootstrap created is ever cleared", () => {
  const run = (venv: string, body = "ensure_venv") =>
    withFunctions(BOOTSTRAP, `date() { printf 'T'; }; VENV_DIR="$V"; KEYRING_LINK="$L"; ${body}; echo "rc=$?"`, { V: venv, L: path.join(DIR, "no-link") });

  it("an existing directory without the marker is left untouched, and the step fails with the reason", () => {
    const venv = path.join(DIR, "foreign");
    mkdirSync(path.join(venv, "bin"), { recursive: true });
    writeFileSync(path.join(venv, "precious.db"), "data");
    // A venv of another Python: the old bootstrap would `python3 -m venv --clear` it.
    writeFileSync(path.join(venv, "pyvenv.cfg"), "home = /usr/bin\nversion = 3.9.2\n");
    const before = fileTree(venv);
    const out = run(venv);
    expect(out).toContain("exists but pip-airlock did not create it (no .pip-airlock-venv): left untouched");
    expect(out.trim().endsWith("rc=1")).toBe(true);
    expect(fileTree(venv)).toEqual(before);
  });

  it("a directory it created (the marker) is rebuilt for another Python, and marked again", () => {
    const venv = path.join(DIR, "ours");
    expect(run(venv)).toMatch(/creating the venv .*\nrc=0/);
    expect(readFileSync(path.join(venv, ".pip-airlock-venv"), "utf8")).toMatch(/^# Written by pip-airlock/);
    // Pretend a distribution upgrade changed the Python: the venv is rebuilt, the marker rewritten.
    writeFileSync(path.join(venv, "stale-file"), "x");
    const out = run(venv, `python3() { if [[ $1 == -c ]]; then echo 3.99; else command python3 "$@"; fi; }; ensure_venv`);
    expect(out).toMatch(/creating the venv .* for python 3\.99 \(was 3\.\d+\)\nrc=0/);
    expect(existsSync(path.join(venv, "stale-file"))).toBe(false);
    expect(existsSync(path.join(venv, ".pip-airlock-venv"))).toBe(true);
  });

  it("a venv an earlier pip-airlock made (keyring linked into it, no marker yet) is adopted", () => {
    const venv = path.join(DIR, "legacy");
    mkdirSync(path.join(venv, "bin"), { recursive: true });
    writeFileSync(path.join(venv, "pyvenv.cfg"), "home = /usr/bin\n");
    const link = path.join(DIR, "keyring-link");
    symlinkSync(path.join(venv, "bin", "keyring"), link);
    const out = withFunctions(BOOTSTRAP, `date() { printf 'T'; }; VENV_DIR="$V"; KEYRING_LINK="$L"; venv_is_ours; echo "rc=$?"`, { V: venv, L: link });
    expect(out).toContain("adopted");
    expect(out.trim().endsWith("rc=0")).toBe(true);
    expect(readdirSync(venv)).toContain(".pip-airlock-venv");
  });
});
