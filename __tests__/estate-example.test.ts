// The estate issue 24 describes, shipped as config/shared-vpc-estate.json: two environments on one Shared VPC,
// a GPU fleet in a regional group, another team's Rocky 9 VMs as consumers. Synthesized by the app itself.
import { mkdtempSync, readFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { synthesize } from "../synth/synthesize";
import { ASSETS, FIXTURES, resourcesOf, SynthJson } from "./support";
import { directoryProblems, emptyProviderMirror } from "./terraform";

const outdir = path.join(mkdtempSync(path.join(tmpdir(), "airlock-estate-")), "cdktf.out");
const notes: string[] = [];
const stacks = synthesize({
  configFile: path.join(FIXTURES, "shared-vpc-estate.json"),
  outdir,
  assetsDir: ASSETS,
  onNote: (n) => notes.push(n),
});
const stackDir = (name: string) => path.join(outdir, "stacks", name);
const json = (name: string): SynthJson => JSON.parse(readFileSync(path.join(stackDir(name), "cdk.tf.json"), "utf8"));
const dev = json("dev");
const prod = json("prod");
const firewalls = (j: SynthJson) => resourcesOf(j, "google_compute_firewall").filter((f) => f.project === "acme-net-host");
const accountRef = (j: SynthJson, id: string) => {
  const [key] = Object.entries<any>(j.resource.google_service_account).find(([, a]) => a.account_id === id)!;
  return `\${google_service_account.${key}.email}`;
};

describe("the estate example (shared-vpc-estate.json): two environments on one Shared VPC, a GPU fleet, another team's Rocky 9 VMs", () => {
  it("synthesizes both environments with the guardrails holding (a violation would have refused the synth), and Terraform loads each", async () => {
    expect(stacks).toEqual(["dev", "prod"]);
    const cliConfig = emptyProviderMirror();
    for (const name of stacks) expect(await directoryProblems(stackDir(name), cliConfig)).toEqual([]);
  });

  it("each environment keeps its own egress-deny, Google APIs and IAP SSH rules in the host project, named after it, for its own VMs' accounts", () => {
    for (const [env, j] of [
      ["dev", dev],
      ["prod", prod],
    ] as const) {
      const rules = new Map(firewalls(j).map((f) => [f.name, f]));
      for (const what of ["deny-all-egress", "allow-google-apis", "allow-iap-ssh", "allow-egress-nfs", "allow-egress-nodes"]) {
        expect(rules.get(`pip-airlock-${env}-${what}`)).toBeDefined();
      }
      const own = [accountRef(j, "airlock-private-host"), accountRef(j, "ml-workers")];
      for (const rule of rules.values()) expect(rule.target_service_accounts).toEqual(expect.arrayContaining(own));
      expect(rules.get(`pip-airlock-${env}-deny-all-egress`)).toMatchObject({
        direction: "EGRESS",
        destination_ranges: ["0.0.0.0/0"],
        deny: [{ protocol: "all" }],
      });
    }
    const names = [...firewalls(dev), ...firewalls(prod)].map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it("dev owns the VIP route and the response policy, protected while prod depends on it; prod has neither, and its stack depends on dev's", () => {
    expect(resourcesOf(dev, "google_compute_route")).toEqual([
      expect.objectContaining({ dest_range: "199.36.153.4/30", lifecycle: { prevent_destroy: true } }),
    ]);
    expect(resourcesOf(dev, "google_dns_response_policy")).toEqual([
      expect.objectContaining({ project: "acme-net-host", lifecycle: { prevent_destroy: true } }),
    ]);
    expect(resourcesOf(prod, "google_compute_route")).toEqual([]);
    expect(resourcesOf(prod, "google_dns_response_policy")).toEqual([]);
    expect(resourcesOf(prod, "google_dns_managed_zone")).toEqual([]);
    const manifest = JSON.parse(readFileSync(path.join(outdir, "manifest.json"), "utf8"));
    expect(manifest.stacks.prod.dependencies).toEqual(["dev"]);
    expect(manifest.stacks.dev.dependencies).toEqual([]);
    expect(notes.some((n) => /response-policy.*every VM on that VPC/.test(n))).toBe(true);
  });

  it("the fleet is the ML fleet: GPUs that stop for maintenance, a 200 GB labelled boot disk, a regional group over three zones that does not roll on a new template", () => {
    for (const [env, j, size] of [
      ["dev", dev, 2],
      ["prod", prod, 30],
    ] as const) {
      const [template] = resourcesOf(j, "google_compute_instance_template");
      expect(template).toMatchObject({ machine_type: "g2-standard-8", scheduling: { on_host_maintenance: "TERMINATE" } });
      expect(template.disk[0]).toMatchObject({
        disk_size_gb: 200,
        disk_type: "pd-balanced",
        labels: { team: "ml-platform", "airlock-env": env },
      });
      const [group] = resourcesOf(j, "google_compute_region_instance_group_manager");
      expect(group).toMatchObject({ target_size: size, distribution_policy_zones: ["us-central1-a", "us-central1-b", "us-central1-c"] });
      expect(group.update_policy).toMatchObject({ type: "OPPORTUNISTIC" });
    }
  });

  it("the Rocky 9 VMs of the other team are prod's consumers: read on the repositories, under prod's rules, their target mirrored, one output for their Terraform", () => {
    const rocky = "serviceAccount:rocky-vms@acme-rocky.iam.gserviceaccount.com";
    const readers = resourcesOf(prod, "google_artifact_registry_repository_iam_member").filter((g) => g.member === rocky);
    expect(readers.map((g) => g.role)).toEqual(readers.map(() => "roles/artifactregistry.reader"));
    expect(readers.length).toBeGreaterThan(0);
    expect(resourcesOf(dev, "google_artifact_registry_repository_iam_member").filter((g) => g.member === rocky)).toEqual([]);
    for (const rule of firewalls(prod)) expect(rule.target_service_accounts).toContain("rocky-vms@acme-rocky.iam.gserviceaccount.com");
    expect(prod.output!.mirror_targets.value).toContain("CPython 3.9.21, glibc 2.34, x86_64 (consumers.rocky-team.targets.0)"); // Rocky 9
    expect(JSON.stringify(dev.output!.mirror_targets.value)).not.toMatch(/consumers/);
    expect(prod.output!.consumer_rocky_team).toBeDefined();
    expect(dev.output!.consumer_rocky_team).toBeUndefined();
  });
});

describe("next_steps of a stack with consumers", () => {
  it("says to hand each consuming team its output, by name", () => {
    expect(prod.output!.next_steps.value).toMatch(/Hand each consuming team its output \(consumer_rocky_team\)/);
    expect(dev.output!.next_steps.value).not.toMatch(/consuming team/);
  });
});
