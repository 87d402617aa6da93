// Two environments in different service projects on one Shared VPC: the plumbing a stack adds to an
// existing VPC lives in the VPC's host project, under names taken from the VPC. Both creating it would
// make the second deploy fail on names Terraform already owns there: refused, naming who should own it.
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { synthesize } from "../synth/synthesize";
import { ASSETS, EXAMPLE_CONFIG, FIXTURES, refusals as problems, resourcesOf } from "./support";
import { configurationProblems, emptyProviderMirror } from "./terraform";

const DIR = mkdtempSync(path.join(tmpdir(), "airlock-sharedvpc-"));
const shared = JSON.parse(readFileSync(path.join(FIXTURES, "shared-vpc.json"), "utf8"));

function configWith(environments: Record<string, unknown>): string {
  const { projectId: _drop, ...base } = shared;
  const file = path.join(DIR, `c-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ ...base, environments }));
  return file;
}
const TWO = { ml: { projectId: "acme-ml-prod" }, analytics: { projectId: "acme-analytics", fleet: { name: "etl-workers", size: 1 } } };


describe("two environments on one Shared VPC", () => {
  it("both creating the VPC's plumbing in the host project is refused, one line per part, naming the owner and the fix", () => {
    const lines = problems(configWith(TWO));
    const parts = ["googleApisRoute", "dnsZones", "egressRules", "iapSshRule"];
    expect(lines.map((l) => l.split(":")[0])).toEqual(parts.map((p) => `environments.analytics.networks.private.manage.${p}`));
    expect(lines[0]).toBe(
      'environments.analytics.networks.private.manage.googleApisRoute: the route shared-prod-google-apis on VPC shared-prod of project acme-net-host is also environment "ml"\'s: ' +
        'both environments would create them there. Let "ml" own the VPC\'s plumbing and set networks.private.manage.googleApisRoute to false in "analytics" ' +
        '(set all of googleApisRoute, dnsZones, egressRules and iapSshRule to false there: "analytics"\'s VMs then reach Google APIs through "ml"\'s route and zones; ' +
        "their egress is not restricted by the stack and SSH to them needs a rule of your own)",
    );
    expect(lines[3]).toContain("the firewall rule shared-prod-allow-iap-ssh on VPC shared-prod of project acme-net-host");
  });

  it("with the second environment leaving the plumbing to the first, both synthesize, and only the first touches the host project", async () => {
    const off = { googleApisRoute: false, dnsZones: false, egressRules: false, iapSshRule: false };
    const file = configWith({ ...TWO, analytics: { ...TWO.analytics, networks: { private: { manage: off } } } });
    const outdir = path.join(DIR, "out");
    expect(synthesize({ configFile: file, outdir, assetsDir: ASSETS })).toEqual(["ml", "analytics"]);
    const json = (stack: string) => JSON.parse(readFileSync(path.join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
    const inHost = (stack: string) =>
      ["google_compute_route", "google_compute_firewall", "google_dns_managed_zone"].flatMap((t) => resourcesOf(json(stack), t)).filter((r) => r.project === "acme-net-host").map((r) => r.name).sort();
    expect(inHost("ml")).toEqual(["shared-prod-allow-google-apis", "shared-prod-allow-iap-ssh", "shared-prod-deny-all-egress", "shared-prod-google-apis", "shared-prod-googleapis", "shared-prod-pkg-dev"]);
    expect(inHost("analytics")).toEqual([]);
    const cli = emptyProviderMirror();
    for (const stack of ["ml", "analytics"]) expect(await configurationProblems(JSON.stringify(json(stack)), cli)).toEqual([]);
  });

  it("manage.iapSshRule, like every part of manage, applies to an existing VPC only", () => {
    const file = path.join(DIR, "created.json");
    const example = JSON.parse(readFileSync(EXAMPLE_CONFIG, "utf8"));
    example.networks.private.manage = { iapSshRule: false };
    writeFileSync(file, JSON.stringify(example));
    expect(problems(file)).toEqual(["networks.private.manage: applies to an existing VPC only: a VPC the stack creates always gets its route, zones and rules"]);
  });
});
