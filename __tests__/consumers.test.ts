// Consumers: other teams' VMs, declared once (`consumers`). What the config accepts and refuses; what the stack
// grants their accounts (only those, read-only, on the repositories they read, and the signing key's public key
// in mirror mode); their targets served by the mirror; their accounts under the private network's rules; the
// output their Terraform reads; and the bootstrap they run, the stack's own, byte for byte.
import { createHash } from "crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { consumerAccounts, consumerOutputName } from "../config/consumers";
import { loadConfig } from "../config/load";
import { EnvironmentConfig } from "../config/schema";
import { CONSUMER_BOOTSTRAP_LOCAL } from "../constructs/consumers";
import { synthesize } from "../synth/synthesize";
import {
  ASSETS,
  buildStack,
  carriedScript,
  exampleVariant,
  FIXTURES,
  hostByRole,
  refusals,
  resourcesOf,
  SynthJson,
  synthJson,
} from "./support";

const FIXTURE = path.join(FIXTURES, "consumers.json");
const ROCKY = ["rocky-vms@acme-rocky.iam.gserviceaccount.com", "rocky-batch@acme-rocky.iam.gserviceaccount.com"];
const NOTEBOOKS = "notebooks@acme-analytics.iam.gserviceaccount.com";
const ROCKY_TEAM = { serviceAccounts: [ROCKY[0]], targets: ["rocky-linux-cloud/rocky-linux-9"] };

const fixture = () => structuredClone(loadConfig(FIXTURE)[0].config);
/** The example config (a created VPC, mirror mode) with `consumers` and `edit`, loaded. */
function withConsumers(consumers: Record<string, unknown>, edit: (c: any) => void = () => {}): EnvironmentConfig {
  return loadConfig(exampleVariant((c) => ((c.consumers = consumers), edit(c))))[0].config;
}
const problemsOf = (consumers: Record<string, unknown>, edit: (c: any) => void = () => {}) =>
  refusals(exampleVariant((c) => ((c.consumers = consumers), edit(c))));

/** The synthesized stack's JSON, and the notes the synth printed, through the app's own synthesize. */
function synthFile(configFile: string): { json: SynthJson & { locals?: Record<string, string> }; notes: string[] } {
  const outdir = path.join(mkdtempSync(path.join(tmpdir(), "airlock-consumers-")), "cdktf.out");
  const notes: string[] = [];
  const [stack] = synthesize({ configFile, outdir, assetsDir: ASSETS, onNote: (n) => notes.push(n) });
  return { json: JSON.parse(readFileSync(path.join(outdir, "stacks", stack, "cdk.tf.json"), "utf8")), notes };
}

/** "ROLE MEMBER REPOSITORY-ID" of every repository grant, and "ROLE MEMBER signing-key" of every grant on the signing key. */
function grantsOf(json: SynthJson): string[] {
  const repoIds = Object.fromEntries(
    Object.entries<any>(json.resource.google_artifact_registry_repository).map(([name, r]) => [
      `\${google_artifact_registry_repository.${name}.name}`,
      r.repository_id,
    ]),
  );
  return [
    ...resourcesOf(json, "google_artifact_registry_repository_iam_member").map((g) => `${g.role} ${g.member} ${repoIds[g.repository]}`),
    ...resourcesOf(json, "google_kms_crypto_key_iam_member").map((g) => `${g.role} ${g.member} signing-key`),
  ].sort();
}
const grantsFor = (json: SynthJson, email: string) => grantsOf(json).filter((g) => g.split(" ")[1] === `serviceAccount:${email}`);
const rule = (json: SynthJson, suffix: string) => resourcesOf(json, "google_compute_firewall").find((f) => f.name.endsWith(suffix));

describe("the config: consumers declared once", () => {
  it("defaults a consumer's repositories to what a bootstrapping host reads, in each mode", () => {
    expect(withConsumers({ a: ROCKY_TEAM }).consumers.a.repositories).toEqual(["auth", "private"]);
    expect(withConsumers({ a: ROCKY_TEAM }, (c) => (c.repositories.virtual.enabled = true)).consumers.a.repositories).toEqual([
      "auth",
      "private",
      "virtual",
    ]);
    expect(withConsumers({ a: { serviceAccounts: [ROCKY[0]] } }, (c) => (c.mode = "remote")).consumers.a.repositories).toEqual([
      "remote",
      "private",
    ]);
    expect(fixture().consumers.analytics.repositories).toEqual(["auth", "virtual"]);
  });

  it("their targets join the mirror's, each with the consumer field that declares it", () => {
    const targets = fixture().mirror.targets.map((t) => `${t.python} ${t.glibc} ${t.arch} <- ${t.declaredBy.join(", ")}`);
    expect(targets).toEqual([
      "3.12.3 2.39 x86_64 <- fleet.image",
      "3.9.21 2.34 x86_64 <- consumers.rocky-team.targets.0",
      "3.11 2.36 x86_64 <- consumers.analytics.targets.0",
    ]);
    // the same image as one of the stack's VMs adds no target, only a name to it
    const same = withConsumers({ a: { serviceAccounts: [ROCKY[0]], targets: ["debian-cloud/debian-12"] } }).mirror.targets;
    expect(same.map((t) => t.declaredBy)).toEqual([["hosts.image", "consumers.a.targets.0"]]);
  });

  const example = "airlock-private-host@airlock-example.iam.gserviceaccount.com";
  it.each<[string, Record<string, unknown>, (c: any) => void, string, RegExp]>([
    [
      "an IAM member instead of an email",
      { a: { ...ROCKY_TEAM, serviceAccounts: [`serviceAccount:${ROCKY[0]}`] } },
      () => {},
      "consumers.a.serviceAccounts.0",
      /write the account's email alone, "rocky-vms@acme-rocky.iam.gserviceaccount.com"/,
    ],
    [
      "a group",
      { a: { ...ROCKY_TEAM, serviceAccounts: ["group:ml@acme.example"] } },
      () => {},
      "consumers.a.serviceAccounts.0",
      /a consumer is VMs, which run as a service account/,
    ],
    [
      "allUsers",
      { a: { ...ROCKY_TEAM, serviceAccounts: ["allUsers"] } },
      () => {},
      "consumers.a.serviceAccounts.0",
      /must be a service account's email/,
    ],
    [
      "the Compute Engine default account",
      { a: { ...ROCKY_TEAM, serviceAccounts: ["123456789-compute@developer.gserviceaccount.com"] } },
      () => {},
      "consumers.a.serviceAccounts.0",
      /which every VM of its project runs as/,
    ],
    [
      "a service agent",
      { a: { ...ROCKY_TEAM, serviceAccounts: ["service-1@gcp-sa-artifactregistry.iam.gserviceaccount.com"] } },
      () => {},
      "consumers.a.serviceAccounts.0",
      /Google-managed service agent/,
    ],
    [
      "not an email",
      { a: { ...ROCKY_TEAM, serviceAccounts: ["Rocky VMs"] } },
      () => {},
      "consumers.a.serviceAccounts.0",
      /ACCOUNT@PROJECT\.iam\.gserviceaccount\.com/,
    ],
    ["no account", { a: { ...ROCKY_TEAM, serviceAccounts: [] } }, () => {}, "consumers.a.serviceAccounts", /must list the service account/],
    [
      "an account twice",
      { a: { ...ROCKY_TEAM, serviceAccounts: [ROCKY[0], ROCKY[0]] } },
      () => {},
      "consumers.a.serviceAccounts",
      /lists an account twice/,
    ],
    [
      "one account in two consumers",
      { a: ROCKY_TEAM, b: ROCKY_TEAM },
      () => {},
      "consumers.b.serviceAccounts.0",
      /is an account of consumers\.a too: each account belongs to one consumer/,
    ],
    [
      "the stack's private host's account",
      { a: { ...ROCKY_TEAM, serviceAccounts: [example] } },
      () => {},
      "consumers.a.serviceAccounts.0",
      /is the stack's own service account \(hosts\.privateAccountId\)/,
    ],
    [
      "the stack's public host's account",
      { a: { ...ROCKY_TEAM, serviceAccounts: ["airlock-public-host@airlock-example.iam.gserviceaccount.com"] } },
      () => {},
      "consumers.a.serviceAccounts.0",
      /hosts\.publicAccountId/,
    ],
    [
      "the fleet's account",
      { a: { ...ROCKY_TEAM, serviceAccounts: ["workers@airlock-example.iam.gserviceaccount.com"] } },
      (c) => (c.fleet = { name: "workers" }),
      "consumers.a.serviceAccounts.0",
      /fleet\.accountId/,
    ],
    [
      "an account the auth repo's readers name too",
      { a: ROCKY_TEAM },
      (c) => (c.repositories.access = { auth: { readers: [`serviceAccount:${ROCKY[0]}`] } }),
      "consumers.a.serviceAccounts.0",
      /remove it from repositories\.access\.auth\.readers/,
    ],
    ["a bad name", { "ML Team": ROCKY_TEAM }, () => {}, "consumers.ML Team", /consumer names: 1-31 lowercase letters/],
    ["an unknown key", { a: { ...ROCKY_TEAM, image: "x" } }, () => {}, "consumers.a.image", /unknown key/],
    ["no target in mirror mode", { a: { serviceAccounts: [ROCKY[0]] } }, () => {}, "consumers.a.targets", /is required in mirror mode/],
    [
      "a target of an unknown image",
      { a: { ...ROCKY_TEAM, targets: ["acme-images/golden"] } },
      () => {},
      "consumers.a.targets.0",
      /for a custom image, say what it runs/,
    ],
    [
      "a refused image",
      { a: { ...ROCKY_TEAM, targets: ["rocky-linux-cloud/rocky-linux-8"] } },
      () => {},
      "consumers.a.targets.0",
      /is refused/,
    ],
    [
      "a repository the mode does not create",
      { a: { ...ROCKY_TEAM, repositories: ["auth", "remote", "private"] } },
      () => {},
      "consumers.a.repositories.1",
      /does not exist in mirror mode: remove it/,
    ],
    [
      "a virtual repository that is not enabled",
      { a: { ...ROCKY_TEAM, repositories: ["auth", "private", "virtual"] } },
      () => {},
      "consumers.a.repositories.2",
      /is not enabled/,
    ],
    [
      "no helpers' repository",
      { a: { ...ROCKY_TEAM, repositories: ["private"] } },
      () => {},
      "consumers.a.repositories",
      /must include "auth": the bootstrap installs the helpers from it/,
    ],
    [
      "not the index pip is configured with",
      { a: { ...ROCKY_TEAM, repositories: ["auth", "private"] } },
      (c) => (c.repositories.virtual.enabled = true),
      "consumers.a.repositories",
      /must include "virtual": .* fails at step probe/,
    ],
    [
      "a repository twice",
      { a: { ...ROCKY_TEAM, repositories: ["auth", "auth", "private"] } },
      () => {},
      "consumers.a.repositories",
      /lists a repository twice/,
    ],
    [
      "more accounts than one firewall rule takes",
      { a: { ...ROCKY_TEAM, serviceAccounts: Array.from({ length: 10 }, (_, i) => `vm-pool-${i}@acme-rocky.iam.gserviceaccount.com`) } },
      () => {},
      "consumers",
      /makes 11 for the private network's firewall rules .* at most 10 target service accounts on one rule/,
    ],
  ])("refuses %s, naming the field and the fix", (_case, consumers, edit, field, message) => {
    const found = problemsOf(consumers, edit);
    expect(found).toEqual(
      expect.arrayContaining([expect.stringMatching(new RegExp(`^${field.replace(/\./g, "\\.")}: .*${message.source}`))]),
    );
  });

  it("takes ten accounts on the rules, the stack's own VMs' included; in an existing VPC whose rules another stack owns, any number", () => {
    const nine = Array.from({ length: 9 }, (_, i) => `vm-pool-${i}@acme-rocky.iam.gserviceaccount.com`);
    expect(withConsumers({ a: { ...ROCKY_TEAM, serviceAccounts: nine } }).consumers.a.serviceAccounts).toHaveLength(9);
    const many = Array.from({ length: 12 }, (_, i) => `vm-pool-${i}@acme-rocky.iam.gserviceaccount.com`);
    const notOwned = (c: any) =>
      (c.networks.private = {
        name: "corp",
        existing: { subnet: "s" },
        manage: { googleApisRoute: false, egressRules: false, iapSshRule: false },
        dns: "external",
      });
    expect(withConsumers({ a: { ...ROCKY_TEAM, serviceAccounts: many } }, notOwned).consumers.a.serviceAccounts).toHaveLength(12);
  });

  it("lets an existing VPC's egress rules hold for consumers alone (no private host, no fleet)", () => {
    const onlyConsumers = (c: any) => (
      (c.hosts.createPrivateHost = false),
      (c.networks.private = { name: "corp", existing: { subnet: "s" } })
    );
    expect(withConsumers({ a: ROCKY_TEAM }, onlyConsumers).consumers.a.serviceAccounts).toEqual([ROCKY[0]]);
    expect(problemsOf({}, (c) => (onlyConsumers(c), (c.mirror.targets = ["debian-cloud/debian-12"])))).toEqual([
      expect.stringMatching(/^networks\.private\.manage\.egressRules: has no airlock VM to apply to .*no consumers/),
    ]);
  });
});

describe("the stack: what a consumer's accounts get", () => {
  const { json, notes } = synthFile(FIXTURE);

  it("each account: read on the repositories its consumer reads and the signing key's public key, nothing else", () => {
    for (const email of ROCKY) {
      expect(grantsFor(json, email)).toEqual(
        [
          `roles/artifactregistry.reader serviceAccount:${email} pip-all`,
          `roles/artifactregistry.reader serviceAccount:${email} pip-auth-repo`,
          `roles/artifactregistry.reader serviceAccount:${email} my-private-pip-packages`,
          `roles/cloudkms.publicKeyViewer serviceAccount:${email} signing-key`,
        ].sort(),
      );
    }
    expect(grantsFor(json, NOTEBOOKS)).toEqual(
      [
        `roles/artifactregistry.reader serviceAccount:${NOTEBOOKS} pip-all`,
        `roles/artifactregistry.reader serviceAccount:${NOTEBOOKS} pip-auth-repo`,
        `roles/cloudkms.publicKeyViewer serviceAccount:${NOTEBOOKS} signing-key`,
      ].sort(),
    );
    // nothing project-wide, nothing on a key ring, no whole policy
    for (const type of [
      "google_project_iam_member",
      "google_project_iam_binding",
      "google_kms_key_ring_iam_member",
      "google_artifact_registry_repository_iam_policy",
      "google_artifact_registry_repository_iam_binding",
    ]) {
      expect([type, json.resource[type]]).toEqual([type, undefined]);
    }
  });

  it("every identity that bootstraps reads the signing key's public key: still exactly the auth repo's readers (AIRLOCK-G8's premise)", () => {
    const viewers = grantsOf(json)
      .filter((g) => g.startsWith("roles/cloudkms.publicKeyViewer "))
      .map((g) => g.split(" ")[1]);
    const authReaders = grantsOf(json)
      .filter((g) => g.startsWith("roles/artifactregistry.reader ") && g.endsWith(" pip-auth-repo"))
      .map((g) => g.split(" ")[1]);
    expect(viewers).toEqual(authReaders);
    expect(viewers).toEqual(expect.arrayContaining([...ROCKY, NOTEBOOKS].map((e) => `serviceAccount:${e}`)));
  });

  it("remote mode: read on the repositories, no signing key", () => {
    const remote = synthJson(buildStack(withConsumers({ a: ROCKY_TEAM }, (c) => ((c.mode = "remote"), delete c.mirror.schedule))).stack);
    expect(grantsFor(remote, ROCKY[0])).toEqual([
      `roles/artifactregistry.reader serviceAccount:${ROCKY[0]} my-private-pip-packages`,
      `roles/artifactregistry.reader serviceAccount:${ROCKY[0]} pypi-remote`,
    ]);
  });

  it("an account moved from repositories.access.auth.readers to a consumer keeps its grants' Terraform addresses", () => {
    const addresses = (tf: SynthJson) =>
      [
        ...Object.keys(tf.resource.google_artifact_registry_repository_iam_member),
        ...Object.keys(tf.resource.google_kms_crypto_key_iam_member),
      ].sort();
    const asReader = synthJson(
      buildStack(
        loadConfig(
          exampleVariant(
            (c) =>
              (c.repositories.access = {
                auth: { readers: [`serviceAccount:${ROCKY[0]}`] },
                private: { readers: [`serviceAccount:${ROCKY[0]}`] },
              }),
          ),
        )[0].config,
      ).stack,
    );
    const asConsumer = synthJson(buildStack(withConsumers({ a: ROCKY_TEAM })).stack);
    expect(addresses(asConsumer)).toEqual(addresses(asReader));
  });

  it("the private network's egress and IAP SSH rules in the existing VPC hold for the consumers' accounts too", () => {
    const fleet = "${google_service_account.fleet-identity_account_";
    for (const suffix of ["-allow-google-apis", "-deny-all-egress", "-allow-iap-ssh"]) {
      const accounts: string[] = rule(json, suffix).target_service_accounts;
      expect([suffix, accounts.filter((a) => !a.startsWith(fleet))]).toEqual([suffix, [...ROCKY, NOTEBOOKS]]);
      expect(accounts.filter((a) => a.startsWith(fleet))).toHaveLength(1);
    }
  });

  it("in a VPC the stack creates, deny-all holds for every VM already, and IAP SSH reaches the consumers' accounts", () => {
    const created = synthJson(buildStack(withConsumers({ a: ROCKY_TEAM })).stack);
    expect(rule(created, "airlock-private-deny-all-egress").target_service_accounts).toBeUndefined();
    expect(rule(created, "airlock-private-allow-iap-ssh").target_service_accounts).toEqual([
      expect.stringMatching(/private-host-identity/),
      ROCKY[0],
    ]);
    // the public network's rules are the mirror's alone
    for (const f of resourcesOf(created, "google_compute_firewall").filter((r) => r.name.startsWith("airlock-public")))
      expect(f.target_service_accounts ?? []).not.toContain(ROCKY[0]);
  });

  it("the mirror serves their targets: the mirror's script names them, the bootstrap does not change", () => {
    const before = buildStack(loadConfig(exampleVariant())[0].config).stack;
    const after = buildStack(withConsumers({ a: ROCKY_TEAM })).stack;
    expect(after.mirrorScript).toContain("3.9.21:x86_64:manylinux_2_34_x86_64");
    expect(before.mirrorScript).not.toContain("3.9.21:x86_64");
    expect(after.bootstrapScript).toBe(before.bootstrapScript);
    expect(synthJson(after).output!.mirror_targets.value).toContain("CPython 3.9.21, glibc 2.34, x86_64 (consumers.a.targets.0)");
  });

  it("outputs, per consumer, what its Terraform needs: metadata with the bootstrap, the network, the accounts granted", () => {
    const out = (json.output as any)[consumerOutputName("rocky-team")].value;
    expect(consumerOutputName("rocky-team")).toBe("consumer_rocky_team");
    const subnet = Object.keys((json as any).data.google_compute_subnetwork)[0];
    const network = Object.keys((json as any).data.google_compute_network)[0];
    expect(out).toEqual({
      name: "rocky-team",
      service_accounts: ROCKY,
      service_account_scopes: ["cloud-platform"],
      project: "acme-platform",
      region: "us-central1",
      network: `\${data.google_compute_network.${network}.self_link}`,
      network_project: "acme-net-host",
      subnetwork: `\${data.google_compute_subnetwork.${subnet}.self_link}`,
      metadata: {
        "enable-oslogin": "TRUE",
        "block-project-ssh-keys": "TRUE",
        "enable-guest-attributes": "TRUE",
        "serial-port-enable": "FALSE",
        "serial-port-logging-enable": "TRUE",
        "startup-script": `\${local.${CONSUMER_BOOTSTRAP_LOCAL}}`,
      },
      startup_script_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      repositories: {
        auth: { repository_id: "pip-auth-repo", index_url: "https://us-central1-python.pkg.dev/acme-platform/pip-auth-repo/simple/" },
        private: {
          repository_id: "my-private-pip-packages",
          index_url: "https://us-central1-python.pkg.dev/acme-platform/my-private-pip-packages/simple/",
        },
        virtual: { repository_id: "pip-all", index_url: "https://us-central1-python.pkg.dev/acme-platform/pip-all/simple/" },
      },
      pip_index_url: "https://oauth2accesstoken@us-central1-python.pkg.dev/acme-platform/pip-all/simple/",
      targets: ["CPython 3.9.21, glibc 2.34, x86_64"],
      status: "gcloud compute instances get-guest-attributes VM --zone ZONE --project PROJECT --query-path=pip-airlock/",
    });
    expect(
      Object.keys(json.output!)
        .filter((o) => o.startsWith("consumer_"))
        .sort(),
    ).toEqual(["consumer_analytics", "consumer_rocky_team"]);
    expect((json.output as any).consumer_analytics.value.repositories).toEqual({ auth: expect.anything(), virtual: expect.anything() });
  });

  it("the bootstrap they get is the stack's, byte for byte, named once in the stack's Terraform (the local reading its file), whatever the number of consumers", () => {
    const { stack } = buildStack(fixture());
    const reference = `\${local.${CONSUMER_BOOTSTRAP_LOCAL}}`;
    expect(carriedScript(json, reference, stack)).toBe(stack.bootstrapScript);
    const template = resourcesOf(json, "google_compute_instance_template")[0];
    // The template, the private_host_bootstrap_script output and every consumer's output: the same local, no script text.
    expect(template.metadata["startup-script"]).toBe(reference);
    expect((json.output as any).private_host_bootstrap_script.value).toBe(reference);
    for (const name of ["consumer_rocky_team", "consumer_analytics"])
      expect((json.output as any)[name].value.metadata["startup-script"]).toBe(reference);
    expect(JSON.stringify(json)).not.toContain("#!/usr/bin/env bash");
    expect((json.output as any).consumer_rocky_team.value.startup_script_sha256).toBe(
      createHash("sha256").update(stack.bootstrapScript).digest("hex"),
    );
  });

  it("adds nothing without consumers: no local (but the scripts' files), no output, no grant", () => {
    const plain = synthJson(buildStack(loadConfig(exampleVariant())[0].config).stack) as any;
    expect(Object.keys(plain.locals).sort()).toEqual(["private_host_bootstrap_sh", "public_host_mirror_sh"]);
    expect(Object.keys(plain.output).filter((o) => o.startsWith("consumer_"))).toEqual([]);
    expect(consumerAccounts(fixture().consumers)).toEqual([...ROCKY, NOTEBOOKS]);
  });

  it("the guardrails hold (the app's own synth ran them) and, with state in GCS, nothing is noted for consumers", () => {
    expect(notes.filter((n) => n.includes("consumers"))).toEqual([]);
    expect(hostByRole(json, "mirror")).toBeDefined();
  });

  it("with local state the synth says that the consumers' Terraform cannot read their outputs", () => {
    const local = synthFile(exampleVariant((c) => (c.consumers = { "rocky-team": ROCKY_TEAM })));
    expect(local.notes).toContainEqual(
      expect.stringMatching(
        /^consumers: the stack's state is local \(no stateBucket\).*cannot read consumer_rocky_team with terraform_remote_state\. Set stateBucket/,
      ),
    );
  });
});

describe("docs/configuration.md: the Consumers section's examples", () => {
  const doc = readFileSync(path.join(__dirname, "..", "docs", "configuration.md"), "utf8");
  const start = doc.indexOf("## Consumers: other teams' VMs, declared once");
  const section = doc.slice(start, doc.indexOf("\n## ", start + 1));
  const block = (lang: string) => new RegExp("```" + lang + "\\n([\\s\\S]*?)```").exec(section)![1];

  it("its config synthesizes as it is, merged into the example", () => {
    const snippet = JSON.parse(`{${block("json")}}`);
    const config = loadConfig(exampleVariant((c) => Object.assign(c, snippet)))[0].config;
    expect(config.consumers["rocky-team"].repositories).toEqual(["auth", "private"]);
    expect(synthJson(buildStack(config).stack).output!.consumer_rocky_team).toBeDefined();
  });

  it("its Terraform uses what the example's module outputs", () => {
    const declared = [
      ...readFileSync(
        path.join(__dirname, "..", "examples", "consumer-terraform", "modules", "airlock-consumer", "main.tf"),
        "utf8",
      ).matchAll(/^output "([a-z_]+)"/gm),
    ].map((m) => m[1]);
    const used = [...block("hcl").matchAll(/module\.airlock\.([a-z_]+)/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(2);
    expect(used.filter((o) => !declared.includes(o))).toEqual([]);
  });
});

describe("a consumer's name", () => {
  it("is given once: the same name twice in the file is refused with both places", () => {
    const example = readFileSync(path.join(FIXTURES, "example.json"), "utf8");
    const entry = (email: string) => `{ "serviceAccounts": ["${email}"], "targets": ["rocky-linux-cloud/rocky-linux-9"] }`;
    const text = example.replace(
      /\n}\s*$/,
      `,\n  "consumers": {\n    "rocky": ${entry(ROCKY[0])},\n    "rocky": ${entry(ROCKY[1])}\n  }\n}\n`,
    );
    const file = path.join(mkdtempSync(path.join(tmpdir(), "airlock-consumers-")), "config.json");
    writeFileSync(file, text);
    expect(refusals(file)).toEqual([
      expect.stringMatching(/^consumers\.rocky: is given twice \(line \d+, column 5 and line \d+, column 5\): keep one$/),
    ]);
  });
});
