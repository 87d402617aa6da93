// The library as a team gets it: `npm pack` of this checkout, installed offline into a scratch copy of a
// team's own cdktf 0.21 app (.ci/team-app: its provider, backend, bucket and bastion), compiled against the
// package's types, synthesized in a node process, refused by a guardrail when the team opens SSH to the
// airlock, and loaded by Terraform. The scratch app's other packages are those of this checkout's
// node_modules that the app and the library need, hard-linked (npm only unlinks there: the files it
// writes, its lockfiles, are its own); nothing is downloaded. .ci/cdktn-check.sh does the same on cdktn 0.24.
import { spawnSync, SpawnSyncReturns } from "child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  statSync,
  writeFileSync,
} from "fs";
import { createHash } from "crypto";
import { tmpdir } from "os";
import * as path from "path";
import { loadStartupSources } from "../startup-script/sources";
import { AGENT, ASSETS, ROOT } from "./config-support";
import { dependencyClosure, topLevelFolders } from "./package-closure";
import { configurationProblems, emptyProviderMirror } from "./terraform";

jest.setTimeout(240_000);

const TEAM_APP = path.join(ROOT, ".ci", "team-app");
const NODE_MODULES = realpathSync(path.join(ROOT, "node_modules"));
const HIDDEN_LOCK = ".package-lock.json";

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, env: { ...process.env, ...env }, encoding: "utf8" });
}

function ok(result: SpawnSyncReturns<string>, what: string): string {
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** docs/library.md's example (its TypeScript block), as a team copies it. */
function readmeExample(): string {
  const doc = readFileSync(path.join(ROOT, "docs", "library.md"), "utf8");
  return /^```ts\n([\s\S]*?)^```/m.exec(doc)![1];
}

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/** What the checkout's node_modules looks like at its top: its packages and its hidden lockfile. */
function checkoutModules(): string {
  return `${readdirSync(NODE_MODULES).sort().join(",")} ${sha256(path.join(NODE_MODULES, HIDDEN_LOCK))}`;
}

const scratch = mkdtempSync(path.join(tmpdir(), "airlock-packed-"));
const app = path.join(scratch, "app");
/** npm's cache and logs in the scratch folder; `--offline`: it may not download anything. */
const npmScratch = ["--offline", `--cache=${path.join(scratch, "npm-cache")}`, `--logs-dir=${path.join(scratch, "npm-logs")}`];
let tarball: string;
let modulesBefore: string;
let synth: { json: any };

beforeAll(() => {
  modulesBefore = checkoutModules();
  const packed = ok(run("npm", ["pack", "--silent", "--pack-destination", scratch, ...npmScratch], ROOT), "npm pack");
  tarball = path.join(scratch, packed.trim().split("\n").pop()!);
  mkdirSync(app);
  for (const file of ["package.json", "tsconfig.json", "main.ts"]) cpSync(path.join(TEAM_APP, file), path.join(app, file));
  writeFileSync(path.join(app, "readme-example.ts"), readmeExample());
  // The packages the team's app and the library's own dependencies need, hard-linked from the checkout's
  // node_modules, with npm's record of just those (npm writes its hidden lockfile in place: a copy of its own).
  const record = JSON.parse(readFileSync(path.join(NODE_MODULES, HIDDEN_LOCK), "utf8"));
  const team = JSON.parse(readFileSync(path.join(TEAM_APP, "package.json"), "utf8"));
  const library = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
  const needed = [...Object.keys({ ...team.dependencies, ...team.devDependencies }), ...Object.keys(library.dependencies)];
  const folders = topLevelFolders(dependencyClosure(record.packages, needed));
  mkdirSync(path.join(app, "node_modules"));
  const inside = folders.map((f) => f.replace(/^node_modules\//, ""));
  // Their commands too (node_modules/.bin/tsc -> ../typescript/bin/tsc): npm reinstalls a package whose commands are missing.
  const commands = readdirSync(path.join(NODE_MODULES, ".bin"))
    .map((name) => `.bin/${name}`)
    .filter((bin) => inside.some((f) => path.join(".bin", readlinkSync(path.join(NODE_MODULES, bin))).startsWith(`${f}/`)));
  const linked = run("cp", ["-al", "--parents", ...inside, ...commands, path.join(app, "node_modules")], NODE_MODULES);
  if (linked.status !== 0)
    throw new Error(
      `cannot hard-link node_modules into ${scratch} (${linked.stderr.trim()}): set TMPDIR to a folder on node_modules' file system`,
    );
  const onDisk = (key: string) => folders.some((f) => key === f || key.startsWith(`${f}/`));
  record.packages = Object.fromEntries(Object.entries(record.packages).filter(([key]) => onDisk(key)));
  writeFileSync(path.join(app, "node_modules", HIDDEN_LOCK), JSON.stringify(record, null, 2));
  // Peers are not resolved by npm here (offline it has no registry metadata for them): the test below checks them.
  ok(
    run("npm", ["install", ...npmScratch, "--no-audit", "--no-fund", "--ignore-scripts", "--legacy-peer-deps", tarball], app),
    "npm install of the packed library",
  );
  ok(run(process.execPath, [path.join(app, "node_modules", "typescript", "bin", "tsc"), "-p", "."], app), "tsc of the team's app");
  ok(run(process.execPath, ["main.js"], app), "the team's synth");
  synth = { json: JSON.parse(readFileSync(path.join(app, "cdktf.out", "stacks", "platform", "cdk.tf.json"), "utf8")) };
});

describe("npm pack", () => {
  it("packs the compiled library with its types, the trampoline and the agent's modules, and nothing of the app or the tests", () => {
    const entries = ok(run("tar", ["-tzf", tarball], scratch), "tar")
      .trim()
      .split("\n")
      .map((e) => e.replace(/^package\//, ""));
    const agentModules = readdirSync(path.join(AGENT, "pip_airlock_agent"))
      .filter((f) => f.endsWith(".py"))
      .map((f) => `agent/pip_airlock_agent/${f}`);
    expect(entries).toEqual(
      expect.arrayContaining([
        "package.json",
        "README.md",
        "CHANGELOG.md",
        "lib/index.js",
        "lib/index.d.ts",
        "assets/trampoline.sh.mustache",
        "agent/__main__.py",
        ...agentModules,
      ]),
    );
    expect(
      entries.filter((e) =>
        /tests?\/|__pycache__|\.pyc$|\.tsbuildinfo$|(?<!\.d)\.ts$|^(config|synth|cdktf\.out|e2e|dist|bench|recipes)\//.test(e),
      ),
    ).toEqual([]);
    expect(entries.filter((e) => e.startsWith("lib/synth/") || e === "lib/main.js")).toEqual([]);
    expect(statSync(tarball).size).toBeLessThan(400 * 1024);
  });

  it("installs as a package whose peers the team's app satisfies, and leaves the checkout's node_modules as they were", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the checkout's own semver, by path (not a dependency)
    const semver = require(path.join(NODE_MODULES, "semver")) as { satisfies(v: string, r: string): boolean };
    const installed = JSON.parse(readFileSync(path.join(app, "node_modules", "pip-airlock", "package.json"), "utf8"));
    expect(installed.private).toBeUndefined();
    const peers = Object.entries<string>(installed.peerDependencies);
    expect(peers.map(([name]) => name).sort()).toEqual([
      "@cdktf/provider-google",
      "@cdktf/provider-google-beta",
      "@cdktf/provider-time",
      "cdktf",
      "constructs",
    ]);
    for (const [name, range] of peers) {
      const version = JSON.parse(readFileSync(path.join(app, "node_modules", name, "package.json"), "utf8")).version;
      expect([name, version, semver.satisfies(version, range)]).toEqual([name, version, true]);
    }
    expect(existsSync(path.join(NODE_MODULES, "pip-airlock"))).toBe(false);
    expect(checkoutModules()).toBe(modulesBefore);
  });
});

describe("the team's app with the packed library", () => {
  it("synthesizes its own stack with the airlock in it, at addresses of the construct's id", () => {
    const { json } = synth;
    expect(json.provider.google).toEqual([{ project: "acme-platform", region: "europe-west1" }]);
    expect(json.terraform.backend).toEqual({ gcs: { bucket: "acme-tf-state", prefix: "platform" } });
    expect(Object.keys(json.resource.google_storage_bucket)).toEqual(["artifacts"]);
    expect(Object.keys(json.resource.google_compute_instance).sort()).toEqual([
      expect.stringMatching(/^airlock_private-host_instance_/),
      expect.stringMatching(/^airlock_public-host_instance_/),
      "bastion",
    ]);
    expect(Object.keys(json.resource.google_compute_instance_group_manager)).toEqual([expect.stringMatching(/^airlock_fleet_/)]);
    const grants = Object.values<any>(json.resource.google_artifact_registry_repository_iam_member).map((g) => g.member);
    expect(grants).toContain("group:ml-team@acme.example");
  });

  it("renders the startup scripts from the package's own trampoline and agent", () => {
    const template = Object.values<any>(synth.json.resource.google_compute_instance_template)[0];
    const agent = loadStartupSources(ASSETS, AGENT).commandAgents.bootstrap;
    // A team's synth writes no script files: the stack holds the script once, in the local its VMs read.
    const local = /^\$\{local\.([a-z0-9_]+)\}$/.exec(template.metadata["startup-script"])![1];
    expect(synth.json.locals[local]).toContain(`AGENT_SHA256='${agent.sha256}'`);
    expect(JSON.stringify(synth.json).split(`AGENT_SHA256='${agent.sha256}'`)).toHaveLength(2);
  });

  it("fails the team's synth with the guardrail's own line when the team opens SSH to the airlock's network", () => {
    const refused = run(process.execPath, ["main.js"], app, { TEAM_OPENS_SSH: "1", TEAM_OUTDIR: path.join(scratch, "refused") });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain(
      `[platform/airlock] guardrail AIRLOCK-G5 ssh-only-from-iap: platform/open-ssh opens SSH to ["0.0.0.0/0"]: allow only IAP's 35.235.240.0/20`,
    );
    expect(refused.stderr).not.toMatch(/bastion/);
  });

  it("runs docs/library.md's example as it stands", () => {
    const outdir = path.join(scratch, "readme-example");
    ok(run(process.execPath, ["readme-example.js"], app, { CDKTF_OUTDIR: outdir }), "docs/library.md's example");
    const json = JSON.parse(readFileSync(path.join(outdir, "stacks", "platform", "cdk.tf.json"), "utf8"));
    expect(Object.values<any>(json.resource.google_artifact_registry_repository_iam_member).map((g) => g.member)).toContain(
      "group:ml-team@acme.example",
    );
  });

  it("gives Terraform a configuration it loads", async () => {
    expect(await configurationProblems(JSON.stringify(synth.json), emptyProviderMirror())).toEqual([]);
  });
});
