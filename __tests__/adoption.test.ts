import { readdirSync, readFileSync } from "fs";
import { mkdtempSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { BOOTSTRAP_SCRIPT_FILE } from "../startup-script/files";
import { synthesize } from "../synth/synthesize";
import { ASSETS, FIXTURES, hostByRole, resourcesOf, ROOT, SynthJson } from "./support";
import { configurationProblems, emptyProviderMirror } from "./terraform";

/** Synthesize one of the tests' configs (__tests__/fixtures) with the app itself; the parsed stack and what the guardrails noted. */
function synthExample(file: string): { json: SynthJson; notes: string[]; outdir: string } {
  const outdir = path.join(mkdtempSync(path.join(tmpdir(), "airlock-adoption-")), "cdktf.out");
  const notes: string[] = [];
  const [stack] = synthesize({ configFile: path.join(FIXTURES, file), outdir, assetsDir: ASSETS, onNote: (n) => notes.push(n) });
  return { json: JSON.parse(readFileSync(path.join(outdir, "stacks", stack, "cdk.tf.json"), "utf8")), notes, outdir };
}

const firewallsOf = (json: SynthJson) => resourcesOf(json, "google_compute_firewall");
const dataOf = (json: SynthJson, type: string): any[] => Object.values((json as any).data?.[type] ?? {});

describe("one config per adoption shape, each synthesized and loaded in Terraform", () => {
  const shapes = ["example.json", "existing-network.json", "repositories-only.json", "shared-vpc.json", "mixed-estate.json"];
  const cliConfig = emptyProviderMirror();
  it.each(shapes)("%s", async (file) => {
    const { json } = synthExample(file);
    expect(await configurationProblems(JSON.stringify(json), cliConfig)).toEqual([]);
  });
});

describe("every config in config/ (the shipped examples, or only a team's own) synthesizes and loads in Terraform", () => {
  const configs = readdirSync(path.join(ROOT, "config")).filter((f) => f.endsWith(".json") && !f.endsWith(".schema.json"));
  const cliConfig = emptyProviderMirror();
  it.each(configs.length > 0 ? configs : ["(none)"])("%s", async (file) => {
    if (file === "(none)") return; // a fork may keep its config elsewhere (AIRLOCK_CONFIG)
    const outdir = path.join(mkdtempSync(path.join(tmpdir(), "airlock-config-")), "cdktf.out");
    for (const stack of synthesize({ configFile: path.join(ROOT, "config", file), outdir, assetsDir: ASSETS })) {
      expect(await configurationProblems(readFileSync(path.join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"), cliConfig)).toEqual([]);
    }
  });
});

describe("bring your own network (existing-network.json)", () => {
  const { json, notes } = synthExample("existing-network.json");
  const host = (role: "mirror" | "bootstrap") => hostByRole(json, role);

  it("creates no VPC, subnet, router or NAT: it looks the existing ones up and puts the hosts on their subnets", () => {
    for (const type of ["google_compute_network", "google_compute_subnetwork", "google_compute_router", "google_compute_router_nat"])
      expect(json.resource[type]).toBeUndefined();
    expect(
      dataOf(json, "google_compute_network")
        .map((n) => [n.name, n.project])
        .sort(),
    ).toEqual([
      ["edge-vpc", "acme-platform"],
      ["workloads-vpc", "acme-platform"],
    ]);
    const subnets = Object.entries<any>((json as any).data.google_compute_subnetwork);
    const subnetRef = (name: string) => `\${data.google_compute_subnetwork.${subnets.find(([, s]) => s.name === name)![0]}.id}`;
    expect(host("bootstrap").network_interface[0].subnetwork).toBe(subnetRef("workloads-europe-west4"));
    expect(host("mirror").network_interface[0].subnetwork).toBe(subnetRef("edge-europe-west4"));
  });

  it("adds only what `manage` asks for: the VIP route and egress rules, no DNS zones", () => {
    expect(resourcesOf(json, "google_compute_route").map((r) => r.dest_range)).toEqual(["199.36.153.8/30"]);
    expect(json.resource.google_dns_managed_zone).toBeUndefined();
    expect(host("bootstrap").depends_on).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^google_compute_route\./),
        expect.stringMatching(/^google_compute_firewall\..*allow-google-apis/),
      ]),
    );
  });

  it("restricts egress and opens IAP SSH for the airlock hosts' accounts only: the team's other VMs there are untouched", () => {
    for (const rule of firewallsOf(json)) {
      expect(rule.target_service_accounts?.length).toBeGreaterThan(0);
      const hosts = [host("bootstrap"), host("mirror")].map((h) => h.service_account.email);
      for (const target of rule.target_service_accounts) expect(hosts).toContain(target);
    }
    const denies = firewallsOf(json).filter((f) => f.deny);
    expect(denies.map((d) => d.target_service_accounts)).toEqual(
      expect.arrayContaining([[host("bootstrap").service_account.email], [host("mirror").service_account.email]]),
    );
  });

  it("the guardrails say what they cannot see, for each existing network", () => {
    expect(notes).toEqual([
      expect.stringMatching(
        /^airlock\/pip-airlock\/private\/private-network\/network uses the existing network "workloads-vpc" \(project acme-platform\): .*0\.0\.0\.0\/0 route or a Cloud NAT \(AIRLOCK-G4\)/,
      ),
      expect.stringMatching(
        /^airlock\/pip-airlock\/mirror\/public-network\/network uses the existing network "edge-vpc" \(project acme-platform\): .*SSH beyond IAP \(AIRLOCK-G5\)/,
      ),
    ]);
    expect(synthExample("example.json").notes).toEqual([]);
  });
});

describe("Shared VPC (shared-vpc.json)", () => {
  const { json } = synthExample("shared-vpc.json");

  it("looks the network up in the host project and creates the route, zones and rules there; VMs and repositories stay in the service project", () => {
    expect(dataOf(json, "google_compute_network")).toEqual([expect.objectContaining({ name: "shared-prod", project: "acme-net-host" })]);
    expect(dataOf(json, "google_compute_subnetwork")).toEqual([
      expect.objectContaining({ name: "ml-us-central1", project: "acme-net-host", region: "us-central1" }),
    ]);
    for (const type of ["google_compute_route", "google_compute_firewall", "google_dns_managed_zone", "google_dns_record_set"]) {
      const created = resourcesOf(json, type);
      expect(created.length).toBeGreaterThan(0);
      for (const r of created) expect([type, r.project]).toEqual([type, "acme-net-host"]);
    }
    expect(resourcesOf(json, "google_compute_route")[0].dest_range).toBe("199.36.153.4/30");
    for (const r of resourcesOf(json, "google_artifact_registry_repository")) expect(r.project).toBe("acme-ml-prod");
    for (const vm of [...resourcesOf(json, "google_compute_instance"), ...resourcesOf(json, "google_compute_instance_template")])
      expect(vm.project).toBe("acme-ml-prod");
  });
});

describe("repositories only (repositories-only.json)", () => {
  const { json, outdir } = synthExample("repositories-only.json");

  it("creates no VM, only the repositories, the private access plumbing and the bootstrap for the team's own VMs", () => {
    expect(json.resource.google_compute_instance).toBeUndefined();
    expect(json.resource.google_compute_instance_template).toBeUndefined();
    expect(json.resource.google_service_account).toBeUndefined();
    expect(json.resource.google_compute_firewall).toBeUndefined(); // egressRules: false, and no host to open SSH to
    expect(
      resourcesOf(json, "google_dns_managed_zone")
        .map((z) => z.dns_name)
        .sort(),
    ).toEqual(["googleapis.com.", "pkg.dev."]);
    expect(readFileSync(path.join(outdir, "stacks", "airlock", BOOTSTRAP_SCRIPT_FILE), "utf8")).toMatch(/^#!\/usr\/bin\/env bash\n/);
    const outputs = Object.keys(json.output!);
    expect(outputs.filter((o) => o.startsWith("private_host_"))).toEqual(["private_host_bootstrap_script"]);
    expect(json.output!.next_steps.value).toMatch(/^1\. Attach the bootstrap to your VMs on the private subnet/);
  });
});
