import { ComputeInstanceTemplate } from "@cdktf/provider-google/lib/compute-instance-template";
import { ComputeNetwork } from "@cdktf/provider-google/lib/compute-network";
import { ComputeRoute } from "@cdktf/provider-google/lib/compute-route";
import { ComputeSubnetwork } from "@cdktf/provider-google/lib/compute-subnetwork";
import { spawnSync } from "child_process";
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
    expect(template).toMatchObject({
      name_prefix: "ml-workers-",
      machine_type: "n2-standard-4",
      lifecycle: { create_before_destroy: true },
    });
    expect(template.disk).toEqual([expect.objectContaining({ boot: true, source_image: "debian-cloud/debian-12" })]);
  });

  it("runs as its own service account, which may read every repository a private host reads, and nothing more", () => {
    const accounts = Object.entries<any>(json.resource.google_service_account);
    const [fleetName] = accounts.find(([, a]) => a.account_id === "ml-workers")!;
    expect(template.service_account.email).toBe(`\${google_service_account.${fleetName}.email}`);
    const grants = resourcesOf(json, "google_artifact_registry_repository_iam_member");
    const roles = (member: string) =>
      grants
        .filter((g) => g.member === member)
        .map((g) => `${g.role} ${g.repository}`)
        .sort();
    const fleetMember = `serviceAccount:${template.service_account.email}`;
    expect(roles(fleetMember)).toEqual(roles(`serviceAccount:${host.service_account.email}`));
    expect(roles(fleetMember).every((r) => r.startsWith("roles/artifactregistry.reader "))).toBe(true);
  });

  it("boots only after the network and its grants, may be reached over IAP SSH, and the group runs N of it", () => {
    expect(template.depends_on).toEqual(expect.arrayContaining(host.depends_on.filter((d: string) => !d.includes("iam_member"))));
    const ssh = resourcesOf(json, "google_compute_firewall").find(
      (f) => f.direction === "INGRESS" && f.target_service_accounts.includes(host.service_account.email),
    );
    expect(ssh.target_service_accounts).toContain(template.service_account.email);
    const [group] = resourcesOf(json, "google_compute_instance_group_manager");
    const [templateName] = Object.keys(json.resource.google_compute_instance_template);
    expect(group).toMatchObject({ name: "ml-workers", zone: "us-central1-a", base_instance_name: "ml-workers", target_size: 3 });
    expect(group.version).toEqual([
      { name: "bootstrap", instance_template: `\${google_compute_instance_template.${templateName}.self_link_unique}` },
    ]);
    expect(json.output!.fleet_group_self_link.value).toMatch(/^\$\{google_compute_instance_group_manager\.[^.]+\.self_link\}$/);
    expect(json.output!.fleet_template_self_link.value).toBe(`\${google_compute_instance_template.${templateName}.self_link}`);
  });

  it("a changed bootstrap rolls through the group one VM at a time, and an operator sees each VM's status", () => {
    const [group] = resourcesOf(json, "google_compute_instance_group_manager");
    expect(group.update_policy).toEqual({ type: "PROACTIVE", minimal_action: "REPLACE", max_surge_fixed: 1, max_unavailable_fixed: 0 });
    expect(template.lifecycle.create_before_destroy).toBe(true);
    const progress = json.output!.fleet_progress.value;
    expect(progress).toContain(
      "gcloud compute instance-groups managed list-instances ml-workers --zone us-central1-a --project airlock-example",
    );
    expect(progress).toContain(
      'gcloud compute instances get-guest-attributes "$vm" --zone us-central1-a --project airlock-example --query-path=pip-airlock/status',
    );
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
    const subnet = new ComputeSubnetwork(leaky, "other-subnet", {
      name: "other",
      network: network.id,
      ipCidrRange: "10.99.0.0/24",
      region: "us-central1",
    });
    new ComputeInstanceTemplate(leaky, "other-template", {
      machineType: "e2-small",
      labels: { "airlock-role": "bootstrap" },
      disk: [{ boot: true, sourceImage: "debian-cloud/debian-12" }],
      networkInterface: [{ subnetwork: subnet.id }],
      serviceAccount: { email: "other@airlock-example.iam.gserviceaccount.com", scopes: ["cloud-platform"] },
    });
    new ComputeRoute(leaky, "leak", {
      name: "leak",
      network: network.id,
      destRange: "0.0.0.0/0",
      nextHopGateway: "default-internet-gateway",
    });
    const g4 = checkGuardrails([leaky]).violations.filter((v) => v.rule.startsWith("AIRLOCK-G4"));
    expect(g4.map((v) => v.path)).toEqual(expect.arrayContaining(["airlock/leak"]));
  });

  it("refuses a fleet whose account would clash with a host's, or a name the group cannot use", () => {
    const problems = (fleet: unknown) => configProblems(() => load(fleet));
    expect(problems({ name: "airlock-private-host" })).toEqual([
      'fleet.accountId: "airlock-private-host" is already a host\'s service account: the fleet gets its own',
    ]);
    expect(problems({ name: "w" })[0]).toMatch(/^fleet\.accountId: defaults to fleet\.name "w", which is no service account id/);
    expect(problems({ name: "Workers" })[0]).toMatch(/^fleet\.name: must be 1-58 lowercase letters/);
  });
});

describe("fleets a team runs for real: disks, GPUs, regional groups, rollouts, autoscaling, health checks", () => {
  const problems = (fleet: unknown, extra: Record<string, unknown> = {}) => configProblems(() => load(fleet, extra));
  const synth = (fleet: unknown, extra: Record<string, unknown> = {}) => synthJson(buildStack(load(fleet, extra)).stack);
  const templateOf = (json: ReturnType<typeof synth>) => resourcesOf(json, "google_compute_instance_template")[0];

  it("the boot disk: 20 GB pd-balanced as before, or the size and type set, with the config's labels on it", () => {
    const [plain] = templateOf(synth({ name: "ml-workers", size: 1 })).disk;
    expect(plain).toMatchObject({ disk_size_gb: 20, disk_type: "pd-balanced" });
    expect(plain.labels).toEqual({
      app: "pip-airlock",
      "managed-by": "pip-airlock",
      "airlock-env": "airlock",
      "airlock-role": "bootstrap",
    });
    const [ssd] = templateOf(synth({ name: "ml-workers", size: 1, bootDisk: { sizeGb: 200, type: "pd-ssd" } })).disk;
    expect(ssd).toMatchObject({ disk_size_gb: 200, disk_type: "pd-ssd" });
    // A series that boots from Hyperdisk only gets Hyperdisk Balanced without being told.
    expect(templateOf(synth({ name: "ml-workers", size: 1, machineType: "n4-standard-4" })).disk[0].disk_type).toBe("hyperdisk-balanced");
  });

  it("refuses a boot disk the machine type cannot boot from, or a size the type does not take, naming the fix", () => {
    expect(problems({ name: "w", accountId: "workers", machineType: "e2-standard-4", bootDisk: { type: "hyperdisk-balanced" } })).toEqual([
      'fleet.bootDisk.type: is "hyperdisk-balanced", which e2 machine types do not boot from: use "pd-balanced", "pd-ssd" or "pd-standard"',
    ]);
    expect(problems({ name: "w", accountId: "workers", machineType: "c4-standard-8", bootDisk: { type: "pd-ssd" } })[0]).toMatch(
      /^fleet\.bootDisk\.type: is "pd-ssd", which c4 machine types do not boot from: use "hyperdisk-balanced"$/,
    );
    expect(
      problems({ name: "w", accountId: "workers", machineType: "n2-standard-8", bootDisk: { type: "pd-extreme", sizeGb: 500 } })[0],
    ).toMatch(/^fleet\.bootDisk\.type: .*from 64 vCPUs only/);
    expect(
      problems({ name: "w", accountId: "workers", machineType: "n2-standard-64", bootDisk: { type: "pd-extreme", sizeGb: 100 } }),
    ).toEqual(["fleet.bootDisk.sizeGb: must be at least 500 for a pd-extreme boot disk"]);
    expect(problems({ name: "w", accountId: "workers", bootDisk: { sizeGb: 5 } })[0]).toMatch(
      /^fleet\.bootDisk\.sizeGb: must be at least 10/,
    );
    expect(problems({ name: "w", accountId: "workers", bootDisk: { type: "hyperdisk-throughput" } })[0]).toMatch(
      /^fleet\.bootDisk\.type: /,
    );
  });

  it.each([
    ["a2-highgpu-1g", false],
    ["a2-ultragpu-1g", false],
    ["a2-megagpu-16g", false],
    ["a3-highgpu-8g", false],
    ["a3-megagpu-8g", false],
    ["a3-ultragpu-8g", false],
    ["g2-standard-8", false],
    ["ct5lp-hightpu-4t", false],
    ["n1-standard-8", true],
  ])(
    "a GPU or TPU fleet on %s: the machine type is accepted, the VMs stop for host maintenance, GPUs attach only to N1",
    (machineType, attaches) => {
      const accelerators = attaches ? [{ type: "nvidia-tesla-t4", count: 1 }] : [];
      const template = templateOf(synth({ name: "ml-workers", size: 2, machineType, accelerators }));
      expect(template.machine_type).toBe(machineType);
      expect(template.scheduling).toEqual({ on_host_maintenance: "TERMINATE", automatic_restart: true });
      expect(template.guest_accelerator).toEqual(attaches ? [{ type: "nvidia-tesla-t4", count: 1 }] : undefined);
      expect(template.disk[0].disk_type).toBe(machineType === "a3-ultragpu-8g" ? "hyperdisk-balanced" : "pd-balanced");
    },
  );

  it("a fleet that can live-migrate keeps Compute Engine's default (no scheduling block)", () => {
    expect(templateOf(synth({ name: "ml-workers", size: 1, machineType: "n2-standard-4" })).scheduling).toBeUndefined();
  });

  it("refuses GPUs where Compute Engine would: on built-in GPU types, off N1, a model N1 lacks, a count it does not take, too many vCPUs", () => {
    const withGpus = (machineType: string, accelerators: unknown) =>
      problems({ name: "w", accountId: "workers", size: 1, machineType, accelerators });
    expect(withGpus("a2-highgpu-1g", [{ type: "nvidia-tesla-a100", count: 1 }])).toEqual([
      'fleet.accelerators: "a2-highgpu-1g" carries its GPUs (NVIDIA A100) built in, as many as its name says: remove fleet.accelerators',
    ]);
    expect(withGpus("e2-standard-4", [{ type: "nvidia-tesla-t4", count: 1 }])[0]).toMatch(
      /^fleet\.accelerators: GPUs attach to N1 machine types only, not to "e2-standard-4": use "n1-standard-8" with them/,
    );
    expect(withGpus("n1-standard-8", [{ type: "nvidia-tesla-t5", count: 1 }])).toEqual([
      'fleet.accelerators.0.type: "nvidia-tesla-t5" is no GPU an N1 VM attaches: did you mean "nvidia-tesla-t4"?',
    ]);
    expect(withGpus("n1-standard-8", [{ type: "nvidia-tesla-t4", count: 3 }])).toEqual([
      "fleet.accelerators.0.count: must be 1, 2 or 4: the counts of nvidia-tesla-t4 an N1 VM attaches",
    ]);
    expect(withGpus("n1-standard-16", [{ type: "nvidia-tesla-v100", count: 1 }])).toEqual([
      "fleet.machineType: has 16 vCPUs, and 1 nvidia-tesla-v100 allows at most 12: choose a smaller N1 type or more GPUs",
    ]);
    expect(
      withGpus("n1-standard-8", [
        { type: "nvidia-tesla-t4", count: 1 },
        { type: "nvidia-tesla-p4", count: 1 },
      ])[0],
    ).toMatch(/^fleet\.accelerators: lists 2 GPU models: a VM attaches one model/);
  });

  it("zones make a regional group at an address of its own; the zonal group keeps its address", () => {
    expect(Object.keys(synth({ name: "ml-workers", size: 3 }).resource.google_compute_instance_group_manager)).toEqual([
      "fleet_group_B839149E",
    ]);
    const json = synth({ name: "ml-workers", size: 3, zones: ["us-central1-a", "us-central1-b", "us-central1-c"] });
    expect(json.resource.google_compute_instance_group_manager).toBeUndefined();
    const [group] = resourcesOf(json, "google_compute_region_instance_group_manager");
    expect(group).toMatchObject({
      name: "ml-workers",
      region: "us-central1",
      target_size: 3,
      distribution_policy_zones: ["us-central1-a", "us-central1-b", "us-central1-c"],
    });
    // Compute Engine takes a regional group's fixed surge as 0 or at least its number of zones.
    expect(group.update_policy).toEqual({ type: "PROACTIVE", minimal_action: "REPLACE", max_surge_fixed: 3, max_unavailable_fixed: 0 });
    expect(json.output!.fleet_group_self_link.value).toMatch(/^\$\{google_compute_region_instance_group_manager\.[^.]+\.self_link\}$/);
  });

  it("a regional group's progress command finds each VM in its own zone (and the shell reads it as one command)", () => {
    const progress = synth({ name: "ml-workers", size: 3, zones: ["us-central1-a", "us-central1-b"] }).output!.fleet_progress.value;
    expect(progress).toContain(
      "gcloud compute instance-groups managed list-instances ml-workers --region us-central1 --project airlock-example --format='value(name.basename(),zone.basename())'",
    );
    expect(progress).toContain(
      `gcloud compute instances get-guest-attributes "$vm" --zone "$zone" --project airlock-example --query-path=pip-airlock/status`,
    );
    const check = spawnSync("shellcheck", ["-s", "bash", "-"], { input: `#!/bin/bash\n${progress}\n`, encoding: "utf8" });
    expect(check.stdout).toBe("");
  });

  it("refuses zones outside the region, a repeated zone, and a regional surge Compute Engine would refuse, citing its rule", () => {
    expect(problems({ name: "w", accountId: "workers", size: 2, zones: ["europe-west4-a"] })[0]).toMatch(
      /^fleet\.zones\.0: must be a zone of region "us-central1"/,
    );
    expect(problems({ name: "w", accountId: "workers", size: 2, zones: ["us-central1-d"] })[0]).toMatch(
      /^fleet\.zones\.0: is no zone of us-central1, whose zones are "us-central1-a"/,
    );
    expect(problems({ name: "w", accountId: "workers", size: 2, zones: ["us-central1-a", "us-central1-a"] })).toEqual([
      'fleet.zones.1: repeats "us-central1-a": list each zone once',
    ]);
    expect(
      problems({
        name: "w",
        accountId: "workers",
        size: 6,
        zones: ["us-central1-a", "us-central1-b", "us-central1-c"],
        updatePolicy: { maxSurge: 1 },
      }),
    ).toEqual([
      "fleet.updatePolicy.maxSurge: is 1: a regional group takes 0 or at least its number of zones (3) here, as Compute Engine spreads a rollout over every zone: set 0 or 3",
    ]);
    expect(problems({ name: "w", accountId: "workers", size: 2, updatePolicy: { maxSurge: 0 } })[0]).toMatch(
      /^fleet\.updatePolicy\.maxUnavailable: is 0, and so is maxSurge: the group could replace no VM/,
    );
    expect(problems({ name: "w", accountId: "workers", size: 1500 })).toEqual([
      "fleet.size: must be at most 1000, the most VMs a zonal group holds: list fleet.zones for a regional group (up to 2000)",
    ]);
    expect(problems({ name: "w", accountId: "workers", size: 1500, zones: ["us-central1-a", "us-central1-b"] })).toEqual([]);
  });

  it("opportunistic: a change that only matters to new VMs (a label) makes a new template, and the group does not roll the running VMs onto it", () => {
    const fleet = { name: "ml-workers", size: 30, updatePolicy: { type: "opportunistic" } };
    const before = synth(fleet);
    const after = synth(fleet, { labels: { app: "pip-airlock", team: "ml" } });
    // The template changes (a template cannot change in place: Terraform creates its replacement)...
    expect(templateOf(after).labels.team).toBe("ml");
    expect(templateOf(after).disk[0].labels.team).toBe("ml");
    expect(templateOf(after).lifecycle.create_before_destroy).toBe(true);
    // ...and the group takes it as its template for new VMs only.
    const [group] = resourcesOf(after, "google_compute_instance_group_manager");
    expect(group.update_policy).toEqual({ type: "OPPORTUNISTIC", minimal_action: "REPLACE", max_surge_fixed: 1, max_unavailable_fixed: 0 });
    expect(group).toEqual(resourcesOf(before, "google_compute_instance_group_manager")[0]);
    // Regional: zone rebalancing would recreate VMs from the new template; without an autoscaler it is off.
    const [regional] = resourcesOf(
      synth({ ...fleet, zones: ["us-central1-a", "us-central1-b"] }),
      "google_compute_region_instance_group_manager",
    );
    expect(regional.update_policy).toMatchObject({ type: "OPPORTUNISTIC", instance_redistribution_type: "NONE" });
  });

  it("autoscaling: an autoscaler on the group (zonal or regional), which owns the size", () => {
    const zonal = synth({ name: "ml-workers", autoscaling: { minReplicas: 2, maxReplicas: 30 } });
    const [group] = resourcesOf(zonal, "google_compute_instance_group_manager");
    expect(group.target_size).toBeUndefined();
    const [autoscaler] = resourcesOf(zonal, "google_compute_autoscaler");
    expect(autoscaler).toMatchObject({
      name: "ml-workers",
      zone: "us-central1-a",
      target: "${google_compute_instance_group_manager.fleet_group_B839149E.id}",
    });
    expect(autoscaler.autoscaling_policy).toEqual({
      min_replicas: 2,
      max_replicas: 30,
      cooldown_period: 300,
      cpu_utilization: { target: 0.6 },
    });
    const regional = synth({
      name: "ml-workers",
      zones: ["us-central1-a", "us-central1-b"],
      autoscaling: { maxReplicas: 30, cpuTarget: 0.8 },
    });
    const [regionalScaler] = resourcesOf(regional, "google_compute_region_autoscaler");
    expect(regionalScaler).toMatchObject({
      region: "us-central1",
      autoscaling_policy: { min_replicas: 1, max_replicas: 30, cpu_utilization: { target: 0.8 } },
    });
    expect(regionalScaler.target).toMatch(/^\$\{google_compute_region_instance_group_manager\.[^.]+\.id\}$/);
    expect(problems({ name: "w", accountId: "workers", size: 3, autoscaling: { maxReplicas: 5 } })[0]).toMatch(
      /^fleet\.size: does not apply with fleet\.autoscaling/,
    );
    expect(problems({ name: "w", accountId: "workers", autoscaling: { minReplicas: 6, maxReplicas: 5 } })[0]).toMatch(
      /^fleet\.autoscaling\.minReplicas: is 6, above maxReplicas \(5\)/,
    );
  });

  it("a health check heals the group, and Google's probes reach the fleet's VMs on its port only, logged like the other rules", () => {
    const json = synth(
      { name: "ml-workers", size: 2, healthCheck: { port: 8080, path: "/healthz" } },
      { logging: { allowedConnections: true } },
    );
    const [check] = resourcesOf(json, "google_compute_health_check");
    expect(check).toMatchObject({
      name: "ml-workers-hc",
      http_health_check: { port: 8080, request_path: "/healthz" },
      check_interval_sec: 10,
      timeout_sec: 5,
    });
    const [group] = resourcesOf(json, "google_compute_instance_group_manager");
    expect(group.auto_healing_policies).toEqual({
      health_check: expect.stringMatching(/^\$\{google_compute_health_check\.[^.]+\.id\}$/),
      initial_delay_sec: 600,
    });
    const probes = resourcesOf(json, "google_compute_firewall").filter((f) => f.name.endsWith("-allow-health-checks"));
    expect(probes).toHaveLength(1);
    expect(probes[0]).toMatchObject({
      direction: "INGRESS",
      source_ranges: ["35.191.0.0/16", "130.211.0.0/22"],
      target_service_accounts: [templateOf(json).service_account.email],
      allow: [{ protocol: "tcp", ports: ["8080"] }],
      log_config: { metadata: "INCLUDE_ALL_METADATA" },
    });
    expect(checkGuardrails([buildStack(load({ name: "ml-workers", size: 2, healthCheck: { port: 8080 } })).stack]).violations).toEqual([]);
    expect(problems({ name: "w", accountId: "workers", size: 2, healthCheck: { port: 22 } })[0]).toMatch(
      /^fleet\.healthCheck\.port: must not be 22: SSH reaches the VMs from IAP's range only/,
    );
    expect(problems({ name: "w", accountId: "workers", size: 2, healthCheck: { port: 80, timeoutSeconds: 20 } })[0]).toMatch(
      /^fleet\.healthCheck\.timeoutSeconds: is 20, longer than checkIntervalSeconds \(10\)/,
    );
    expect(problems({ name: "w", accountId: "workers", size: 2, healthCheck: { port: 80, protocol: "tcp", path: "/" } })[0]).toMatch(
      /^fleet\.healthCheck\.path: does not apply to a tcp health check/,
    );
  });

  it("settings of a group refuse a fleet without one (a template alone)", () => {
    expect(
      problems({
        name: "w",
        accountId: "workers",
        zones: ["us-central1-a"],
        healthCheck: { port: 80 },
        updatePolicy: { type: "opportunistic" },
      }),
    ).toEqual(
      ["zones", "updatePolicy", "healthCheck"].map(
        (k) =>
          `fleet.${k}: applies to the managed instance group, which the fleet does not have (size 0, no autoscaling): set fleet.size or fleet.autoscaling, or remove it`,
      ),
    );
  });
});
