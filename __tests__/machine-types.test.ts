// config/machine-types.ts: Compute Engine's machine series, what the config accepts and refuses by them,
// and the CPU architecture of each (what the image checks compare an image's with).
import { readFileSync, writeFileSync, mkdtempSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { TARGET_ARCHES } from "../config/images";
import { loadConfig } from "../config/load";
import { MACHINE_FAMILIES, machineArch, mustTerminateOnHostMaintenance } from "../config/machine-types";
import { buildStack, configProblems, EXAMPLE_CONFIG, resourcesOf, synthJson } from "./support";

const example = JSON.parse(readFileSync(EXAMPLE_CONFIG, "utf8"));
const dir = mkdtempSync(path.join(tmpdir(), "airlock-machines-"));
function load(change: Record<string, unknown>) {
  const file = path.join(dir, `c${Math.random()}.json`);
  writeFileSync(file, JSON.stringify({ ...example, ...change }));
  return loadConfig(file)[0].config;
}
const fleetProblems = (machineType: string) => configProblems(() => load({ fleet: { name: "workers", size: 1, machineType } }));
const hostProblems = (machineType: string) => configProblems(() => load({ hosts: { ...example.hosts, machineType } }));

describe("machine types: the series Compute Engine has, from a table", () => {
  it.each([
    "e2-micro",
    "e2-standard-4",
    "f1-micro",
    "g1-small",
    "n2-standard-4",
    "n2d-highmem-8",
    "t2a-standard-1",
    "t2d-standard-1",
    "c3-highcpu-22-lssd",
    "c3-standard-192-metal",
    "c3d-standard-8",
    "c4-standard-4-lssd",
    "c4a-highmem-4",
    "n4-standard-2",
    "h3-standard-88",
    "m3-megamem-64",
    "x4-megamem-960-metal",
    "z3-highmem-88",
    "n2-custom-2-4096",
    "custom-4-8192-ext",
    "e2-custom-medium-2048",
    "n4-custom-4-8192",
  ])("the fleet takes %s, and its VMs stop for host maintenance where they cannot live-migrate", (machineType) => {
    const config = load({
      fleet: {
        name: "workers",
        size: 1,
        machineType,
        ...(machineArch(machineType) === "aarch64" ? { image: "debian-cloud/debian-12-arm64" } : {}),
      },
    });
    const [template] = resourcesOf(synthJson(buildStack(config).stack), "google_compute_instance_template");
    expect(template.machine_type).toBe(machineType);
    const stops = ["h3", "x4"].includes(machineType.split("-")[0]) || machineType.endsWith("-metal");
    expect(template.scheduling?.on_host_maintenance).toBe(stops ? "TERMINATE" : undefined);
  });

  it("refuses a series Compute Engine does not have, with the likely one, and a custom type of a series without them", () => {
    expect(fleetProblems("x5-megamem-960-metal")).toEqual([
      'fleet.machineType: names the machine series "x5", which Compute Engine does not have: did you mean "x4" (x4-megamem-960-metal)?',
    ]);
    expect(fleetProblems("qq9-standard-4")[0]).toMatch(
      /^fleet\.machineType: names the machine series "qq9", which Compute Engine does not have: use one of e2, n1, .*a2, a3, .*ct5lp/,
    );
    expect(fleetProblems("c4-custom-4-8192")[0]).toMatch(
      /^fleet\.machineType: is a custom machine type of c4, which takes only predefined ones: custom types exist for e2, n1, n2, n2d, n4/,
    );
    // The shape is still checked first, with the same message as before.
    expect(fleetProblems("a2-highgpu")).toEqual([
      'fleet.machineType: must be a Compute Engine machine type such as "e2-small", "n2-standard-4", "n2-custom-2-4096" or "a2-highgpu-1g"',
    ]);
  });

  it("the airlock hosts take no GPU, TPU, Hyperdisk-only or non-migrating type (they boot from pd-balanced and run no workload)", () => {
    expect(hostProblems("n2-standard-2")).toEqual([]);
    expect(hostProblems("a2-highgpu-1g")[0]).toMatch(
      /^hosts\.machineType: is "a2-highgpu-1g", whose GPUs the airlock hosts do not use: use a general-purpose type such as "e2-small"/,
    );
    expect(hostProblems("ct5lp-hightpu-4t")[0]).toMatch(/whose TPUs the airlock hosts do not use/);
    expect(hostProblems("c4-standard-4")[0]).toMatch(
      /^hosts\.machineType: is "c4-standard-4", which boots from Hyperdisk only, and the airlock hosts boot from pd-balanced/,
    );
    expect(hostProblems("h3-standard-88")[0]).toMatch(/^hosts\.machineType: is "h3-standard-88", which cannot live-migrate/);
  });

  it("exports each series' CPU architecture, in the images table's names", () => {
    expect(new Set(MACHINE_FAMILIES.map((f) => f.name)).size).toBe(MACHINE_FAMILIES.length);
    for (const family of MACHINE_FAMILIES) expect(TARGET_ARCHES).toContain(family.arch);
    expect(["c4a-standard-4", "t2a-standard-1", "n4a-standard-2", "a4x-highgpu-4g"].map(machineArch)).toEqual([
      "aarch64",
      "aarch64",
      "aarch64",
      "aarch64",
    ]);
    expect(["n2-standard-4", "a3-ultragpu-8g", "custom-4-8192", "ct5lp-hightpu-4t"].map(machineArch)).toEqual([
      "x86_64",
      "x86_64",
      "x86_64",
      "x86_64",
    ]);
    expect(machineArch("qq9-standard-4")).toBeUndefined();
  });

  it("says which VMs must stop for host maintenance: attached GPUs, GPU and TPU series, non-migrating series, bare metal", () => {
    expect(mustTerminateOnHostMaintenance("n1-standard-8", 1)).toBe(true);
    expect(mustTerminateOnHostMaintenance("n1-standard-8", 0)).toBe(false);
    expect(mustTerminateOnHostMaintenance("g2-standard-8", 0)).toBe(true);
    expect(mustTerminateOnHostMaintenance("c3-standard-192-metal", 0)).toBe(true);
    expect(mustTerminateOnHostMaintenance("e2-small", 0)).toBe(false);
  });
});
