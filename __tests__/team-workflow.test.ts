import { spawnSync } from "child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "fs";
import * as path from "path";
import { readSynthRecord } from "../synth/record";
import { cloneProject } from "./clone-project";
import { ROOT } from "./config-support";
import { staleSynth } from "../synth/freshness";
import { emptyTerraformCliConfig } from "./terraform";

function teamEnv(config?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: "1", CI: "1" };
  delete env.AIRLOCK_CONFIG;
  if (config) env.AIRLOCK_CONFIG = config;
  return env;
}

/** `npx cdktf synth` exactly as a user runs it: the real CLI, running the app command cdktf.json names. */
function cdktfSynth(dir: string, config?: string) {
  // The CLI runs `terraform version`; an empty CLI config keeps a machine's missing one out of its output.
  const env = { ...teamEnv(config), TF_CLI_CONFIG_FILE: emptyTerraformCliConfig() };
  return spawnSync("npx", ["--no-install", "cdktf", "synth"], { cwd: dir, env, encoding: "utf8", timeout: 120_000 });
}

/**
 * The app command cdktf.json names, run as the CLI runs it (a shell, the outdir in CDKTF_OUTDIR): what the
 * workflow's later steps (`cdktf diff`, `cdktf deploy`) synthesize with. The CLI itself is proven once above;
 * its own start (about 2 s of CPU, three `terraform version` runs) adds nothing to the later assertions.
 */
function appSynth(dir: string, config?: string) {
  const command = JSON.parse(readFileSync(path.join(dir, "cdktf.json"), "utf8")).app;
  const env = { ...teamEnv(config), CDKTF_OUTDIR: path.join(dir, "cdktf.out") };
  return spawnSync("sh", ["-c", command], { cwd: dir, env, encoding: "utf8", timeout: 120_000 });
}

const stacksOf = (dir: string) => readdirSync(path.join(dir, "cdktf.out", "stacks")).sort();

const ACME = {
  projectId: "acme-pip-dev",
  region: "europe-west4",
  zone: "europe-west4-a",
  networks: {
    public: { name: "acme-public", subnetCidr: "10.110.0.0/24" },
    private: { name: "acme-private", subnetCidr: "10.120.0.0/24" },
  },
  environments: { dev: {}, prod: { projectId: "acme-pip-prod", hosts: { machineType: "e2-medium" } } },
};

describe("a team's own config is what CI checks (the real cdktf CLI, then the app command it runs)", () => {
  it("synth of a team config with other stacks exits 0, is fresh, goes stale when the config changes, and fresh again", () => {
    const dir = cloneProject(ROOT, { builtBundles: true });
    writeFileSync(path.join(dir, "config", "acme.json"), JSON.stringify(ACME, null, 2));

    const first = cdktfSynth(dir, "config/acme.json");
    expect([first.status, first.stderr]).toEqual([0, expect.anything()]);
    // With CI set, as the README says for CI logs: no spinner frames, no version-check error.
    expect(first.stdout + first.stderr).not.toMatch(/Synthesizing|\[ERROR\]/);
    expect(stacksOf(dir)).toEqual(["dev", "prod"]); // the example's "airlock" stack is gone
    expect(readSynthRecord(path.join(dir, "cdktf.out"))).toEqual({ config: "config/acme.json", stacks: ["dev", "prod"] });
    expect(staleSynth(dir)).toEqual([]);

    // Change the config without synthesizing: the check names the stale stacks and the command to run.
    writeFileSync(path.join(dir, "config", "acme.json"), JSON.stringify({ ...ACME, hosts: { machineType: "e2-standard-2" } }, null, 2));
    const stale = staleSynth(dir);
    expect(stale).toEqual([
      'cdktf.out/: stack "dev" is not what config/acme.json synthesizes today: run "AIRLOCK_CONFIG=config/acme.json node synth.js" and commit cdktf.out/',
    ]);

    const bundle = path.join(dir, "dist", "main.js");
    const builtAt = statSync(bundle).mtimeMs;
    const again = appSynth(dir, "config/acme.json");
    expect(again.status).toBe(0);
    expect(statSync(bundle).mtimeMs).toBe(builtAt); // no source changed: the app command reuses the bundle
    expect(staleSynth(dir)).toEqual([]);
    expect(readFileSync(path.join(dir, "cdktf.out", "stacks", "dev", "cdk.tf.json"), "utf8")).toContain('"machine_type": "e2-standard-2"');

    // Without AIRLOCK_CONFIG (as `npx cdktf diff dev` would run): the recorded config again, not the example.
    const plain = appSynth(dir);
    expect(plain.status).toBe(0);
    expect(stacksOf(dir)).toEqual(["dev", "prod"]);
    expect(readSynthRecord(path.join(dir, "cdktf.out"))).toEqual({ config: "config/acme.json", stacks: ["dev", "prod"] });
    expect(staleSynth(dir)).toEqual([]);
  });
});
