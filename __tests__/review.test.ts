// `npm run review`: what a change does to access, as a reviewer reads it, on real config changes.
import { execFileSync, spawnSync } from "child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { terraformLiteral } from "../constructs/terraform-literal";
import { reviewAccess } from "../review/review";
import { readSynthFolder, StackSnapshot, SynthSnapshot } from "../review/snapshot";
import { synthesize } from "../synth/synthesize";
import { cloneProject } from "./clone-project";
import { ASSETS, exampleVariant, fileTree, ROOT } from "./config-support";

/** The example config with `edit`, synthesized by the app's synth, read as the review reads a synth. */
function synthOf(edit: (c: any) => void = () => {}): SynthSnapshot {
  const outdir = path.join(mkdtempSync(path.join(tmpdir(), "airlock-review-")), "cdktf.out");
  synthesize({ configFile: exampleVariant(edit), outdir, assetsDir: ASSETS });
  return readSynthFolder(outdir);
}

/** `synth` with its one stack's Terraform changed by `edit` (a deep copy), for what no config says yet. */
function withTerraform(synth: SynthSnapshot, edit: (tf: any) => void): SynthSnapshot {
  const tf = structuredClone(synth.airlock.tf);
  edit(tf);
  return { airlock: { ...synth.airlock, tf } };
}

const fleet = (c: any) => (c.fleet = { name: "workers", size: 2 });
const example = synthOf();

describe("reviewAccess: a change as what it does to access", () => {
  it("no change: says so, in one line", () => {
    expect(reviewAccess(example, synthOf())).toEqual(["no change to access"]);
  });

  it("a synth from before the scripts moved into files (their text inline, escaped) is the same access: no change", () => {
    const stack = example.airlock;
    const inline = (value: string) =>
      terraformLiteral(stack.file(/^\$\{local\.(\w+)_sh\}$/.exec(value)![1].replace(/_/g, "-") + ".sh")!.toString("utf8"));
    const old = withTerraform(example, (tf) => {
      for (const host of Object.values<any>(tf.resource.google_compute_instance))
        host.metadata["startup-script"] = inline(host.metadata["startup-script"]);
      delete tf.locals;
    });
    expect(JSON.stringify(old.airlock.tf)).toContain("#!/usr/bin/env bash");
    expect(reviewAccess(old, example)).toEqual(["no change to access"]);
  });

  it("a label: a label change on each resource it touches, the fleet's template replaced", () => {
    const before = synthOf(fleet);
    const after = synthOf((c) => {
      fleet(c);
      c.labels = { app: "ml-platform", team: "ml" };
    });
    const change = "app: pip-airlock → ml-platform; +team=ml";
    expect(reviewAccess(before, after)).toEqual([
      "stack airlock:",
      "  Labels:",
      `    ~ KMS key pip-airlock-signing/mirror-signing: ${change}`,
      `    ~ instance airlock-private-host: ${change}`,
      `    ~ instance airlock-public-host: ${change}`,
      `    ~ instance template workers-*: ${change} (replaced: a template cannot change in place; its group rolls its VMs to the new one)`,
      `    ~ repository my-private-pip-packages: ${change}`,
      `    ~ repository pip-auth-repo: ${change}`,
    ]);
  });

  it("a label on a fleet whose update policy is opportunistic: the template is replaced, and the review says the running VMs keep the old one", () => {
    const opportunistic = (c: any) => (fleet(c), (c.fleet.updatePolicy = { type: "opportunistic" }));
    const after = synthOf((c) => (opportunistic(c), (c.labels = { team: "ml" })));
    expect(reviewAccess(synthOf(opportunistic), after)).toContain(
      "    ~ instance template workers-*: -app=pip-airlock; +team=ml (replaced: a template cannot change in place; its group's update policy is opportunistic: running VMs keep the old one, VMs created from now on get the new one)",
    );
  });

  it("a new reader in repositories.access: one added IAM grant", () => {
    const after = synthOf((c) => (c.repositories.access = { private: { readers: ["group:ml-team@acme.example"] } }));
    expect(reviewAccess(example, after)).toEqual([
      "stack airlock:",
      "  IAM grants:",
      "    + roles/artifactregistry.reader for group:ml-team@acme.example on repository my-private-pip-packages",
    ]);
  });

  it("a fleet: its grants, its service account on the IAP rule, its template (service account, metadata, the script by digest) and labels", () => {
    const lines = reviewAccess(example, synthOf(fleet));
    const account = "workers@airlock-example.iam.gserviceaccount.com";
    expect(lines).toEqual([
      "stack airlock:",
      "  IAM grants:",
      `    + roles/artifactregistry.reader for serviceAccount:${account} on repository my-private-pip-packages`,
      `    + roles/artifactregistry.reader for serviceAccount:${account} on repository pip-auth-repo`,
      `    + roles/cloudkms.publicKeyViewer for serviceAccount:${account} on KMS key pip-airlock-signing/mirror-signing`,
      "  Firewall rules:",
      `    ~ firewall airlock-private-allow-iap-ssh: targets: +${account}`,
      "  Hosts and templates: service accounts, metadata:",
      expect.stringMatching(
        new RegExp(
          `^    \\+ instance template workers-\\*: runs as ${account.replace(/\./g, "\\.")} \\(cloud-platform\\) on airlock-private-us-central1; metadata block-project-ssh-keys, enable-guest-attributes, enable-oslogin, serial-port-enable, serial-port-logging-enable; startup-script: script of \\d+ bytes, sha256 [0-9a-f]{16}$`,
        ),
      ),
      "  Labels:",
      "    + instance template workers-*: airlock-env=airlock, airlock-role=bootstrap, app=pip-airlock, managed-by=pip-airlock",
    ]);
    expect(lines.join("\n")).not.toContain("#!/usr/bin/env bash");
  });

  it("a new firewall allow-list (networks.private.allowEgress, for the fleet and the private host): one added rule, every part of it", () => {
    const before = synthOf(fleet);
    const after = synthOf((c) => {
      fleet(c);
      c.networks.private.allowEgress = [{ name: "nfs", destinations: ["10.1.0.0/16"], protocol: "tcp", ports: [2049, 111] }];
    });
    expect(reviewAccess(before, after)).toEqual([
      "stack airlock:",
      "  Firewall rules:",
      "    + firewall airlock-private-allow-egress-nfs: EGRESS allow tcp:2049,111 to 10.1.0.0/16, for airlock-private-host@airlock-example.iam.gserviceaccount.com, workers@airlock-example.iam.gserviceaccount.com, priority 1000 (network airlock-private)",
    ]);
  });

  it("another team's VMs as a consumer: read grants for their account only, their account under the IAP rule, the mirror's script (their target) and its host replaced", () => {
    const account = "rocky-vms@acme-rocky.iam.gserviceaccount.com";
    const lines = reviewAccess(
      example,
      synthOf(
        (c) =>
          (c.consumers = {
            "rocky-team": { serviceAccounts: [account], targets: ["rocky-linux-cloud/rocky-linux-9"], repositories: ["auth", "private"] },
          }),
      ),
    );
    expect(lines.slice(0, 8)).toEqual([
      "stack airlock:",
      "  IAM grants:",
      `    + roles/artifactregistry.reader for serviceAccount:${account} on repository my-private-pip-packages`,
      `    + roles/artifactregistry.reader for serviceAccount:${account} on repository pip-auth-repo`,
      `    + roles/cloudkms.publicKeyViewer for serviceAccount:${account} on KMS key pip-airlock-signing/mirror-signing`,
      "  Firewall rules:",
      `    ~ firewall airlock-private-allow-iap-ssh: targets: +${account}`,
      "  Hosts and templates: service accounts, metadata:",
    ]);
    expect(lines[8]).toMatch(
      /^ {4}~ instance airlock-public-host: metadata startup-script: script of \d+ bytes, sha256 [0-9a-f]{16} → script of \d+ bytes, sha256 [0-9a-f]{16} \(replaced: its startup script changed\)$/,
    );
    expect(lines.join("\n")).not.toContain("airlock-private-host: metadata"); // the bootstrap does not change with another team's target
  });

  it("the restricted VIP: the egress rule, the route and the DNS records, each setting from → to", () => {
    expect(
      reviewAccess(
        example,
        synthOf((c) => (c.networks.private.googleApis = "restricted")),
      ),
    ).toEqual([
      "stack airlock:",
      "  Firewall rules:",
      "    ~ firewall airlock-private-allow-google-apis: to: 199.36.153.8/30 → 199.36.153.4/30",
      "  Routes:",
      "    ~ route airlock-private-google-apis: destination: 199.36.153.8/30 → 199.36.153.4/30",
      "  DNS:",
      "    ~ DNS record *.googleapis.com. CNAME: data: private.googleapis.com. → restricted.googleapis.com.",
      "    ~ DNS record pkg.dev. A: data: 199.36.153.8, 199.36.153.9, 199.36.153.10, 199.36.153.11 → 199.36.153.4, 199.36.153.5, 199.36.153.6, 199.36.153.7",
      "    ~ DNS record restricted.googleapis.com. A: data: 199.36.153.8, 199.36.153.9, 199.36.153.10, 199.36.153.11 → 199.36.153.4, 199.36.153.5, 199.36.153.6, 199.36.153.7",
      // the bootstrap checks its names resolve into the VIP range (GOOGLE_APIS_RANGE), so the private host is replaced
      "  Hosts and templates: service accounts, metadata:",
      expect.stringMatching(
        /^ {4}~ instance airlock-private-host: metadata startup-script: script of \d+ bytes, sha256 [0-9a-f]{16} → script of \d+ bytes, sha256 [0-9a-f]{16} \(replaced: its startup script changed\)$/,
      ),
    ]);
  });

  it("a package to mirror: both scripts by size and digest, both hosts replaced, and the schedule's grant with the public host", () => {
    const lines = reviewAccess(
      example,
      synthOf((c) => c.mirror.packages.push("requests")),
    );
    const script = "script of \\d+ bytes, sha256 [0-9a-f]{16}";
    expect(lines).toEqual([
      "stack airlock:",
      "  Hosts and templates: service accounts, metadata:",
      expect.stringMatching(
        new RegExp(
          `^    ~ instance airlock-private-host: metadata startup-script: ${script} → ${script} \\(replaced: its startup script changed\\)$`,
        ),
      ),
      expect.stringMatching(
        new RegExp(
          `^    ~ instance airlock-public-host: metadata startup-script: ${script} → ${script} \\(replaced: its startup script changed\\)$`,
        ),
      ),
      "  Replaced:",
      "    ~ projects/airlock-example/roles/pipAirlockStartMirror_airlock for serviceAccount:airlock-public-host-sched@airlock-example.iam.gserviceaccount.com on instance airlock-public-host: replaced with instance airlock-public-host",
    ]);
  });

  it("remote mode: the public side's grants, rules, NAT and host go, the remote repository's grant comes", () => {
    const lines = reviewAccess(
      example,
      synthOf((c) => (c.mode = "remote")),
    );
    expect(lines).toEqual(
      expect.arrayContaining([
        "  NAT:",
        "    - NAT airlock-public-nat: internet egress for airlock-public-us-central1 (network airlock-public, router airlock-public-router)",
        "    - firewall airlock-public-allow-web-egress: EGRESS allow tcp:443,80 to 0.0.0.0/0, for airlock-public-host@airlock-example.iam.gserviceaccount.com, priority 1000 (network airlock-public)",
        "    + roles/artifactregistry.reader for serviceAccount:airlock-private-host@airlock-example.iam.gserviceaccount.com on repository pypi-remote",
        "    - roles/artifactregistry.writer for serviceAccount:airlock-public-host@airlock-example.iam.gserviceaccount.com on repository pip-auth-repo",
      ]),
    );
    expect(lines.length).toBeLessThan(40); // a few dozen lines, not the Terraform
  });

  it("an external IP, a binding and a policy, a new environment: each as what it is", () => {
    const after = withTerraform(example, (tf) => {
      const host = Object.values<any>(tf.resource.google_compute_instance).find((i) => i.labels["airlock-role"] === "bootstrap");
      host.network_interface[0].access_config = [{}];
      tf.resource.google_project_iam_binding = {
        admins: { project: "airlock-example", role: "roles/owner", members: ["user:a@acme.example", "user:b@acme.example"] },
      };
      tf.data = { google_iam_policy: { p: { binding: [{ role: "roles/viewer", members: ["allUsers"] }] } } };
      tf.resource.google_storage_bucket_iam_policy = {
        open: { bucket: "acme-drop", policy_data: "${data.google_iam_policy.p.policy_data}" },
      };
    });
    expect(reviewAccess(example, { ...after, prod: example.airlock as StackSnapshot })).toEqual([
      "stack airlock:",
      "  IAM grants:",
      "    + roles/owner for user:a@acme.example on project airlock-example (binding: sole holders of the role)",
      "    + roles/owner for user:b@acme.example on project airlock-example (binding: sole holders of the role)",
      "    + roles/viewer for allUsers on bucket acme-drop (policy: replaces every other grant)",
      "  External IPs:",
      "    + instance airlock-private-host: external IP ephemeral IPv4",
      "stack prod (new):",
      ...reviewAccess({}, { prod: example.airlock }).slice(1),
    ]);
  });
});

describe("npm run review: the real command, on a changed config in a team's repository", () => {
  it("prints the change against cdktf.out/ as committed, and leaves cdktf.out/ as it is", () => {
    const repo = cloneProject(ROOT, { builtBundles: true });
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: repo, encoding: "utf8" });
    git("init", "-q");
    git("add", "-A");
    git("commit", "-qm", "the team's synth");
    const { config: record, stacks } = JSON.parse(readFileSync(path.join(repo, "cdktf.out", "pip-airlock.json"), "utf8")) as {
      config: string;
      stacks: string[];
    };
    const configFile = path.join(repo, record);
    const config = JSON.parse(readFileSync(configFile, "utf8"));
    writeFileSync(
      configFile,
      JSON.stringify({
        ...config,
        repositories: { ...config.repositories, access: { private: { readers: ["group:ml-team@acme.example"] } } },
      }),
    );
    const committed = fileTree(path.join(repo, "cdktf.out"));

    const { AIRLOCK_CONFIG: _chosen, ...env } = process.env; // the config cdktf.out/ records, as node synth.js picks it
    const run = spawnSync("npm", ["run", "-s", "review"], { cwd: repo, encoding: "utf8", env });
    expect([run.status, run.stderr]).toEqual([0, ""]);
    expect(run.stdout.split("\n")).toEqual([
      expect.stringMatching(
        new RegExp(`^pip-airlock review: access, cdktf\\.out/ at HEAD \\([0-9a-f]+\\) → ${record.replace(/\./g, "\\.")} synthesized now$`),
      ),
      // every stack of the recorded config (one here; a team's fork may record several environments)
      ...stacks.flatMap((stack) => [
        `stack ${stack}:`,
        "  IAM grants:",
        "    + roles/artifactregistry.reader for group:ml-team@acme.example on repository my-private-pip-packages",
      ]),
      "",
    ]);
    expect(fileTree(path.join(repo, "cdktf.out"))).toEqual(committed);

    // Once the new synth is committed, the same command finds nothing to say. (What npm runs for it, from here
    // on: `npm run review` is `node review.js`, and npm's start is half a CPU-second.)
    expect(spawnSync("node", ["synth.js"], { cwd: repo, encoding: "utf8", env }).status).toBe(0);
    git("commit", "-qam", "a reader");
    expect(JSON.parse(readFileSync(path.join(repo, "package.json"), "utf8")).scripts.review).toBe("node review.js");
    const again = spawnSync("node", ["review.js"], { cwd: repo, encoding: "utf8", env });
    expect(again.stdout.split("\n").slice(1)).toEqual(["no change to access", ""]);
    // Against the commit before it, with --ref: the reader again.
    const earlier = spawnSync("node", ["review.js", "--ref", "HEAD~1"], { cwd: repo, encoding: "utf8", env });
    expect(earlier.stdout).toContain(
      "+ roles/artifactregistry.reader for group:ml-team@acme.example on repository my-private-pip-packages",
    );
  });
});
