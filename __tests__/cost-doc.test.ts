// docs/cost.md, held to the synth: every Terraform resource type (and data source) that the shipped example,
// the tests' configs and the variants below produce has a row in its resource table, billed or "not billed"
// and why; no row names a type none of them produce; and its worked example is the synth of
// config/example.json, row for row (the committed cdktf.out/ when it was synthesized from that config).
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { readSynthRecord } from "../synth/record";
import { synthesize } from "../synth/synthesize";
import { ASSETS, carriedScript, carriedSettings, exampleVariant, FIXTURES, hostsByRole, resourcesOf, ROOT, SynthJson } from "./support";

const DOC = path.join(ROOT, "docs", "cost.md");
const TYPES_HEADING = "## Every resource type, billed or not";
const EXAMPLE_HEADING = "## Worked example: config/example.json";
const COMMITTED = path.join(ROOT, "cdktf.out");
const SHIPPED_EXAMPLE = "config/example.json";

interface Synth {
  readonly json: SynthJson & { data?: Record<string, Record<string, unknown>> };
  /** The stack's folder, where the startup scripts the JSON reads lie. */
  readonly dir: string;
}

/** Synthesize `configFile` with the app itself: every stack it has. */
function synth(configFile: string): Synth[] {
  const outdir = path.join(mkdtempSync(path.join(tmpdir(), "airlock-cost-")), "cdktf.out");
  return synthesize({ configFile, outdir, assetsDir: ASSETS }).map((stack) => {
    const dir = path.join(outdir, "stacks", stack);
    return { json: JSON.parse(readFileSync(path.join(dir, "cdk.tf.json"), "utf8")), dir };
  });
}

/** What the shipped example synthesizes: the committed cdktf.out/ when it records config/example.json (as shipped), else a fresh synth of it; none in a fork that deleted it. */
function shippedExample(): Synth | undefined {
  const record = readSynthRecord(COMMITTED);
  if (record.config === SHIPPED_EXAMPLE) {
    expect(record.stacks).toHaveLength(1);
    const dir = path.join(COMMITTED, "stacks", record.stacks[0]);
    return { json: JSON.parse(readFileSync(path.join(dir, "cdk.tf.json"), "utf8")), dir };
  }
  const file = path.join(ROOT, SHIPPED_EXAMPLE);
  if (!existsSync(file)) return undefined; // a fork keeps its own config only: the worked example is not about it
  const stacks = synth(file);
  expect(stacks).toHaveLength(1);
  return stacks[0];
}

/**
 * Settings the shipped configs leave off, each with what only it creates: autoscalers (zonal and regional), a
 * health check, GPUs, AR's VPC-SC policy, a response policy, CMEK's service identity.
 */
const VARIANTS: Record<string, (c: any) => void> = {
  "a zonal GPU fleet with an autoscaler and a health check": (c) => {
    c.fleet = {
      name: "workers",
      machineType: "n1-standard-4",
      accelerators: [{ type: "nvidia-tesla-t4", count: 1 }],
      autoscaling: { maxReplicas: 4 },
      healthCheck: { port: 8080 },
    };
  },
  "a regional fleet with an autoscaler": (c) => {
    c.fleet = { name: "workers", zones: ["us-central1-a", "us-central1-b"], autoscaling: { minReplicas: 2, maxReplicas: 6 } };
  },
  "remote mode in VPC-SC: AR's VPC-SC policy managed, a virtual repository, a response policy, CMEK": (c) => {
    c.mode = "remote";
    delete c.networks.public;
    delete c.mirror.schedule;
    c.networks.private.googleApis = "restricted";
    c.networks.private.dns = "response-policy";
    c.repositories.vpcscPolicy = "manage";
    c.repositories.virtual.enabled = true;
    c.repositories.kmsKeyName = "projects/airlock-example/locations/us-central1/keyRings/pip-airlock/cryptoKeys/repositories";
  },
};

/** The cells of each table row under `heading` (up to the next `## `) whose first cell is code. */
function tableRows(doc: string, heading: string): string[][] {
  const start = doc.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`docs/cost.md has no section "${heading}"`);
  const end = doc.indexOf("\n## ", start + heading.length + 2);
  return doc
    .slice(start, end < 0 ? undefined : end)
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .map((line) =>
      line
        .split("|")
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const list = (names: string[]) => names.join(", ");

/**
 * The worked example's rows, as docs/cost.md must state them: what the synth of config/example.json runs and
 * stores, in the units each is billed by (no prices). One place computes them, from the Terraform JSON.
 */
function workedExample({ json, dir }: Synth): Array<[string, string]> {
  const vms = resourcesOf(json, "google_compute_instance");
  const templates = resourcesOf(json, "google_compute_instance_template");
  const machines = (hosts: any[]) => list([...new Set(hosts.map((h) => h.machine_type))]);
  const rows: Array<[string, string]> = [];

  const privateHosts = hostsByRole(json, "bootstrap");
  rows.push(["private-host", privateHosts.length ? `${privateHosts.length} × ${machines(privateHosts)}, running all month` : "none"]);
  const publicHosts = hostsByRole(json, "mirror");
  const stops = publicHosts.map((h) => carriedSettings(carriedScript(json, h.metadata["startup-script"], dir)).STOP_WHEN_DONE);
  rows.push([
    "public-host",
    publicHosts.length === 0
      ? "none"
      : `${publicHosts.length} × ${machines(publicHosts)}, ${stops.every(Boolean) ? "running only while it mirrors, then stopped" : "running all month"}`,
  ]);
  const disks = new Map<string, number>();
  for (const vm of vms) {
    const p = vm.boot_disk.initialize_params;
    const what = `${p.size ?? "image-sized"} GB ${p.type ?? "pd-standard"}`;
    disks.set(what, (disks.get(what) ?? 0) + 1);
  }
  rows.push([
    "boot-disks",
    disks.size ? `${list([...disks].map(([what, n]) => `${n} × ${what}`))}, all month, running or stopped` : "none",
  ]);

  const groups = [
    ...resourcesOf(json, "google_compute_instance_group_manager"),
    ...resourcesOf(json, "google_compute_region_instance_group_manager"),
  ];
  const autoscalers = [...resourcesOf(json, "google_compute_autoscaler"), ...resourcesOf(json, "google_compute_region_autoscaler")];
  const fleetDisks = list(templates.map((t) => `${t.disk[0].disk_size_gb ?? "image-sized"} GB ${t.disk[0].disk_type ?? "pd-standard"}`));
  const fleet =
    groups.length === 0
      ? templates.length
        ? "a template only: no VM until you run some from it"
        : "none"
      : `${
          autoscalers.length
            ? list(
                autoscalers.map(
                  (a) => `${a.autoscaling_policy.min_replicas}–${a.autoscaling_policy.max_replicas} × ${machines(templates)} (autoscaled)`,
                ),
              )
            : list(groups.map((g) => `${g.target_size} × ${machines(templates)}`))
        }, a ${fleetDisks} boot disk each`;
  rows.push(["fleet", fleet]);
  const gpus = [...vms, ...templates].flatMap((m) => m.guest_accelerator ?? []);
  rows.push(["gpus", gpus.length ? list(gpus.map((g) => `${g.count} × ${g.type} per VM`)) : "none attached"]);

  const nats = resourcesOf(json, "google_compute_router_nat");
  rows.push([
    "nat",
    nats.length
      ? `${count(nats.length, "gateway")} (${list([...new Set(nats.map((n) => n.nat_ip_allocate_option))])} addresses), all month`
      : "none",
  ]);

  const zones = resourcesOf(json, "google_dns_managed_zone");
  const records = resourcesOf(json, "google_dns_record_set");
  rows.push([
    "dns-zones",
    zones.length
      ? `${count(zones.length, `${zones[0].visibility} zone`)} (${list(zones.map((z) => z.dns_name))}), ${count(records.length, "record set")}`
      : "none",
  ]);
  const policies = resourcesOf(json, "google_dns_response_policy");
  rows.push([
    "dns-response-policy",
    policies.length
      ? `${count(policies.length, "response policy", "response policies")}, ${count(resourcesOf(json, "google_dns_response_policy_rule").length, "rule")}`
      : "none",
  ]);

  const keys = resourcesOf(json, "google_kms_crypto_key");
  rows.push([
    "signing-key",
    keys.length
      ? `${count(resourcesOf(json, "google_kms_key_ring").length, "key ring")}, ${list(keys.map((k) => `1 ${k.purpose} key (${k.version_template.protection_level}, ${k.version_template.algorithm}) with 1 key version at creation`))}`
      : "none",
  ]);
  const repos = resourcesOf(json, "google_artifact_registry_repository");
  const cmek = [...new Set(repos.map((r) => r.kms_key_name).filter(Boolean))];
  rows.push(["cmek", cmek.length ? `${count(cmek.length, "key")} the stack does not create (${list(cmek)})` : "none"]);
  const jobs = resourcesOf(json, "google_cloud_scheduler_job");
  rows.push([
    "scheduler",
    jobs.length ? `${count(jobs.length, "job")} (${list(jobs.map((j) => `${j.schedule}, ${j.time_zone}`))})` : "none",
  ]);
  const cleaned = repos.filter((r) => r.cleanup_policies?.length).length;
  rows.push([
    "repositories",
    `${list(repos.map((r) => `${r.repository_id} (${r.mode})`))}; ${cleaned === 0 ? "no cleanup policy" : `cleanup policies on ${count(cleaned, "repository", "repositories")}`}`,
  ]);

  const subnets = resourcesOf(json, "google_compute_subnetwork").filter((s) => s.log_config);
  const flowSettings = [
    ...new Set(
      subnets.map((s) => `${s.log_config.aggregation_interval}, sampling ${s.log_config.flow_sampling}, ${s.log_config.metadata}`),
    ),
  ];
  rows.push(["flow-logs", subnets.length ? `on ${count(subnets.length, "subnet")} (${list(flowSettings)})` : "none"]);
  const firewalls = resourcesOf(json, "google_compute_firewall");
  const logged = firewalls.filter((f) => f.log_config);
  rows.push([
    "firewall-logs",
    `${logged.length} of ${count(firewalls.length, "firewall rule")} logged (${list(logged.map((f) => f.name))})`,
  ]);
  rows.push(["nat-logs", nats.length ? list(nats.map((n) => (n.log_config?.enable ? `filter ${n.log_config.filter}` : "off"))) : "none"]);
  const serial = (of: any[]) => of.filter((m) => m.metadata?.["serial-port-logging-enable"] === "TRUE").length;
  const serialTemplates = serial(templates);
  rows.push([
    "serial-port-logs",
    `${count(serial(vms), "VM")}${serialTemplates ? ` and every VM of ${count(serialTemplates, "fleet template")}` : ""} send serial output to Cloud Logging`,
  ]);
  return rows;
}

const doc = readFileSync(DOC, "utf8");
const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith(".json"))
  .sort();
const example = shippedExample();
const synths: Array<[string, Synth]> = [
  ...(example ? [[`${SHIPPED_EXAMPLE} (as synthesized)`, example] as [string, Synth]] : []),
  ...fixtures.flatMap((f) => synth(path.join(FIXTURES, f)).map((s, i) => [`__tests__/fixtures/${f}#${i}`, s] as [string, Synth])),
  ...Object.entries(VARIANTS).flatMap(([name, edit]) =>
    synth(exampleVariant(edit)).map((s) => [`the example with ${name}`, s] as [string, Synth]),
  ),
];

/** Every resource type (and `data.` source) the synths produce, with the first synth that does. */
function producedTypes(): Map<string, string> {
  const types = new Map<string, string>();
  for (const [name, { json }] of synths) {
    for (const type of Object.keys(json.resource ?? {})) if (!types.has(type)) types.set(type, name);
    for (const type of Object.keys(json.data ?? {})) if (!types.has(`data.${type}`)) types.set(`data.${type}`, name);
  }
  return types;
}

describe("docs/cost.md", () => {
  const rows = tableRows(doc, TYPES_HEADING);
  const typesOf = (row: string[]) => [...row[0].matchAll(/`([a-z0-9_.]+)`/g)].map((m) => m[1]);
  const documented = new Map(rows.flatMap((row) => typesOf(row).map((t) => [t, row] as const)));
  const produced = producedTypes();

  it("has a row for every resource type the example, the fixtures and the variants synthesize", () => {
    expect(produced.size).toBeGreaterThan(25); // the synths ran
    const missing = [...produced]
      .filter(([type]) => !documented.has(type))
      .map(([type, where]) => `${type} (synthesized by ${where}): add a row to "${TYPES_HEADING}", billed or "not billed", and why`);
    expect(missing).toEqual([]);
  });

  it("names no type that none of them synthesize (a row for a resource the stack no longer creates, or a variant missing here)", () => {
    const stale = [...documented.keys()]
      .filter((type) => !produced.has(type))
      .map((type) => `${type}: no synth here produces it: remove its row, or add a variant to VARIANTS that does`);
    expect(stale).toEqual([]);
  });

  it('each row says "billed" (with a cloud.google.com pricing page) or "not billed" (with why)', () => {
    const problems = rows.flatMap((row) => {
      const [types, billed, , page, why] = row;
      if (row.length !== 5) return [`${types}: ${row.length} cells, expected 5 (type, billed?, unit, pricing page, why and what sets it)`];
      if (/^billed\b/.test(billed))
        return /https:\/\/cloud\.google\.com\/\S+/.test(page) ? [] : [`${types}: billed, but no cloud.google.com pricing page`];
      if (/^not billed\b/.test(billed)) return why.length > 10 ? [] : [`${types}: not billed, but no reason given`];
      return [`${types}: the second cell must start with "billed" or "not billed", not "${billed}"`];
    });
    expect(problems).toEqual([]);
  });

  it("its worked example is what config/example.json synthesizes (or a fork deleted config/example.json)", () => {
    if (!example) return;
    const expected = workedExample(example);
    const stated = tableRows(doc, EXAMPLE_HEADING).map(([key, value]) => [key.replace(/`/g, ""), value]);
    const fix = expected.map(([key, value]) => `| \`${key}\` | ${value} |`).join("\n");
    if (JSON.stringify(stated) !== JSON.stringify(expected)) {
      throw new Error(
        `docs/cost.md's worked example no longer matches the synth of ${SHIPPED_EXAMPLE}: its first two columns must read\n${fix}\n(keep each row's third column, and check the prose below the table)`,
      );
    }
  });
});
