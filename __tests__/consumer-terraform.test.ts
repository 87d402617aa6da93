// The shipped example of a consumer's Terraform (examples/consumer-terraform): Terraform loads it, and its module
// reads a consumer's output from a pip-airlock stack's state as Terraform itself wrote it. This machine has no
// provider: the stack's part is a stand-in holding the synthesized consumer outputs and the local they read (its
// resources' attributes replaced by what they would be), applied by real Terraform; the module then reads that
// state with a real terraform_remote_state (a local backend instead of gcs, by a Terraform override file).
import { createHash } from "crypto";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { CONSUMER_BOOTSTRAP_LOCAL } from "../constructs/consumers";
import { synthesize } from "../synth/synthesize";
import { ASSETS, FIXTURES, ROOT } from "./config-support";
import { directoryProblems, emptyProviderMirror, terraform } from "./terraform";

const EXAMPLE = path.join(ROOT, "examples", "consumer-terraform");
const MODULE = path.join(EXAMPLE, "modules", "airlock-consumer");
const NETWORK = "https://www.googleapis.com/compute/v1/projects/acme-net-host/global/networks/corp-private";
const SUBNET = "https://www.googleapis.com/compute/v1/projects/acme-net-host/regions/us-central1/subnetworks/ml-us-central1";

const work = mkdtempSync(path.join(tmpdir(), "airlock-consumer-tf-"));
const cliConfig = emptyProviderMirror();

/** The fixture's stack, synthesized by the app: its Terraform JSON, its bootstrap as the synth wrote it, and the stack's folder. */
function synthFixture(): { stack: any; bootstrap: string; dir: string } {
  const outdir = path.join(work, "cdktf.out");
  const [name] = synthesize({ configFile: path.join(FIXTURES, "consumers.json"), outdir, assetsDir: ASSETS });
  const dir = path.join(outdir, "stacks", name);
  return {
    stack: JSON.parse(readFileSync(path.join(dir, "cdk.tf.json"), "utf8")),
    bootstrap: readFileSync(path.join(dir, "private-host-bootstrap.sh"), "utf8"),
    dir,
  };
}

/**
 * A configuration holding only the stack's consumer outputs and the local they read (the bootstrap's file, which
 * the caller copies beside it), each reference to a resource or data source replaced by the value it has once
 * deployed. Applied, its state is what a consumer's Terraform reads.
 */
function standIn(stack: any): string {
  const outputs = Object.fromEntries(Object.entries<any>(stack.output).filter(([name]) => name.startsWith("consumer_")));
  const text = JSON.stringify({ locals: { [CONSUMER_BOOTSTRAP_LOCAL]: stack.locals[CONSUMER_BOOTSTRAP_LOCAL] }, output: outputs })
    .replace(/(?<!\$)\$\{data\.google_compute_network\.[A-Za-z0-9_-]+\.self_link\}/g, NETWORK)
    .replace(/(?<!\$)\$\{data\.google_compute_subnetwork\.[A-Za-z0-9_-]+\.self_link\}/g, SUBNET);
  const refs = [...text.replace(/\$\{file\(\\"\$\{path\.module\}\/[a-z-]+\.sh\\"\)\}/g, "FILE").matchAll(/(?<!\$)\$\{([^}]*)\}/g)].map(
    (m) => m[1],
  );
  expect([...new Set(refs)]).toEqual([`local.${CONSUMER_BOOTSTRAP_LOCAL}`]);
  return text;
}

async function ok(dir: string, args: string[]) {
  const run = await terraform(dir, [...args, "-no-color"], cliConfig);
  if (run.status !== 0) throw new Error(`terraform ${args.join(" ")} failed in ${dir}:\n${run.stderr}${run.stdout}`);
  return run;
}

/** The consumer's side: the example's module, reading `state` (a local backend standing in for gcs), called with `inputs`. */
function consumerRoot(state: string, inputs: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(work, "consumer-"));
  const module = path.join(dir, "modules", "airlock-consumer");
  cpSync(MODULE, module, { recursive: true });
  writeFileSync(
    path.join(module, "airlock_override.tf"),
    `data "terraform_remote_state" "airlock" {\n  backend = "local"\n  config = {\n    path = ${JSON.stringify(state)}\n  }\n}\n`,
  );
  const args = Object.entries({ state_bucket: "acme-platform-tfstate", state_prefix: "pip-airlock/airlock", ...inputs }).map(
    ([k, v]) => `  ${k} = ${JSON.stringify(v)}`,
  );
  const outputs = [
    "metadata",
    "service_account",
    "scopes",
    "subnetwork",
    "network_project",
    "region",
    "pip_index_url",
    "startup_script_sha256",
    "status_command",
  ];
  writeFileSync(
    path.join(dir, "main.tf"),
    `module "airlock" {\n  source = "./modules/airlock-consumer"\n${args.join("\n")}\n}\n` +
      outputs.map((o) => `output "${o}" {\n  value = module.airlock.${o}\n}\n`).join(""),
  );
  return dir;
}

describe("examples/consumer-terraform: another team's Terraform", () => {
  const { stack, bootstrap, dir: stackDir } = synthFixture();
  let state = "";

  beforeAll(async () => {
    const dir = path.join(work, "airlock-stack");
    mkdirSync(dir);
    writeFileSync(path.join(dir, "main.tf.json"), standIn(stack));
    cpSync(path.join(stackDir, "private-host-bootstrap.sh"), path.join(dir, "private-host-bootstrap.sh"));
    await ok(dir, ["init", "-input=false"]);
    await ok(dir, ["apply", "-auto-approve", "-input=false"]);
    state = path.join(dir, "terraform.tfstate");
  }, 120_000);

  it("loads in Terraform: its module, the instance template and the group (terraform init, offline: only the google provider is missing)", async () => {
    const dir = mkdtempSync(path.join(work, "example-"));
    cpSync(EXAMPLE, dir, { recursive: true }); // a copy: init writes into the directory it runs in
    expect(await directoryProblems(dir, cliConfig)).toEqual([]);
  }, 60_000);

  it("uses only outputs its module declares", () => {
    const declared = [...readFileSync(path.join(MODULE, "main.tf"), "utf8").matchAll(/^output "([a-z_]+)"/gm)].map((m) => m[1]);
    const used = [...readFileSync(path.join(EXAMPLE, "main.tf"), "utf8").matchAll(/module\.airlock\.([a-z_]+)/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((o) => !declared.includes(o))).toEqual([]);
    expect(readdirSync(EXAMPLE).sort()).toEqual(["main.tf", "modules"]);
  });

  it("reads the consumer's output from the stack's state: the bootstrap byte for byte, the metadata, the subnet, a granted account", async () => {
    const dir = consumerRoot(state, { consumer: "rocky-team", metadata: { "team-label": "rocky" } });
    await ok(dir, ["init", "-input=false"]);
    await ok(dir, ["apply", "-auto-approve", "-input=false"]);
    const out = JSON.parse((await ok(dir, ["output", "-json"])).stdout);
    const value = (name: string) => out[name].value;
    expect(value("metadata")["startup-script"]).toBe(bootstrap);
    expect({ ...value("metadata"), "startup-script": "<bootstrap>" }).toEqual({
      "enable-oslogin": "TRUE",
      "block-project-ssh-keys": "TRUE",
      "enable-guest-attributes": "TRUE",
      "serial-port-enable": "FALSE",
      "serial-port-logging-enable": "TRUE",
      "startup-script": "<bootstrap>",
      "team-label": "rocky",
    });
    expect(value("service_account")).toBe("rocky-vms@acme-rocky.iam.gserviceaccount.com");
    expect(value("scopes")).toEqual(["cloud-platform"]);
    expect(value("subnetwork")).toBe(SUBNET);
    expect([value("network_project"), value("region")]).toEqual(["acme-net-host", "us-central1"]);
    expect(value("pip_index_url")).toBe("https://oauth2accesstoken@us-central1-python.pkg.dev/acme-platform/pip-all/simple/");
    expect(value("startup_script_sha256")).toBe(createHash("sha256").update(bootstrap).digest("hex"));
    expect(value("status_command")).toMatch(/--query-path=pip-airlock\/$/);
  }, 120_000);

  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      "a consumer the stack does not declare",
      { consumer: "web-team" },
      /has no output consumer_web_team: declare consumers\.web-team in the pip-airlock config and deploy the stack/,
    ],
    [
      "an account the stack did not grant",
      { consumer: "rocky-team", service_account: "other@acme-rocky.iam.gserviceaccount.com" },
      /service_account other@acme-rocky\.iam\.gserviceaccount\.com is not one the pip-airlock stack granted consumers\.rocky-team/,
    ],
    [
      "metadata that would replace the bootstrap's",
      { consumer: "rocky-team", metadata: { "startup-script": "echo mine", "enable-oslogin": "FALSE" } },
      /metadata sets enable-oslogin, startup-script, which the bootstrap sets/,
    ],
  ])(
    "refuses %s at plan, saying what to do",
    async (_case, inputs, message) => {
      const dir = consumerRoot(state, inputs);
      await ok(dir, ["init", "-input=false"]);
      const run = await terraform(dir, ["plan", "-input=false", "-no-color"], cliConfig);
      expect(run.status).not.toBe(0);
      expect((run.stderr + run.stdout).replace(/\s*│\s*/g, " ").replace(/\s+/g, " ")).toMatch(message);
    },
    120_000,
  );

  it("another account the consumer lists is accepted", async () => {
    const dir = consumerRoot(state, { consumer: "rocky-team", service_account: "rocky-batch@acme-rocky.iam.gserviceaccount.com" });
    await ok(dir, ["init", "-input=false"]);
    await ok(dir, ["apply", "-auto-approve", "-input=false"]);
    expect(JSON.parse((await ok(dir, ["output", "-json", "service_account"])).stdout)).toBe(
      "rocky-batch@acme-rocky.iam.gserviceaccount.com",
    );
  }, 120_000);
});
