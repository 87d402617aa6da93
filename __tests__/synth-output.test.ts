import { spawnSync } from "child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { BOOTSTRAP_SCRIPT_FILE } from "../startup-script/files";
import { main } from "../main";
import { synthesize } from "../synth/synthesize";
import { loadConfig } from "../config/load";
import { terraformLiteral } from "../constructs/terraform-literal";
import { ASSETS, buildStack, carriedSettings, completeLock, EXAMPLE_CONFIG, fileTree, hostByRole, ROOT } from "./support";
import { staleSynth } from "../synth/freshness";

const COMMITTED = path.join(ROOT, "cdktf.out");
/** A synth of the example config: the regression tests must not depend on what a team committed in cdktf.out/. */
const EXAMPLE_SYNTH = (() => {
  const outdir = path.join(mkdtempSync(path.join(tmpdir(), "airlock-example-")), "cdktf.out");
  synthesize({ configFile: EXAMPLE_CONFIG, outdir, assetsDir: ASSETS });
  return outdir;
})();

function freshOutdir(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), "airlock-synth-")), "cdktf.out");
}

describe("synthesized output", () => {
  it("cdktf.out/ is exactly a fresh synth of the config it was synthesized from (commit it after changing the infra)", () => {
    expect(staleSynth(ROOT)).toEqual([]);
  });

  it("writes each host's script next to each stack, executable, equal to its startup-script, with its settings as data", () => {
    const outdir = freshOutdir();
    synthesize({ configFile: EXAMPLE_CONFIG, outdir, assetsDir: ASSETS });
    const stackDir = path.join(outdir, "stacks", "airlock");
    expect(BOOTSTRAP_SCRIPT_FILE).toBe("private-host-bootstrap.sh");
    expect(readdirSync(stackDir).sort()).toEqual([
      "cdk.tf.json", "private-host-bootstrap.settings.json", "private-host-bootstrap.sh", "public-host-mirror.settings.json", "public-host-mirror.sh",
    ]);
    const tf = JSON.parse(readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8"));
    for (const [role, name] of [["bootstrap", "private-host-bootstrap"], ["mirror", "public-host-mirror"]] as const) {
      const file = path.join(stackDir, `${name}.sh`);
      expect(statSync(file).mode & 0o111).toBe(0o111);
      const host = hostByRole(tf, role);
      expect(terraformLiteral(readFileSync(file, "utf8"))).toBe(host.metadata["startup-script"]);
      const settings = JSON.parse(readFileSync(path.join(stackDir, `${name}.settings.json`), "utf8"));
      // A setting of each kind, as the script carries it (the script tests compare the bytes).
      expect(settings).toMatchObject({ AR_HOST: "us-central1-python.pkg.dev", MAX_ATTEMPTS: 8, PACKAGES: ["keyring", "keyrings.google-artifactregistry-auth"] });
      expect(carriedSettings(readFileSync(file, "utf8"))).toEqual(settings);
    }
  });

  it("Terraform itself evaluates every startup-script and the script output to the raw rendered script", () => {
    // Only outputs: terraform needs no provider, so init and apply run offline.
    const tf = JSON.parse(readFileSync(path.join(EXAMPLE_SYNTH, "stacks", "airlock", "cdk.tf.json"), "utf8"));
    const script = (role: "mirror" | "bootstrap") => hostByRole(tf, role).metadata["startup-script"];
    const dir = mkdtempSync(path.join(tmpdir(), "airlock-tf-"));
    writeFileSync(
      path.join(dir, "main.tf.json"),
      JSON.stringify({
        output: {
          mirror: { value: script("mirror") },
          bootstrap: { value: script("bootstrap") },
          bootstrap_output: { value: tf.output.private_host_bootstrap_script.value },
        },
      }),
    );
    const terraform = (...args: string[]) => {
      const run = spawnSync("terraform", args, { cwd: dir, encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" } });
      expect(run.stderr.replace(/[\s\S]*Warning: Unable to open CLI configuration file[\s\S]*?╵\n?/, "").trim()).toBe("");
      expect(run.status).toBe(0);
      return run.stdout;
    };
    terraform("init", "-input=false", "-no-color");
    terraform("apply", "-auto-approve", "-input=false", "-no-color");
    const values = JSON.parse(terraform("output", "-json"));
    const { stack } = buildStack();
    expect(values.mirror.value).toBe(stack.mirrorScript);
    expect(values.bootstrap.value).toBe(stack.bootstrapScript);
    expect(values.bootstrap_output.value).toBe(readFileSync(path.join(EXAMPLE_SYNTH, "stacks", "airlock", BOOTSTRAP_SCRIPT_FILE), "utf8"));
    expect(stack.bootstrapScript).toContain("${"); // the scripts really carry bash expansions
  });

  describe("bad input leaves an existing cdktf.out/ untouched and exits non-zero", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "airlock-bad-"));
    const cases: Array<[string, string | undefined]> = [
      ["invalid value", JSON.stringify({ ...JSON.parse(readFileSync(EXAMPLE_CONFIG, "utf8")), projectId: "Bad Project" })],
      ["malformed JSON", "{ nope"],
      ["missing file", undefined],
    ];
    it.each(cases)("%s", (what, content) => {
      const outdir = freshOutdir();
      cpSync(COMMITTED, outdir, { recursive: true });
      const before = fileTree(outdir);
      const configFile = path.join(dir, `${what.replace(/ /g, "-")}.json`);
      if (content !== undefined) writeFileSync(configFile, content);
      const stderr: string[] = [];
      const spy = jest.spyOn(process.stderr, "write").mockImplementation((s) => (stderr.push(String(s)), true));
      try {
        expect(main({ AIRLOCK_CONFIG: configFile, CDKTF_OUTDIR: outdir })).toBe(1);
      } finally {
        spy.mockRestore();
      }
      expect(stderr.join("")).toContain(`pip-airlock: nothing was synthesized:\n${configFile}: `);
      expect(fileTree(outdir)).toEqual(before);
      expect(readdirSync(path.dirname(outdir))).toEqual(["cdktf.out"]);
    });
  });

  it("a lock so long that the startup scripts (both carry it) would pass GCE's 256 KB metadata limit is refused at synth, cdktf.out/ untouched", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "airlock-huge-"));
    const pin = (requirement: string, i: number) => `${requirement} --hash=sha256:${i.toString(16).padStart(64, "0")}`;
    const lock = ["pip==26.2.1", "keyring==25.7.0", "keyrings.google-artifactregistry-auth==1.1.2", "virtualenv==21.14.1"].map(pin);
    for (let i = 0; i < 3000; i++) lock.push(pin(`package-${i}==1.0.${i}`, i));
    writeFileSync(path.join(dir, "huge.lock"), completeLock(lock));
    const config = JSON.parse(readFileSync(EXAMPLE_CONFIG, "utf8"));
    writeFileSync(path.join(dir, "c.json"), JSON.stringify({ ...config, mirror: { ...config.mirror, lockFile: "huge.lock" } }));
    const outdir = freshOutdir();
    cpSync(COMMITTED, outdir, { recursive: true });
    const before = fileTree(outdir);
    expect(() => synthesize({ configFile: path.join(dir, "c.json"), outdir, assetsDir: ASSETS })).toThrow(
      /mirror\.packages \/ mirror\.lockFile \(stack "airlock"\): the public host's startup script renders to \d+ KB, over GCE's 256 KB limit/,
    );
    expect(fileTree(outdir)).toEqual(before);
    const [env] = loadConfig(path.join(dir, "c.json"));
    const { stack } = buildStack(env.config, env.lockContent);
    expect(stack.publicHost!.node.validate()).toEqual([expect.stringMatching(/the public host's startup script renders to \d+ KB, over GCE's 256 KB limit/)]);
    // The bootstrap carries the lock too (LOCK_CONTENT: a host installs no file the lock does not pin).
    expect(stack.privateHost!.node.validate()).toEqual([expect.stringMatching(/^mirror\.packages \/ mirror\.lockFile \(stack "airlock"\): the private host's startup script renders to \d+ KB, over GCE's 256 KB limit/)]);
    // The limit is a validation of the host (cdktf's own error names construct paths): the app command
    // still says what to change, and nothing else.
    const run = spawnSync("node", ["synth.js"], { cwd: ROOT, env: { ...process.env, AIRLOCK_CONFIG: path.join(dir, "c.json"), CDKTF_OUTDIR: outdir }, encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /^pip-airlock: nothing was synthesized:\n\S+c\.json: mirror\.packages \/ mirror\.lockFile \(stack "airlock"\): the private host's startup script renders to \d+ KB, over GCE's 256 KB limit for one metadata value: mirror fewer packages or a shorter lock\n\S+c\.json: mirror\.packages \/ mirror\.lockFile \(stack "airlock"\): the public host's startup script renders to \d+ KB, over GCE's 256 KB limit for one metadata value: mirror fewer packages or a shorter lock\n$/,
    );
    expect(fileTree(outdir)).toEqual(before);
  });

  it("the app command cdktf.json names (what `cdktf synth` runs) exits non-zero with the field and fix on stderr", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "airlock-cli-"));
    const configFile = path.join(dir, "c.json");
    writeFileSync(configFile, JSON.stringify({ ...JSON.parse(readFileSync(EXAMPLE_CONFIG, "utf8")), region: "mars" }));
    const app = JSON.parse(readFileSync(path.join(ROOT, "cdktf.json"), "utf8")).app;
    const run = spawnSync("sh", ["-c", app], {
      cwd: ROOT,
      env: { ...process.env, AIRLOCK_CONFIG: configFile, CDKTF_OUTDIR: path.join(dir, "out") },
      encoding: "utf8",
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${configFile}: region: must be a Google Cloud region such as "us-central1"`);
    expect(readdirSync(dir)).toEqual(["c.json"]);
  });
});
