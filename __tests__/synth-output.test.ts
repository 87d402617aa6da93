import { spawnSync } from "child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { BOOTSTRAP_SCRIPT_FILE } from "../startup-script/files";
import { mainInProcess } from "./in-process-main";
import { synthesize } from "../synth/synthesize";
import { loadConfig } from "../config/load";
import { referencedScriptFile } from "../startup-script/script-reference";
import {
  ASSETS,
  buildStack,
  carriedSettings,
  completeLock,
  EXAMPLE_CONFIG,
  exampleVariant,
  fileTree,
  hostByRole,
  resourcesOf,
  ROOT,
} from "./support";
import { staleSynth } from "../synth/freshness";

const COMMITTED = path.join(ROOT, "cdktf.out");
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
      "cdk.tf.json",
      "private-host-bootstrap.settings.json",
      "private-host-bootstrap.sh",
      "public-host-mirror.settings.json",
      "public-host-mirror.sh",
    ]);
    const tf = JSON.parse(readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8"));
    for (const [role, name] of [
      ["bootstrap", "private-host-bootstrap"],
      ["mirror", "public-host-mirror"],
    ] as const) {
      const file = path.join(stackDir, `${name}.sh`);
      expect(statSync(file).mode & 0o111).toBe(0o111);
      // The host's metadata reads it from there (a local, declared once: the JSON holds no script text).
      expect(referencedScriptFile(tf, hostByRole(tf, role).metadata["startup-script"])).toBe(`${name}.sh`);
      const settings = JSON.parse(readFileSync(path.join(stackDir, `${name}.settings.json`), "utf8"));
      // A setting of each kind, as the script carries it (the script tests compare the bytes).
      expect(settings).toMatchObject({
        AR_HOST: "us-central1-python.pkg.dev",
        MAX_ATTEMPTS: 8,
        PACKAGES: ["keyring", "keyrings.google-artifactregistry-auth"],
      });
      expect(carriedSettings(readFileSync(file, "utf8"))).toEqual(settings);
    }
  });

  it("Terraform itself hands every host, the fleet's template and the output the script the synth rendered, byte for byte (UTF-8 too)", () => {
    // A fleet (its template carries the bootstrap too) and a waiver whose reason is not ASCII (the mirror
    // script carries it): file() reads the script as UTF-8, as Terraform read the string in the JSON.
    const configFile = exampleVariant((c) => {
      c.fleet = { name: "workers", size: 1 };
      c.mirror.policy = { waivers: [{ id: "PYSEC-2024-12", reason: "revisé par l'équipe — 確認済み ✓" }] };
    });
    const outdir = freshOutdir();
    synthesize({ configFile, outdir, assetsDir: ASSETS });
    const stackDir = path.join(outdir, "stacks", "airlock");
    const tf = JSON.parse(readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8"));
    const [template] = resourcesOf(tf, "google_compute_instance_template");
    // Only the stack's locals and outputs of what it hands over: terraform needs no provider, so init and
    // apply run offline, in a folder holding the script files as the stack's does.
    const dir = mkdtempSync(path.join(tmpdir(), "airlock-tf-"));
    for (const file of readdirSync(stackDir).filter((f) => f.endsWith(".sh"))) cpSync(path.join(stackDir, file), path.join(dir, file));
    writeFileSync(
      path.join(dir, "main.tf.json"),
      JSON.stringify({
        locals: tf.locals,
        output: {
          mirror: { value: hostByRole(tf, "mirror").metadata["startup-script"] },
          bootstrap: { value: hostByRole(tf, "bootstrap").metadata["startup-script"] },
          fleet_template: { value: template.metadata["startup-script"] },
          bootstrap_output: { value: tf.output.private_host_bootstrap_script.value },
        },
      }),
    );
    const terraform = (...args: string[]) => {
      const run = spawnSync("terraform", args, {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" },
      });
      expect(run.stderr.replace(/[\s\S]*Warning: Unable to open CLI configuration file[\s\S]*?╵\n?/, "").trim()).toBe("");
      expect(run.status).toBe(0);
      return run.stdout;
    };
    terraform("init", "-input=false", "-no-color");
    terraform("apply", "-auto-approve", "-input=false", "-no-color");
    const values = JSON.parse(terraform("output", "-json"));
    const [env] = loadConfig(configFile);
    const { stack } = buildStack(env.config, env.lockContent);
    const bytes = (text: string) => Buffer.from(text, "utf8").toString("base64");
    expect(bytes(values.mirror.value)).toBe(bytes(stack.mirrorScript!));
    for (const carrier of ["bootstrap", "fleet_template", "bootstrap_output"])
      expect([carrier, bytes(values[carrier].value)]).toEqual([carrier, bytes(stack.bootstrapScript)]);
    expect(stack.mirrorScript).toContain("確認済み ✓"); // the scripts really carry UTF-8 beyond ASCII
    expect(stack.bootstrapScript).toContain("${"); // and bash expansions, which file() leaves alone
  });

  // The longest lines left are the operator commands of the outputs (next_steps: about 1,650 characters
  // with a fleet); a script inlined again would be a line of 90 KB or more.
  it("cdk.tf.json is for reading: no script text in it and no line longer than 2,000 characters, the committed synth and a stack with a fleet", () => {
    const fleetSynth = freshOutdir();
    synthesize({ configFile: exampleVariant((c) => (c.fleet = { name: "workers", size: 2 })), outdir: fleetSynth, assetsDir: ASSETS });
    for (const outdir of [COMMITTED, fleetSynth]) {
      for (const stack of readdirSync(path.join(outdir, "stacks"))) {
        const text = readFileSync(path.join(outdir, "stacks", stack, "cdk.tf.json"), "utf8");
        const longest = Math.max(...text.split("\n").map((line) => line.length));
        expect([stack, text.includes("#!/usr/bin/env bash")]).toEqual([stack, false]);
        expect(longest).toBeLessThanOrEqual(2000);
      }
    }
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
      const run = mainInProcess({ AIRLOCK_CONFIG: configFile, CDKTF_OUTDIR: outdir });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`pip-airlock: nothing was synthesized:\n${configFile}: `);
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
    expect(stack.publicHost!.node.validate()).toEqual([
      expect.stringMatching(/the public host's startup script renders to \d+ KB, over GCE's 256 KB limit/),
    ]);
    // The bootstrap carries the lock too (LOCK_CONTENT: a host installs no file the lock does not pin).
    expect(stack.privateHost!.node.validate()).toEqual([
      expect.stringMatching(
        /^mirror\.packages \/ mirror\.lockFile \(stack "airlock"\): the private host's startup script renders to \d+ KB, over GCE's 256 KB limit/,
      ),
    ]);
    // The limit is a validation of the host (cdktf's own error names construct paths): the app command
    // still says what to change, and nothing else.
    const run = spawnSync("node", ["synth.js"], {
      cwd: ROOT,
      env: { ...process.env, AIRLOCK_CONFIG: path.join(dir, "c.json"), CDKTF_OUTDIR: outdir },
      encoding: "utf8",
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /^pip-airlock: nothing was synthesized:\n\S+c\.json: mirror\.packages \/ mirror\.lockFile \(stack "airlock"\): the private host's startup script renders to \d+ KB, over GCE's 256 KB limit for one metadata value: mirror fewer packages or a shorter lock\n\S+c\.json: mirror\.packages \/ mirror\.lockFile \(stack "airlock"\): the public host's startup script renders to \d+ KB, over GCE's 256 KB limit for one metadata value: mirror fewer packages or a shorter lock\n$/,
    );
    expect(fileTree(outdir)).toEqual(before);
  });

  it("a script Terraform would change on its way to the VM (Unicode not in NFC: Terraform normalizes every string) is refused at synth, cdktf.out/ untouched", () => {
    const configFile = exampleVariant(
      (c) => (c.mirror.policy = { waivers: [{ id: "PYSEC-2024-12", reason: "re\u0301vise\u0301 par l'e\u0301quipe" }] }),
    );
    const outdir = freshOutdir();
    cpSync(COMMITTED, outdir, { recursive: true });
    const before = fileTree(outdir);
    expect(() => synthesize({ configFile, outdir, assetsDir: ASSETS })).toThrow(
      /stack "airlock": the public host's startup script: line \d+ holds text not in Unicode's composed form \(NFC\), which Terraform would change on its way to the VM: "….*"REASON": "révisé par [^"]*…": write that text of the config composed \(NFC\)/,
    );
    expect(fileTree(outdir)).toEqual(before);
    // Composed, the same reason synthesizes.
    expect(
      synthesize({
        configFile: exampleVariant((c) => (c.mirror.policy = { waivers: [{ id: "PYSEC-2024-12", reason: "révisé par l'équipe" }] })),
        outdir,
        assetsDir: ASSETS,
      }),
    ).toEqual(["airlock"]);
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
