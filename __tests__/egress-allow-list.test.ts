// networks.private.allowEgress: the internal destinations the private side may reach besides Google APIs.
// Rules for the airlock VMs' accounts only, above the deny-all, to internal ranges only: refused by the
// config otherwise, and caught by guardrail AIRLOCK-G4 when code adds one anyway.
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { loadConfig } from "../config/load";
import { checkGuardrails } from "../constructs/guardrails";
import { EgressAllowList } from "../constructs/egress-allow-list";
import { Testing } from "cdktf";
import { AirlockStack } from "../constructs/airlock-stack";
import { buildStack, configProblems, EXAMPLE_CONFIG, FIXTURES, refusals, resourcesOf, startupSources, synthJson } from "./support";

const example = JSON.parse(readFileSync(EXAMPLE_CONFIG, "utf8"));
const dir = mkdtempSync(path.join(tmpdir(), "airlock-egress-"));
function load(allowEgress: unknown, extra: Record<string, unknown> = {}) {
  const file = path.join(dir, `c${Math.random()}.json`);
  writeFileSync(
    file,
    JSON.stringify({ ...example, networks: { ...example.networks, private: { ...example.networks.private, allowEgress } }, ...extra }),
  );
  return loadConfig(file)[0].config;
}
const problems = (allowEgress: unknown, extra: Record<string, unknown> = {}) => configProblems(() => load(allowEgress, extra));

const LOGGING = {
  flowLogs: { enabled: false, aggregationInterval: "INTERVAL_5_MIN", flowSampling: 0.5, metadata: "EXCLUDE_ALL_METADATA" },
  allowedConnections: false,
};
const NFS = { name: "nfs", destinations: ["10.30.0.0/24"], protocol: "tcp", ports: [2049, "20048-20049"] };
const DB = { name: "postgres", destinations: ["172.16.5.10/32", "100.64.0.0/16"], protocol: "tcp", ports: [5432] };

describe("an egress allow-list of internal destinations, for the private host and the fleet", () => {
  const json = synthJson(
    buildStack(load([NFS, DB], { fleet: { name: "ml-workers", size: 2 }, logging: { allowedConnections: true } })).stack,
  );
  const firewalls = resourcesOf(json, "google_compute_firewall");
  const allows = firewalls.filter((f) => f.name.includes("-allow-egress-"));
  const denyAll = firewalls.find((f) => f.name.endsWith("-deny-all-egress"));
  const host = resourcesOf(json, "google_compute_instance").find((i) => i.labels["airlock-role"] === "bootstrap");
  const [template] = resourcesOf(json, "google_compute_instance_template");

  it("one EGRESS allow rule per entry, above the deny-all (never at priority 0), logged like the other allow rules", () => {
    expect(allows.map((f) => f.name)).toEqual(["airlock-private-allow-egress-nfs", "airlock-private-allow-egress-postgres"]);
    for (const rule of allows) {
      expect(rule).toMatchObject({ direction: "EGRESS", network: denyAll.network, log_config: { metadata: "INCLUDE_ALL_METADATA" } });
      expect(rule.priority).toBeGreaterThan(0);
      expect(rule.priority).toBeLessThan(denyAll.priority);
    }
    expect(allows[0]).toMatchObject({ destination_ranges: ["10.30.0.0/24"], allow: [{ protocol: "tcp", ports: ["2049", "20048-20049"] }] });
    expect(allows[1].destination_ranges).toEqual(["172.16.5.10/32", "100.64.0.0/16"]);
  });

  it("holds for the private host's and the fleet's accounts only, the same list the IAP SSH rule holds for", () => {
    const ssh = firewalls.find((f) => f.name.endsWith("-allow-iap-ssh"));
    for (const rule of allows) {
      expect(rule.target_service_accounts).toEqual([host.service_account.email, template.service_account.email]);
      expect(rule.target_service_accounts).toEqual(ssh.target_service_accounts);
    }
  });

  it("the guardrails pass with it", () => {
    expect(checkGuardrails([buildStack(load([NFS, DB], { fleet: { name: "ml-workers", size: 2 } })).stack]).violations).toEqual([]);
  });

  it("no entries, no rules: the recorded config's Terraform is unchanged", () => {
    const plain = resourcesOf(synthJson(buildStack(load(undefined)).stack), "google_compute_firewall");
    expect(plain.filter((f) => f.name.includes("-allow-egress-"))).toEqual([]);
  });

  it("in an existing (Shared) VPC the rules go to the VPC's project", () => {
    const shared = load([NFS], {
      networks: {
        ...example.networks,
        private: { name: "corp-private", existing: { project: "acme-net-host", subnet: "ml" }, allowEgress: [NFS] },
      },
    });
    const [rule] = resourcesOf(synthJson(buildStack(shared).stack), "google_compute_firewall").filter((f) =>
      f.name.includes("-allow-egress-"),
    );
    expect(rule).toMatchObject({ project: "acme-net-host", name: "pip-airlock-airlock-allow-egress-nfs" });
  });

  it("refuses a public destination: the point of the private side is no public egress", () => {
    const refused = problems([{ ...NFS, destinations: ["10.30.0.0/24", "8.8.8.0/24"] }]);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(
      /^networks\.private\.allowEgress\.0\.destinations\.1: is not an internal range: the private side reaches no public address .*\(10\.0\.0\.0\/8, 172\.16\.0\.0\/12, 192\.168\.0\.0\/16, 100\.64\.0\.0\/10, .*Private Google Access or a proxy/,
    );
    expect(problems([{ ...NFS, destinations: ["0.0.0.0/0"] }])[0]).toMatch(
      /^networks\.private\.allowEgress\.0\.destinations\.0: is not an internal range/,
    );
    // A range that starts private and runs past it.
    expect(problems([{ ...NFS, destinations: ["10.0.0.0/7"] }])[0]).toMatch(/is not an internal range/);
    expect(problems([{ ...NFS, destinations: ["199.36.153.8/30"] }])[0]).toMatch(/is not an internal range/);
  });

  it("refuses what Compute Engine would, or what would say something else than meant, naming the fix", () => {
    expect(problems([{ ...NFS, destinations: ["10.30.0.5"] }])).toEqual([
      'networks.private.allowEgress.0.destinations.0: is an address, not a range: write "10.30.0.5/32"',
    ]);
    expect(problems([{ ...NFS, destinations: ["10.30.0.5/24"] }])).toEqual([
      'networks.private.allowEgress.0.destinations.0: has host bits set: use the network address "10.30.0.0/24"',
    ]);
    expect(problems([{ name: "ping", destinations: ["10.0.0.0/8"], protocol: "icmp", ports: [7] }])).toEqual([
      'networks.private.allowEgress.0.ports: does not apply to protocol "icmp", which has no ports: remove it, or use tcp, udp or sctp',
    ]);
    expect(problems([{ ...NFS, ports: ["3000-2000"] }])).toEqual([
      "networks.private.allowEgress.0.ports.0: must be a port from 1 to 65535, or a range low-high within it",
    ]);
    expect(problems([NFS, { ...DB, name: "nfs" }])[0]).toMatch(/^networks\.private\.allowEgress: names an entry twice/);
    expect(problems([{ ...NFS, protocol: "gre" }])[0]).toMatch(/^networks\.private\.allowEgress\.0\.protocol: /);
    const noVm = {
      hosts: { ...example.hosts, createPrivateHost: false },
      mirror: { ...example.mirror, targets: ["debian-cloud/debian-12"] },
    };
    expect(problems([NFS], noVm)).toEqual([
      "networks.private.allowEgress: holds for the private host, the fleet and the consumers, and the stack has none: remove it, or add a fleet or a consumer",
    ]);
  });
});

describe("two environments on one Shared VPC: their rules live in the host project, each under its environment's name", () => {
  const shared = JSON.parse(readFileSync(path.join(FIXTURES, "shared-vpc.json"), "utf8"));
  const dependent = { manage: { googleApisRoute: false }, dns: "external" };
  const both = (second: Record<string, unknown>) => {
    const file = path.join(dir, `shared${Math.random()}.json`);
    const networks = { private: { ...shared.networks.private, allowEgress: [NFS] } };
    writeFileSync(
      file,
      JSON.stringify({
        ...shared,
        networks,
        environments: {
          ml: { fleet: { healthCheck: { port: 8080 } } },
          etl: { projectId: "acme-etl", networks: { private: dependent }, fleet: { name: "etl-workers", size: 1 }, ...second },
        },
      }),
    );
    return file;
  };

  it("the same allow-list entry and health checks in both make rules of their own, never the same name", () => {
    const probes = { fleet: { name: "etl-workers", size: 1, healthCheck: { port: 9000 } } };
    const envs = loadConfig(both(probes));
    const app = Testing.app({ stackTraces: false });
    const stacks = envs.map(
      (env) =>
        new AirlockStack(app, env.name, { config: env.config, lockContent: "", startupSources: startupSources(), sharing: env.sharing }),
    );
    const names = stacks.map((stack) =>
      resourcesOf(synthJson(stack), "google_compute_firewall")
        .map((f) => f.name as string)
        .filter((n) => /allow-egress-nfs|allow-health-checks/.test(n))
        .sort(),
    );
    expect(names).toEqual([
      ["pip-airlock-ml-allow-egress-nfs", "pip-airlock-ml-allow-health-checks"],
      ["pip-airlock-etl-allow-egress-nfs", "pip-airlock-etl-allow-health-checks"],
    ]);
  });

  it("an allow-list entry's name too long for the prefix and environment is refused, naming the entry", () => {
    const found = refusals(
      both({
        networks: {
          private: { ...dependent, namePrefix: "platform-team-airlock", allowEgress: [{ ...NFS, name: "a-very-long-allow-list-entry-n" }] },
        },
      }),
    );
    expect(found).toEqual([
      expect.stringMatching(
        /^environments\.etl\.networks\.private\.namePrefix: .*allow-egress-a-very-long-allow-list-entry-n.*shorten networks\.private\.allowEgress\.0\.name/,
      ),
    ]);
  });
});

describe("EgressAllowList, the construct: the accounts it holds for are the caller's (another team's VMs too)", () => {
  it("holds for exactly the accounts given, and refuses to hold for none (that would be every VM of the VPC)", () => {
    const { stack } = buildStack();
    const other = "rocky-vms@acme-rocky.iam.gserviceaccount.com";
    const list = new EgressAllowList(stack, "consumer-egress", {
      project: "airlock-example",
      network: stack.privateNetwork.network.id,
      namePrefix: "airlock-private-consumers",
      entries: [{ name: "nfs", destinations: ["10.30.0.0/24"], protocol: "udp", ports: [] }],
      targetServiceAccounts: ["a@airlock-example.iam.gserviceaccount.com", other],
      logging: LOGGING,
    });
    expect(list.rules).toHaveLength(1);
    const rule = resourcesOf(synthJson(stack), "google_compute_firewall").find(
      (f) => f.name === "airlock-private-consumers-allow-egress-nfs",
    );
    expect(rule).toMatchObject({
      target_service_accounts: ["a@airlock-example.iam.gserviceaccount.com", other],
      allow: [{ protocol: "udp" }],
    });
    expect(rule.allow[0].ports).toBeUndefined();
    expect(
      () =>
        new EgressAllowList(stack, "nobody", {
          project: "p",
          network: "n",
          namePrefix: "x",
          entries: [{ name: "nfs", destinations: ["10.0.0.0/8"], protocol: "tcp", ports: [] }],
          targetServiceAccounts: [],
          logging: LOGGING,
        }),
    ).toThrow(/needs the service accounts it holds for/);
  });

  it("AIRLOCK-G4 catches an egress allow rule to a public range on the private network, however it was added", () => {
    const { stack } = buildStack();
    new EgressAllowList(stack, "leaky", {
      project: "airlock-example",
      network: stack.privateNetwork.network.id,
      namePrefix: "leaky",
      entries: [
        { name: "dns", destinations: ["8.8.8.8/32"], protocol: "udp", ports: [53] },
        { name: "nfs", destinations: ["10.30.0.0/24"], protocol: "tcp", ports: [2049] },
      ],
      targetServiceAccounts: ["a@airlock-example.iam.gserviceaccount.com"],
      logging: LOGGING,
    });
    const g4 = checkGuardrails([stack]).violations.filter((v) => v.rule.startsWith("AIRLOCK-G4"));
    expect(g4.map((v) => [v.path, v.message])).toEqual([
      [
        "airlock/leaky/rule-dns",
        "allows egress from the private network to 8.8.8.8/32: only internal ranges (RFC 1918, 100.64.0.0/10, ...) and the Google APIs VIP may be allowed",
      ],
    ]);
  });
});
