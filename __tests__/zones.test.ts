// Zones are checked against Compute Engine's regions (config/zones.ts); what no table here knows (a new
// region, a custom image) is said as a note on every synth, never silently accepted.
import { mkdtempSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { loadConfig } from "../config/load";
import { REGION_ZONES } from "../config/zones";
import { synthesize } from "../synth/synthesize";
import { ASSETS, EXAMPLE_CONFIG, exampleVariant as configWith, refusals as problems } from "./config-support";

const DIR = mkdtempSync(path.join(tmpdir(), "airlock-zones-"));

describe("zones", () => {
  it("europe-west1-a does not exist (the region has b, c, d): refused with the region's zones", () => {
    expect(problems(configWith((c) => ((c.region = "europe-west1"), (c.zone = "europe-west1-a"))))).toEqual([
      'zone: is no zone of europe-west1, whose zones are "europe-west1-b", "europe-west1-c", "europe-west1-d": use one of them',
    ]);
    expect(problems(configWith((c) => ((c.region = "us-east1"), (c.zone = "us-east1-a"))))[0]).toContain(
      '"us-east1-b", "us-east1-c", "us-east1-d"',
    );
  });

  it("every zone of the table is accepted", () => {
    for (const [region, letters] of Object.entries(REGION_ZONES)) {
      for (const letter of letters)
        expect(loadConfig(configWith((c) => ((c.region = region), (c.zone = `${region}-${letter}`))))[0].config.zone).toBe(
          `${region}-${letter}`,
        );
    }
  });

  it("a region the table does not know is a note on the synth, not silence (and not a refusal)", () => {
    const file = configWith((c) => ((c.region = "mars-north1"), (c.zone = "mars-north1-a")));
    const notes: string[] = [];
    synthesize({ configFile: file, outdir: path.join(DIR, "out-region"), assetsDir: ASSETS, onNote: (n) => notes.push(n) });
    expect(notes).toContain(
      'region: region "mars-north1" is not one pip-airlock knows (config/zones.ts, from Compute Engine\'s list of regions): check its name and that zone exists there',
    );
  });

  it("a custom image is a note naming what the mirror serves it", () => {
    const file = configWith(
      (c) => (
        (c.hosts.image = "projects/acme-images/global/images/family/golden"),
        (c.mirror.targets = [{ python: "3.11", glibc: "2.36", arch: "x86_64" }])
      ),
    );
    const [env] = loadConfig(file);
    expect(env.notes).toEqual([
      'hosts.image: "projects/acme-images/global/images/family/golden" is a custom image: its VMs get what mirror.targets declares (CPython 3.11, glibc 2.36, x86_64); make sure that is what it runs',
    ]);
    expect(loadConfig(EXAMPLE_CONFIG)[0].notes).toEqual([]);
  });
});
