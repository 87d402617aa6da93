// Every image did-you-mean keeps what its writer meant (the same release, the CPU of the machine type, the
// family's own project), is said once, never next to a contradicting line, and is itself accepted when applied.
import { loadConfig } from "../config/load";
import { suggestImage } from "../config/images";
import { ConfigError } from "../config/load";
import { exampleVariant } from "./config-support";

type Edit = (c: any, value: string) => void;
const at: Record<string, Edit> = {
  "hosts.image": (c, v) => (c.hosts.image = v),
  "hosts.publicImage": (c, v) => (c.hosts.publicImage = v),
  "fleet.image (x86)": (c, v) => (c.fleet = { name: "workers", size: 1, machineType: "n2-standard-4", image: v }),
  "fleet.image (Arm)": (c, v) => (c.fleet = { name: "workers", size: 1, machineType: "t2a-standard-4", image: v }),
  "mirror.targets.0": (c, v) => (c.mirror.targets = [v]),
};
const fieldOf = (where: string) => where.replace(/ \(.*\)$/, "");

function problemsOf(file: string): string[] {
  try {
    loadConfig(file);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

const cases: Array<[string, string, string | undefined]> = [
  ["hosts.image", "ubuntu-os-cloud/ubuntu-2404-lts", "ubuntu-os-cloud/ubuntu-2404-lts-amd64"],
  ["fleet.image (x86)", "ubuntu-os-cloud/ubuntu-2404-lts", "ubuntu-os-cloud/ubuntu-2404-lts-amd64"],
  ["fleet.image (Arm)", "ubuntu-os-cloud/ubuntu-2404-lts", "ubuntu-os-cloud/ubuntu-2404-lts-arm64"],
  ["hosts.image", "ubuntu-2404-lts", "ubuntu-os-cloud/ubuntu-2404-lts-amd64"],
  ["hosts.image", "rocky-linux-9", "rocky-linux-cloud/rocky-linux-9"],
  ["fleet.image (Arm)", "rocky-linux-9-arm64", "rocky-linux-cloud/rocky-linux-9-arm64"],
  ["hosts.image", "debian-cloud/debian13", "debian-cloud/debian-13"],
  ["hosts.image", "debian-cloud/debian-12-amd64", "debian-cloud/debian-12"],
  ["fleet.image (Arm)", "debian-cloud/debian-13", undefined], // known: not refused here (the machine/image check is config/machine-types')
  ["hosts.image", "ubuntu-os-cloud/ubuntu-2604-lts", "ubuntu-os-cloud/ubuntu-2604-lts-amd64"],
  ["hosts.image", "ubuntu-os-cloud/ubuntu-minimal-2604-lts", "ubuntu-os-cloud/ubuntu-minimal-2604-lts-amd64"],
  ["hosts.image", "ubuntu-os-cloud/ubuntu-2404-lts-amd", "ubuntu-os-cloud/ubuntu-2404-lts-amd64"],
  ["fleet.image (Arm)", "ubuntu-2604-lts-arm64", "ubuntu-os-cloud/ubuntu-2604-lts-arm64"],
  ["hosts.publicImage", "debian-12", "debian-cloud/debian-12"],
  ["mirror.targets.0", "ubuntu-2204-lts", "ubuntu-os-cloud/ubuntu-2204-lts"],
  ["mirror.targets.0", "rocky-linux-cloud/rocky-linux-10-arm", "rocky-linux-cloud/rocky-linux-10-arm64"],
];

describe("image did-you-means", () => {
  it.each(cases)("%s %s: did you mean %s", (where, given, expected) => {
    const field = fieldOf(where);
    const problems = problemsOf(exampleVariant((c) => at[where](c, given))).filter((p) => p.startsWith(`${field}:`));
    if (expected === undefined) {
      expect(problems.filter((p) => p.includes("did you mean"))).toEqual([]);
      return;
    }
    // One message about the value, naming the hint, with no "custom image" line beside it.
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`did you mean "${expected}"`);
    expect(problems.join("\n")).not.toMatch(/custom image/);
    // The hint, applied, is accepted (and so is the Arm alternative a format refusal names, on an Arm machine type).
    expect(problemsOf(exampleVariant((c) => at[where](c, expected))).filter((p) => p.startsWith(`${field}:`))).toEqual([]);
    const arm = /or "([^"]+)" on an Arm machine type/.exec(problems[0]);
    if (arm)
      expect(problemsOf(exampleVariant((c) => at["fleet.image (Arm)"](c, arm[1]))).filter((p) => p.startsWith("fleet.image:"))).toEqual([]);
  });

  it("never proposes another release: an unknown one gets the list, no guess", () => {
    expect(suggestImage("ubuntu-os-cloud/ubuntu-2804-lts")).toBeUndefined();
    expect(suggestImage("ubuntu-os-cloud/ubuntu-2404-lts")).toBe("ubuntu-os-cloud/ubuntu-2404-lts-amd64");
    const [problem] = problemsOf(exampleVariant((c) => (c.hosts.image = "ubuntu-os-cloud/ubuntu-2804-lts"))).filter((p) =>
      p.startsWith("hosts.image:"),
    );
    expect(problem).not.toContain("did you mean");
    expect(problem).toContain("ubuntu-os-cloud/ubuntu-2404-lts-amd64");
  });

  it("every hint the loader prints for a refused image is accepted by the loader", () => {
    let hints = 0;
    const wrongs = [
      "ubuntu-2204-lts-arm64",
      "ubuntu-os-cloud/ubuntu-2204",
      "rhel-cloud/rhel10",
      "rhel-10",
      "debian-13-arm64",
      "ubuntu-minimal-2404-lts",
      "rocky-linux-cloud/rocky-linux-9-optimized",
    ];
    for (const where of Object.keys(at)) {
      for (const wrong of wrongs) {
        const field = fieldOf(where);
        for (const problem of problemsOf(exampleVariant((c) => at[where](c, wrong))).filter((p) => p.startsWith(`${field}:`))) {
          const armAlternative = /or "([^"]+)" on an Arm machine type/.exec(problem)?.[1];
          for (const [, meant] of problem.matchAll(/did you mean "([^"]+)"/g)) {
            const hint = where.includes("(Arm)") && armAlternative ? armAlternative : meant;
            hints++;
            // A format hint keeps the CPU the value names (the field cannot see the machine type): on another CPU's
            // machine that is the machine/image check's own refusal, not the hint's.
            const namesCpu = /-(arm64|amd64)$/.test(wrong);
            const after = problemsOf(exampleVariant((c) => at[where](c, hint))).filter(
              (p) => p.startsWith(`${field}:`) && !(namesCpu && p.includes("cannot boot it")),
            );
            expect({ where, wrong, hint, after }).toEqual({ where, wrong, hint, after: [] });
          }
        }
      }
    }
    expect(hints).toBeGreaterThan(20);
  });
});
