// Two environments in different service projects on one Shared VPC: each keeps its own egress and IAP
// rules, named after its environment; what a VPC has once (the VIP route, the DNS) belongs to one of
// them, the other's stack depends on it (manifest.json, so cdktf orders them), and the owner refuses to
// destroy it while the other depends on it.
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { synthesize } from "../synth/synthesize";
import { ASSETS, EXAMPLE_CONFIG, FIXTURES, refusals as problems, resourcesOf } from "./support";
import { configurationProblems, emptyProviderMirror } from "./terraform";

const DIR = mkdtempSync(path.join(tmpdir(), "airlock-sharedvpc-"));
const shared = JSON.parse(readFileSync(path.join(FIXTURES, "shared-vpc.json"), "utf8"));
const HOST = "acme-net-host";

function configWith(environments: Record<string, unknown>, base: Record<string, unknown> = {}): string {
  const { projectId: _drop, ...rest } = shared;
  const file = path.join(DIR, `c-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ ...rest, ...base, environments }));
  return file;
}
const ML = { projectId: "acme-ml-prod" };
const ANALYTICS = { projectId: "acme-analytics", fleet: { name: "etl-workers", size: 1 } };
/** analytics uses ml's route and DNS. */
const DEPENDENT = { googleApisRoute: false };
const TWO = { ml: ML, analytics: { ...ANALYTICS, networks: { private: { dns: "external", manage: DEPENDENT } } } };

function synth(file: string, notes: string[] = []): { names: string[]; json: (stack: string) => any; manifest: any; outdir: string } {
  const outdir = mkdtempSync(path.join(DIR, "out-"));
  const names = synthesize({ configFile: file, outdir, assetsDir: ASSETS, onNote: (n) => notes.push(n) });
  return {
    names,
    outdir,
    json: (stack) => JSON.parse(readFileSync(path.join(outdir, "stacks", stack, "cdk.tf.json"), "utf8")),
    manifest: JSON.parse(readFileSync(path.join(outdir, "manifest.json"), "utf8")),
  };
}

const PLUMBING = [
  "google_compute_route",
  "google_compute_firewall",
  "google_dns_managed_zone",
  "google_dns_record_set",
  "google_dns_response_policy",
  "google_dns_response_policy_rule",
];
/** The named resources a stack adds to the host project (record sets and policy rules live inside a zone or policy). */
const inHost = (json: any) =>
  ["google_compute_route", "google_compute_firewall", "google_dns_managed_zone", "google_dns_response_policy"]
    .flatMap((t) => resourcesOf(json, t).map((r) => ({ type: t, ...r })))
    .filter((r) => r.project === HOST);
const namesInHost = (json: any) =>
  inHost(json)
    .map((r) => r.name ?? r.response_policy_name)
    .sort();

describe("two environments on one Shared VPC", () => {
  it("each gets its own egress and IAP rules, named <prefix>-<environment>-<what>: only the route and the DNS need an owner, and the message says which to set", () => {
    const lines = problems(configWith({ ml: ML, analytics: ANALYTICS }));
    expect(lines).toEqual([
      'environments.analytics.networks.private.manage.googleApisRoute: the route of the Google APIs VIP on VPC shared-prod of project acme-net-host is also environment "ml"\'s, and a VPC needs one: ' +
        'set networks.private.manage.googleApisRoute to false in "analytics": its VMs use "ml"\'s route, and its stack depends on "ml"\'s (deployed after it)',
      'environments.analytics.networks.private.dns: "zones" on VPC shared-prod of project acme-net-host, where environment "ml" already resolves Google APIs to the VIP ("zones"), and a VPC takes one: ' +
        'set networks.private.dns to "external" in "analytics": its VMs use "ml"\'s DNS, and its stack depends on "ml"\'s (deployed after it)',
    ]);
  });

  it("with analytics using ml's route and DNS, both synthesize: each has its own rules for its own VMs, ml alone has the route and the zones", async () => {
    const { names, json } = synth(configWith(TWO));
    expect(names).toEqual(["ml", "analytics"]);
    expect(namesInHost(json("ml"))).toEqual([
      "pip-airlock-ml-allow-google-apis",
      "pip-airlock-ml-allow-iap-ssh",
      "pip-airlock-ml-deny-all-egress",
      "pip-airlock-ml-google-apis",
      "pip-airlock-ml-googleapis",
      "pip-airlock-ml-pkg-dev",
    ]);
    expect(namesInHost(json("analytics"))).toEqual([
      "pip-airlock-analytics-allow-google-apis",
      "pip-airlock-analytics-allow-iap-ssh",
      "pip-airlock-analytics-deny-all-egress",
    ]);
    // analytics' rules hold for analytics' VMs (its private host's and fleet's accounts) only, and deny what they would send elsewhere.
    const rules: Record<string, any> = Object.fromEntries(
      resourcesOf(json("analytics"), "google_compute_firewall").map((r) => [r.name, r]),
    );
    const accounts = Object.keys(json("analytics").resource.google_service_account).map((k) => `\${google_service_account.${k}.email}`);
    for (const rule of Object.values(rules)) expect(rule.target_service_accounts.sort()).toEqual(accounts.sort());
    expect(rules["pip-airlock-analytics-deny-all-egress"]).toMatchObject({
      direction: "EGRESS",
      destination_ranges: ["0.0.0.0/0"],
      deny: [{ protocol: "all" }],
    });
    expect(rules["pip-airlock-analytics-allow-google-apis"]).toMatchObject({
      destination_ranges: ["199.36.153.4/30"],
      allow: [{ protocol: "tcp", ports: ["443"] }],
    });
    const cli = emptyProviderMirror();
    for (const stack of names) expect(await configurationProblems(JSON.stringify(json(stack)), cli)).toEqual([]);
  });

  it("manifest.json lists analytics' dependency on ml (cdktf deploys ml first, destroys it last: stack-dependencies.test.ts)", () => {
    const { manifest } = synth(configWith(TWO));
    expect(manifest.stacks.analytics.dependencies).toEqual(["ml"]);
    expect(manifest.stacks.ml.dependencies).toEqual([]);
  });

  it("ml's route and DNS refuse to be destroyed while analytics depends on them, and say so; Terraform loads it; analytics' own rules may go", async () => {
    const { json } = synth(configWith(TWO));
    const ml = json("ml");
    const owned = inHost(ml).filter((r) => ["google_compute_route", "google_dns_managed_zone"].includes(r.type));
    expect(owned.map((r) => r.type).sort()).toEqual(["google_compute_route", "google_dns_managed_zone", "google_dns_managed_zone"]);
    for (const type of ["google_compute_route", "google_dns_managed_zone", "google_dns_record_set"]) {
      for (const r of resourcesOf(ml, type)) expect([type, r.lifecycle]).toEqual([type, { prevent_destroy: true }]);
    }
    for (const zone of resourcesOf(ml, "google_dns_managed_zone"))
      expect(zone.description).toMatch(/\(environments analytics on this VPC depend on it: destroy them first\)$/);
    for (const rule of resourcesOf(ml, "google_compute_firewall")) expect(rule.lifecycle).toBeUndefined();
    for (const type of PLUMBING) for (const r of resourcesOf(json("analytics"), type)) expect(r.lifecycle).toBeUndefined();
    expect(await configurationProblems(JSON.stringify(ml), emptyProviderMirror())).toEqual([]);
    // analytics says whose DNS its VMs use, and which names.
    expect(json("analytics").output.google_apis_dns.value).toMatchObject({
      names: ["us-central1-python.pkg.dev."],
      resolved_by: "environment ml's stack, on shared-prod",
      vip_range: "199.36.153.4/30",
    });
  });

  it("alone on the VPC, ml's names still carry its environment and nothing refuses a destroy", () => {
    const { json, manifest } = synth(configWith({ ml: ML }));
    expect(namesInHost(json("ml"))).toContain("pip-airlock-ml-google-apis");
    for (const type of PLUMBING) for (const r of resourcesOf(json("ml"), type)) expect(r.lifecycle).toBeUndefined();
    expect(manifest.stacks.ml.dependencies).toEqual([]);
  });

  it("a response policy answers only the names the VMs of both environments need (their regions' Artifact Registry hosts) with the VIP's addresses", async () => {
    const notes: string[] = [];
    const europe = { ...TWO.analytics, region: "europe-west4", zone: "europe-west4-b" };
    const { json } = synth(configWith({ ml: { ...ML, networks: { private: { dns: "response-policy" } } }, analytics: europe }), notes);
    const ml = json("ml");
    expect(resourcesOf(ml, "google_dns_managed_zone")).toEqual([]);
    const [policy] = resourcesOf(ml, "google_dns_response_policy");
    expect(policy).toMatchObject({
      project: HOST,
      response_policy_name: "pip-airlock-ml-google-apis",
      networks: [{ network_url: expect.stringMatching(/^\$\{data\.google_compute_network\./) }],
      lifecycle: { prevent_destroy: true },
    });
    const restricted = ["199.36.153.4", "199.36.153.5", "199.36.153.6", "199.36.153.7"];
    expect(resourcesOf(ml, "google_dns_response_policy_rule").map((r) => [r.rule_name, r.dns_name, r.local_data.local_datas])).toEqual([
      [
        "europe-west4-python-pkg-dev",
        "europe-west4-python.pkg.dev.",
        [{ name: "europe-west4-python.pkg.dev.", type: "A", ttl: 300, rrdatas: restricted }],
      ],
      [
        "us-central1-python-pkg-dev",
        "us-central1-python.pkg.dev.",
        [{ name: "us-central1-python.pkg.dev.", type: "A", ttl: 300, rrdatas: restricted }],
      ],
    ]);
    // The VMs boot after the rules that resolve their Artifact Registry host.
    const host = Object.values(ml.resource.google_compute_instance)[0] as any;
    expect(host.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^google_dns_response_policy_rule\./)]));
    expect(notes.filter((n) => n.includes("response-policy"))).toEqual([
      'environments.ml.networks.private.dns: "response-policy" on the existing VPC shared-prod of project acme-net-host: its rules answer europe-west4-python.pkg.dev., us-central1-python.pkg.dev. ' +
        "with the addresses of restricted.googleapis.com. (199.36.153.4/30) for every VM on that VPC (every service project's, on a Shared VPC), not only the airlock's, overriding any zone for those names. " +
        'A VPC takes one response policy: if the network team has one, the apply fails; then use "external" and add these names to theirs (docs/configuration.md: Environments that share a VPC)',
    ]);
    expect(await configurationProblems(JSON.stringify(ml), emptyProviderMirror())).toEqual([]);
  });

  it("every synth says that private zones on an existing VPC change DNS for every VM on it", () => {
    const notes: string[] = [];
    synth(configWith(TWO), notes);
    expect(notes.filter((n) => n.includes("networks.private.dns"))).toEqual([
      'environments.ml.networks.private.dns: "zones" on the existing VPC shared-prod of project acme-net-host: the private zones googleapis.com. and pkg.dev. change DNS for every VM on that VPC ' +
        "(every service project's, on a Shared VPC), not only the airlock's: every *.googleapis.com and *.pkg.dev name resolves to restricted.googleapis.com. (199.36.153.4/30) there, " +
        'and a zone the network team already has for either name clashes with them. "response-policy" answers only us-central1-python.pkg.dev.; "external" leaves DNS to the network team (docs/configuration.md: Environments that share a VPC)',
    ]);
  });

  it("the route and the DNS have one owner, and everyone on the VPC uses its VIP", () => {
    const split = problems(
      configWith({
        ml: { ...ML, networks: { private: { dns: "external" } } },
        analytics: { ...ANALYTICS, networks: { private: { manage: DEPENDENT } } },
      }),
    );
    expect(split).toEqual([
      'environments.analytics.networks.private.dns: "zones" on VPC shared-prod of project acme-net-host, whose route is environment "ml"\'s: one environment owns both and the others depend on it ' +
        '(two owners would each wait for the other). Set networks.private.dns to "external" in "analytics" and to "zones" or "response-policy" in "ml"',
    ]);
    const vips = problems(
      configWith({
        ml: ML,
        analytics: {
          ...TWO.analytics,
          mode: "mirror",
          networks: {
            public: { name: "edge", subnetCidr: "10.9.0.0/24" },
            private: { ...TWO.analytics.networks.private, googleApis: "private" },
          },
        },
      }),
    );
    expect(vips).toEqual([
      'environments.analytics.networks.private.googleApis: "private" differs from environment "ml"\'s "restricted", whose route and DNS its VMs use on VPC shared-prod of project acme-net-host: set the same VIP in both',
    ]);
  });

  it("names that two environments would share are refused, naming namePrefix", () => {
    const lines = problems(
      configWith({
        "b-ml": { ...ML, networks: { private: { namePrefix: "a" } } },
        ml: { ...TWO.analytics, networks: { private: { ...TWO.analytics.networks.private, namePrefix: "a-b" } } },
      }),
    );
    expect(lines).toEqual([
      'environments.ml.networks.private.namePrefix: the firewall rule a-b-ml-allow-iap-ssh in project acme-net-host is also environment "b-ml"\'s: give one of them another networks.private.namePrefix: ' +
        'names in an existing VPC are <namePrefix>-<environment>-<what>, and "a-b-ml" is what the other\'s make too',
    ]);
  });

  it("a namePrefix that makes a name longer than Compute Engine's 63 characters is refused with the length that fits", () => {
    const prefix = "platform-team-airlock-for-the-ml-estate";
    expect(problems(configWith(TWO, { networks: { private: { ...shared.networks.private, namePrefix: prefix } } }))).toEqual([
      `environments.analytics.networks.private.namePrefix: "${prefix}" with the environment "analytics" makes the firewall rule "${prefix}-analytics-allow-google-apis" (67 characters); ` +
        "Compute Engine allows 63: shorten networks.private.namePrefix to at most 35 characters (or the environment's name)",
    ]);
  });
});

describe("an environment that creates the VPC another one uses", () => {
  const base = { networks: { private: { name: "shared-prod", googleApis: "restricted" } } };
  const creates = { projectId: HOST, networks: { private: { subnetCidr: "10.8.0.0/24" } } };
  const existing = { project: HOST, subnet: "shared-prod-us-central1" };
  it("owns its route and DNS: the other must leave them to it, depends on it, and the VPC and subnet refuse to go while it does", () => {
    expect(
      problems(configWith({ net: creates, ml: { ...ML, networks: { private: { existing } } } }, base)).map((l) => l.split(":")[0]),
    ).toEqual(["environments.ml.networks.private.manage.googleApisRoute", "environments.ml.networks.private.dns"]);
    const { json, manifest } = synth(
      configWith({ net: creates, ml: { ...ML, networks: { private: { existing, dns: "external", manage: DEPENDENT } } } }, base),
    );
    expect(manifest.stacks.ml.dependencies).toEqual(["net"]);
    for (const type of ["google_compute_network", "google_compute_subnetwork"]) {
      expect(resourcesOf(json("net"), type).map((r) => [r.name, r.lifecycle])).toEqual([
        [type === "google_compute_network" ? "shared-prod" : "shared-prod-us-central1", { prevent_destroy: true }],
      ]);
    }
    // The creator keeps the names a created VPC always had; the user of it names its own rules after itself.
    expect(namesInHost(json("net"))).toEqual(expect.arrayContaining(["shared-prod-google-apis", "shared-prod-deny-all-egress"]));
    expect(namesInHost(json("ml"))).toEqual([
      "pip-airlock-ml-allow-google-apis",
      "pip-airlock-ml-allow-iap-ssh",
      "pip-airlock-ml-deny-all-egress",
    ]);
  });
});

describe("a response policy on a VPC the stack creates", () => {
  it("answers Artifact Registry's host and, in mirror mode, Cloud KMS's with the VIP, under the VPC's name; no zones, no note", async () => {
    const notes: string[] = [];
    const file = path.join(DIR, "example-policy.json");
    const example = JSON.parse(readFileSync(EXAMPLE_CONFIG, "utf8"));
    example.networks.private.dns = "response-policy";
    writeFileSync(file, JSON.stringify(example));
    const { json } = synth(file, notes);
    const stack = json("airlock");
    expect(resourcesOf(stack, "google_dns_managed_zone")).toEqual([]);
    expect(resourcesOf(stack, "google_dns_response_policy").map((p) => p.response_policy_name)).toEqual([
      `${example.networks.private.name}-google-apis`,
    ]);
    expect(resourcesOf(stack, "google_dns_response_policy_rule").map((r) => r.dns_name)).toEqual([
      "cloudkms.googleapis.com.",
      "us-central1-python.pkg.dev.",
    ]);
    expect(notes.filter((n) => n.includes("networks.private.dns"))).toEqual([]);
    expect(stack.output.google_apis_dns.value.resolved_by).toBe(
      `this stack: response policy ${example.networks.private.name}-google-apis on ${example.networks.private.name}`,
    );
    expect(await configurationProblems(JSON.stringify(stack), emptyProviderMirror())).toEqual([]);
  });
});

describe("SSH to the private host without the stack's IAP rule", () => {
  it("no output or next step gives an IAP SSH command that cannot work", () => {
    const { json } = synth(configWith({ ml: { ...ML, networks: { private: { manage: { iapSshRule: false } } } } }));
    const out = json("ml").output;
    expect(resourcesOf(json("ml"), "google_compute_firewall").map((r) => r.name)).not.toContain("pip-airlock-ml-allow-iap-ssh");
    expect(out.private_host_ssh.value).toMatch(
      /^none: this stack adds no IAP SSH rule on shared-prod \(networks\.private\.manage\.iapSshRule is false\): SSH to the host needs a rule of yours allowing tcp:22 from 35\.235\.240\.0\/20 to \$\{google_service_account\.[^}]+\.email\}$/,
    );
    expect(out.next_steps.value).not.toContain("gcloud compute ssh");
    expect(out.next_steps.value).toContain(
      "Install it on the private host, as any user (no SSH from this stack: private_host_ssh says why):\n   virtualenv v && v/bin/pip install your-package",
    );
  });

  it("with the rule, both give the command", () => {
    const out = synth(configWith({ ml: ML })).json("ml").output;
    expect(out.private_host_ssh.value).toBe(
      "gcloud compute ssh airlock-private-host --zone us-central1-b --project acme-ml-prod --tunnel-through-iap",
    );
    expect(out.next_steps.value).toContain(out.private_host_ssh.value);
  });
});
