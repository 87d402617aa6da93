// No config value may make a script damage a host: the keyring venv (the one directory a config names
// that the bootstrap creates, clears and rebuilds) is refused at synth, with a table of hostile values;
// the host agent refuses the same table again on the host (agent/tests, as it runs on VMs outside the
// stack too), and never touches an existing directory it did not create.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { loadConfig } from "../config/load";
import { OWNED_ROOTS, PRODUCT_STATE_PATHS } from "../config/host-paths";
import { buildStack, carriedSettings, configProblems, EXAMPLE_CONFIG } from "./support";

const DIR = mkdtempSync(path.join(tmpdir(), "airlock-paths-"));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

function synthProblems(venv: string): string[] {
  const c = JSON.parse(readFileSync(EXAMPLE_CONFIG, "utf8"));
  c.hosts.keyringVenv = venv;
  const file = path.join(DIR, `c-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(c));
  return configProblems(() => loadConfig(file));
}

const HOSTILE = [
  "/",
  "/usr",
  "/usr/local",
  "/usr/lib/python3",
  "/etc",
  "/etc/pip-airlock",
  "/opt",
  "/opt/pip-airlock",
  "/opt/other/keyring",
  "/var",
  "/var/lib",
  "/var/lib/dpkg",
  "/var/lib/apt/lists/x",
  "/var/lib/rpm/x",
  "/var/lib/pip-airlock",
  "/var/lib/pip-airlock/mirror-work",
  "/var/lib/pip-airlock/mirror-work/venv",
  "/var/lib/pip-airlock/guest-attribute-writes",
  "/root/venv",
  "/home/alice/venv",
  "/tmp/keyring",
  "/var/tmp/keyring",
  "/run/keyring",
  "/dev/shm/keyring",
  "/proc/self",
  "/boot/efi/x",
  "/opt/pip-airlock/../../etc",
  "/opt/pip-airlock/../pip-airlock",
  "/opt/pip-airlock/keyring/../..",
  "/../opt/pip-airlock/keyring/../../..",
  "relative/keyring",
  "/opt/pip-airlock/key ring",
  "/opt/pip-airlock/$(reboot)",
  "/opt/pip-airlock/`id`",
  "/opt/pip-airlock/x;rm -rf /",
  "",
];

describe("hosts.keyringVenv: hostile values", () => {
  it.each(HOSTILE)("%j is refused at synth with the field and the fix", (venv) => {
    const problems = synthProblems(venv);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^hosts\.keyringVenv: /);
    expect(problems[0]).toMatch(/must (be|not)/);
  });

  it.each([
    ["/opt/pip-airlock/keyring", "/opt/pip-airlock/keyring"],
    ["/opt/pip-airlock//keyring/", "/opt/pip-airlock/keyring"],
    ["/opt/pip-airlock/./venvs/../keyring", "/opt/pip-airlock/keyring"],
    ["/var/lib/pip-airlock/venvs/keyring", "/var/lib/pip-airlock/venvs/keyring"],
  ])("%j is accepted as %j, and the bootstrap carries it normalized", (venv, normalized) => {
    expect(synthProblems(venv)).toEqual([]);
    const c = JSON.parse(readFileSync(EXAMPLE_CONFIG, "utf8"));
    c.hosts.keyringVenv = venv;
    const file = path.join(DIR, "accepted.json");
    writeFileSync(file, JSON.stringify(c));
    const script = buildStack(loadConfig(file)[0].config).stack.bootstrapScript;
    expect(carriedSettings(script).VENV_DIR).toBe(normalized);
  });

  it("the bootstrap carries the rules to the host: the roots the venv may lie below and the product's own state", () => {
    const settings = carriedSettings(buildStack().stack.bootstrapScript);
    expect(settings.OWNED_ROOTS).toEqual([...OWNED_ROOTS]);
    expect(settings.PRODUCT_STATE_PATHS).toEqual([...PRODUCT_STATE_PATHS]);
  });
});
