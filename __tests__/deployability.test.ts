import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { loadConfig } from "../config/load";
import {
  buildStack,
  carriedSettings,
  EXAMPLE_CONFIG,
  exampleConfig,
  hostByRole,
  refusals,
  resourcesOf,
  synthJson,
  SynthJson,
} from "./support";

/** `type.name` of every resource of `type` whose config matches `match`. */
function addresses(json: SynthJson, type: string, match: (r: any) => boolean = () => true): string[] {
  return Object.entries<any>(json.resource[type] ?? {})
    .filter(([, r]) => match(r))
    .map(([name]) => `${type}.${name}`);
}

const hostOf = hostByRole;

describe("a first apply on a new project: each host boots only after what its startup script needs", () => {
  const json = synthJson(buildStack().stack);

  it("the private host waits for the VIP route, every private DNS record, the egress allow rule and its read grants", () => {
    const needs = [
      ...addresses(json, "google_compute_route"),
      ...addresses(json, "google_dns_record_set"),
      ...addresses(
        json,
        "google_compute_firewall",
        (f) => f.direction === "EGRESS" && f.allow && f.destination_ranges[0] === "199.36.153.8/30",
      ),
      ...addresses(json, "google_artifact_registry_repository_iam_member", (g) => g.role === "roles/artifactregistry.reader"),
    ];
    expect(needs).toHaveLength(1 + 4 + 1 + 2);
    expect(hostOf(json, "bootstrap").depends_on).toEqual(expect.arrayContaining(needs));
  });

  it("the public host waits for its NAT, its egress allow rule and its write grant", () => {
    const needs = [
      ...addresses(json, "google_compute_router_nat"),
      ...addresses(json, "google_compute_firewall", (f) => f.direction === "EGRESS" && f.allow && f.destination_ranges[0] === "0.0.0.0/0"),
      ...addresses(json, "google_artifact_registry_repository_iam_member", (g) => g.role === "roles/artifactregistry.writer"),
    ];
    expect(needs).toHaveLength(3);
    expect(hostOf(json, "mirror").depends_on).toEqual(expect.arrayContaining(needs));
  });
});

describe("remote mode behind the restricted VIP (VPC Service Controls)", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "airlock-vpcsc-"));
  const example = JSON.parse(readFileSync(EXAMPLE_CONFIG, "utf8"));
  const restrictedRemote = (repositories: Record<string, unknown> = {}) => {
    const file = path.join(dir, `c${Math.random()}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        ...example,
        mode: "remote",
        networks: { private: { ...example.networks.private, googleApis: "restricted" } },
        repositories: { ...example.repositories, ...repositories },
      }),
    );
    return file;
  };

  it("is refused at synth without a decision on Artifact Registry's VPC-SC policy, with the command to run", () => {
    const [problem] = refusals(restrictedRemote());
    expect(problem).toMatch(/^repositories\.vpcscPolicy: is required in remote mode behind the restricted VIP/);
    expect(problem).toContain('"gcloud artifacts vpcsc-config allow --project=airlock-example --location=us-central1"');
    expect(problem).toContain('"manage"');
  });

  it('"manage": the stack sets the policy to ALLOW with the google-beta provider, before the private host boots', () => {
    const [env] = loadConfig(restrictedRemote({ vpcscPolicy: "manage" }));
    const json = synthJson(buildStack(env.config).stack);
    expect(resourcesOf(json, "google_artifact_registry_vpcsc_config")).toEqual([
      expect.objectContaining({ project: "airlock-example", location: "us-central1", vpcsc_policy: "ALLOW", provider: "google-beta" }),
    ]);
    expect((json as any).provider["google-beta"]).toEqual([expect.objectContaining({ project: "airlock-example", region: "us-central1" })]);
    expect(hostOf(json, "bootstrap").depends_on).toEqual(expect.arrayContaining(addresses(json, "google_artifact_registry_vpcsc_config")));
  });

  it('"external": the policy is left to whoever set it; no google-beta provider is needed', () => {
    const [env] = loadConfig(restrictedRemote({ vpcscPolicy: "external" }));
    const json = synthJson(buildStack(env.config).stack);
    expect(json.resource.google_artifact_registry_vpcsc_config).toBeUndefined();
    expect((json as any).provider["google-beta"]).toBeUndefined();
  });

  it("mirror mode and the private VIP need no VPC-SC policy", () => {
    for (const json of [synthJson(buildStack().stack), synthJson(buildStack(exampleConfig((c) => (c.mode = "remote"))).stack)]) {
      expect(json.resource.google_artifact_registry_vpcsc_config).toBeUndefined();
    }
  });
});

describe("safer defaults", () => {
  const json = synthJson(buildStack().stack);
  const firewalls = resourcesOf(json, "google_compute_firewall");
  const publicNet = hostOf(json, "mirror").network_interface[0].subnetwork.replace(/^\$\{google_compute_subnetwork\.([^.]+)\.id\}$/, "$1");
  const publicNetwork = json.resource.google_compute_subnetwork[publicNet].network;

  it("the public host stops itself once the mirror succeeded", () => {
    expect(exampleConfig().mirror.stopWhenDone).toBe(true);
    expect(carriedSettings(buildStack().stack.mirrorScript!).STOP_WHEN_DONE).toBe(true);
  });

  it("the public host reaches the internet on tcp 443 and 80 only; all other egress of the public VPC is denied and logged", () => {
    const egress = firewalls.filter((f) => f.network === publicNetwork && f.direction === "EGRESS");
    const allow = egress.filter((f) => f.allow);
    const deny = egress.filter((f) => f.deny);
    expect(allow).toEqual([
      expect.objectContaining({
        destination_ranges: ["0.0.0.0/0"],
        allow: [{ protocol: "tcp", ports: ["443", "80"] }],
        target_service_accounts: [hostOf(json, "mirror").service_account.email],
      }),
    ]);
    expect(deny).toEqual([
      expect.objectContaining({
        destination_ranges: ["0.0.0.0/0"],
        deny: [{ protocol: "all" }],
        log_config: { metadata: "INCLUDE_ALL_METADATA" },
      }),
    ]);
    expect(deny[0].priority).toBeGreaterThan(allow[0].priority);
  });

  it("logging: flow logs sampled and aggregated over 5 minutes without metadata, denies always logged, allows not by default", () => {
    for (const subnet of resourcesOf(json, "google_compute_subnetwork")) {
      expect(subnet.log_config).toEqual({ aggregation_interval: "INTERVAL_5_MIN", flow_sampling: 0.5, metadata: "EXCLUDE_ALL_METADATA" });
    }
    for (const rule of firewalls) {
      if (rule.deny) expect(rule.log_config).toEqual({ metadata: "INCLUDE_ALL_METADATA" });
      else expect(rule.log_config).toBeUndefined();
    }
  });

  it("logging is configurable: flow logs off, allowed connections logged; denies stay logged", () => {
    const quiet = synthJson(
      buildStack(exampleConfig((c) => (c.logging = { flowLogs: { ...c.logging.flowLogs, enabled: false }, allowedConnections: true })))
        .stack,
    );
    for (const subnet of resourcesOf(quiet, "google_compute_subnetwork")) expect(subnet.log_config).toBeUndefined();
    const rules = resourcesOf(quiet, "google_compute_firewall");
    expect(rules.length).toBe(firewalls.length);
    for (const rule of rules) expect(rule.log_config).toEqual({ metadata: "INCLUDE_ALL_METADATA" });
  });
});

describe("service account ids follow the host names", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "airlock-accounts-"));
  const example = JSON.parse(readFileSync(EXAMPLE_CONFIG, "utf8"));
  const load = (hosts: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    const file = path.join(dir, `c${Math.random()}.json`);
    writeFileSync(file, JSON.stringify({ ...example, hosts: { ...example.hosts, ...hosts }, ...extra }));
    return loadConfig(file);
  };

  it("renamed hosts get accounts of the same names; explicit ids still win", () => {
    const [env] = load({ publicName: "dev-mirror", privateName: "dev-pip-client" });
    const json = synthJson(buildStack(env.config).stack);
    expect(
      resourcesOf(json, "google_service_account")
        .map((a) => a.account_id)
        .sort(),
    ).toEqual(["dev-mirror", "dev-mirror-sched", "dev-pip-client"]);
    const [explicit] = load({ publicName: "dev-mirror", privateAccountId: "dev-reader" });
    expect([explicit.config.hosts.publicAccountId, explicit.config.hosts.privateAccountId]).toEqual(["dev-mirror", "dev-reader"]);
  });

  it("two environments in one project with their own host names no longer clash on accounts", () => {
    const envs = load(
      {},
      {
        environments: {
          dev: {
            hosts: { publicName: "dev-public-host", privateName: "dev-private-host" },
            networks: {
              ...example.networks,
              public: { name: "dev-public", subnetCidr: "10.10.0.0/24" },
              private: { name: "dev-private", subnetCidr: "10.20.0.0/24" },
            },
            repositories: { auth: "dev-auth", private: "dev-private" },
            mirror: { signing: { keyRing: "dev-signing" } },
          },
          prod: {},
        },
      },
    );
    expect(envs.map((e) => [e.config.hosts.publicAccountId, e.config.hosts.privateAccountId])).toEqual([
      ["dev-public-host", "dev-private-host"],
      ["airlock-public-host", "airlock-private-host"],
    ]);
  });

  it("a host name that is no valid account id asks for an explicit one", () => {
    expect(() => load({ privateName: "a-very-long-private-host-name-for-pip" })).toThrow(
      /hosts\.privateAccountId: defaults to hosts\.privateName "a-very-long-private-host-name-for-pip", which is no service account id \(6-30 .*\): set hosts\.privateAccountId/,
    );
  });
});

describe("time bounds of the scripts' waits", () => {
  it("are the config's: every bound reaches the script that waits", () => {
    const { stack } = buildStack(
      exampleConfig(
        (c) =>
          (c.timeouts = { downloadSeconds: 1800, uploadSeconds: 1200, installSeconds: 900, pipSocketSeconds: 120, dpkgLockSeconds: 300 }),
      ),
    );
    expect(carriedSettings(stack.mirrorScript!)).toMatchObject({
      DOWNLOAD_TIMEOUT_SECONDS: 1800,
      UPLOAD_TIMEOUT_SECONDS: 1200,
      PIP_SOCKET_TIMEOUT_SECONDS: 120,
      DPKG_LOCK_TIMEOUT_SECONDS: 300,
    });
    expect(carriedSettings(stack.bootstrapScript)).toMatchObject({ INSTALL_TIMEOUT_SECONDS: 900, PIP_SOCKET_TIMEOUT_SECONDS: 120 });
  });
});
