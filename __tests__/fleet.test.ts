import { ComputeInstanceTemplate } from "@cdktf/provider-google/lib/compute-instance-template";
import { ComputeNetwork } from "@cdktf/provider-google/lib/compute-network";
import { ComputeRoute } from "@cdktf/provider-google/lib/compute-route";
import { ComputeSubnetwork } from "@cdktf/provider-google/lib/compute-subnetwork";
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { loadConfig } from "../config/load";
import { checkGuardrails } from "../constructs/guardrails";
import { buildStack, configProblems, EXAMPLE_CONFIG, hostByRole, resourcesOf, synthJson } from "./support";

const example = JSON.parse(readFileSync(EXAMPLE_CONFIG, "utf8"));
const dir = mkdtempSync(path.join(tmpdir(), "airlock-fleet-"));
function load(fleet: unknown, extra: Record<string, unknown> = {}) {
  const file = path.join(dir, `c${Math.random()}.json`);
  writeFileSync(file, JSON.stringify({ ...example, ...extra, fleet }));
  return loadConfig(file)[0].config;
}

describe("their fleets: an instance template carrying the bootstrap, and a managed instance group", () => {
  const { stack } = buildStack(load({ name: "ml-workers", size: 3, machineType: "n2-standard-4" }));
  const json = synthJson(stack);
  const [template] = resourcesOf(json, "google_compute_instance_template");
  const host = hostByRole(json, "bootstrap");

  it("the template runs the private host's bootstrap unchanged, with the hosts' secure defaults", () => {
    expect(template.metadata).toEqual(host.metadata);
    expect(template.shielded_instance_config).toEqual(host.shielded_instance_config);
    expect(template.network_interface).toEqual(host.network_interface); // the private subnet, no access_config
    expect(template.network_interface[0].access_config).toBeUndefined();
    expect(template).toMatchObject({ name_prefix: "ml-workers-", machine_type: "n2-standard-4", lifecycle: { create_before_destroy: true } });
    expect(template.disk).toEqual([expect.objectContaining({ boot: true, source_image: "debian-cloud/debian-12" })]);
  });

  it("runs as its own service account, which may read every repository a private host reads, and nothing more", () => {
    const accounts = Object.entries<any>(json.resource.google_service_account);
    const [fleetName] = accounts.find(([, a]) => a.account_id === "ml-workers")!;
    expect(template.service_account.email).toBe(`\${google_service_account.${fleetName}.email}`);
    const grants = resourcesOf(json, "google_artifact_registry_repository_iam_member");
    const roles = (member: string) => grants.filter((g) => g.member === member).map((g) => `${g.role} ${g.repository}`).sort();
    const fleetMember = `serviceAccount:${template.service_account.email}`;
    expect(roles(fleetMember)).toEqual(roles(`serviceAccount:${host.service_account.email}`));
    expect(roles(fleetMember).every((r) => r.startsWith("roles/artifactregistry.reader "))).toBe(true);
  });

  it("boots only after the network and its grants, may be reached over IAP SSH, and the group runs N of it", () => {
    expect(template.depends_on).toEqual(expect.arrayContaining(host.depends_on.filter((d: string) => !d.includes("iam_member"))));
    const ssh = resourcesOf(json, "google_compute_firewall").find((f) => f.direction === "INGRESS" && f.target_service_accounts.includes(host.service_account.email));
    expect(ssh.target_service_accounts).toContain(template.service_account.email);
    const [group] = resourcesOf(json, "google_compute_instance_group_manager");
    const [templateName] = Object.keys(json.resource.google_compute_instance_template);
    expect(group).toMatchObject({ name: "ml-workers", zone: "us-central1-a", base_instance_name: "ml-workers", target_size: 3 });
    expect(group.version).toEqual([{ name: "bootstrap", instance_template: `\${google_compute_instance_template.${templateName}.self_link_unique}` }]);
    expect(json.output!.fleet_group_self_link.value).toMatch(/^\$\{google_compute_instance_group_manager\.[^.]+\.self_link\}$/);
    expect(json.output!.fleet_template_self_link.value).toBe(`\${google_compute_instance_template.${templateName}.self_link}`);
  });

  it("a changed bootstrap rolls through the group one VM at a time, and an operator sees each VM's status", () => {
    const [group] = resourcesOf(json, "google_compute_instance_group_manager");
    expect(group.update_policy).toEqual({ type: "PROACTIVE", minimal_action: "REPLACE", max_surge_fixed: 1, max_unavailable_fixed: 0 });
    expect(template.lifecycle.create_before_destroy).toBe(true);
    const progress = json.output!.fleet_progress.value;
    expect(progress).toContain("gcloud compute instance-groups managed list-instances ml-workers --zone us-central1-a --project airlock-example");
    expect(progress).toContain('gcloud compute instances get-guest-attributes "$vm" --zone us-central1-a --project airlock-example --query-path=pip-airlock/status');
    expect(json.output!.next_steps.value).toContain(`Watch the fleet's VMs bootstrap, one line per VM with its status`);
    expect(json.output!.next_steps.value).toContain(progress);
  });

  it("size 0: the template alone; no fleet key: neither", () => {
    const templateOnly = synthJson(buildStack(load({ name: "builders" })).stack);
    expect(resourcesOf(templateOnly, "google_compute_instance_template")).toHaveLength(1);
    expect(templateOnly.resource.google_compute_instance_group_manager).toBeUndefined();
    expect(templateOnly.output!.fleet_group_self_link).toBeUndefined();
    const none = synthJson(buildStack().stack);
    expect(none.resource.google_compute_instance_template).toBeUndefined();
  });

  it("the guardrails count a network a bootstrap template sits on as private: a route to the internet there is caught", () => {
    const { stack: leaky } = buildStack();
    const network = new ComputeNetwork(leaky, "other-network", { name: "other", autoCreateSubnetworks: false });
    const subnet = new ComputeSubnetwork(leaky, "other-subnet", { name: "other", network: network.id, ipCidrRange: "10.99.0.0/24", region: "us-central1" });
    new ComputeInstanceTemplate(leaky, "other-template", {
      machineType: "e2-small",
      labels: { "airlock-role": "bootstrap" },
      disk: [{ boot: true, sourceImage: "debian-cloud/debian-12" }],
      networkInterface: [{ subnetwork: subnet.id }],
      serviceAccount: { email: "other@airlock-example.iam.gserviceaccount.com", scopes: ["cloud-platform"] },
    });
    new ComputeRoute(leaky, "leak", { name: "leak", network: network.id, destRange: "0.0.0.0/0", nextHopGateway: "default-internet-gateway" });
    const g4 = checkGuardrails([leaky]).violations.filter((v) => v.rule.startsWith("AIRLOCK-G4"));
    expect(g4.map((v) => v.path)).toEqual(expect.arrayContaining(["airlock/leak"]));
  });

  it("refuses a fleet whose account would clash with a host's, or a name the group cannot use", () => {
    const problems = (fleet: unknown) => configProblems(() => load(fleet));
    expect(problems({ name: "airlock-private-host" })).toEqual(['fleet.accountId: "airlock-private-host" is already a host\'s service account: the fleet gets its own']);
    expect(problems({ name: "w" })[0]).toMatch(/^fleet\.accountId: defaults to fleet\.name "w", which is no service account id/);
    expect(problems({ name: "Workers" })[0]).toMatch(/^fleet\.name: must be 1-58 lowercase letters/);
  });
});
