// What the mirror serves is derived from the images of the VMs that run the bootstrap: the table of
// known image families, the targets derived from a config, and every contradiction refused with its fix.
import * as path from "path";
import { loadConfig } from "../config/load";
import { IMAGE_FAMILIES, lookupImage, platformsFor } from "../config/images";
import { mirrorView } from "../startup-script/config-views";
import {
  buildStack,
  carriedSettings,
  exampleVariant as withChange,
  FIXTURES,
  hostByRole,
  refusals as problems,
  synthJson,
} from "./support";

function targetsOf(file: string): string[] {
  return loadConfig(file)[0].config.mirror.targets.map((t) => `${t.python} ${t.glibc} ${t.arch} <- ${t.declaredBy.join(", ")}`);
}

describe("the image table", () => {
  const usable = IMAGE_FAMILIES.filter((f) => !f.refused);
  const expected: Record<string, [string, string]> = {
    "debian-12": ["3.11", "2.36"],
    "debian-13": ["3.13", "2.41"],
    "ubuntu-2204": ["3.10", "2.35"],
    "ubuntu-2404": ["3.12", "2.39"],
    "ubuntu-2604": ["3.14", "2.43"],
    "rhel-9": ["3.9", "2.34"],
    "rhel-10": ["3.12", "2.39"],
  };

  it("knows at least Debian 12 and 13, Ubuntu 22.04, 24.04 and 26.04, Rocky/RHEL 9 and 10, each on x86_64 and arm64", () => {
    for (const [os, [python, glibc]] of Object.entries(expected)) {
      const families = usable.filter((f) => f.osKey === os);
      expect(families.length).toBeGreaterThan(0);
      for (const f of families) expect([f.target.python.split(".").slice(0, 2).join("."), f.target.glibc]).toEqual([python, glibc]);
    }
    for (const os of ["debian-12", "debian-13", "ubuntu-2204", "ubuntu-2404", "ubuntu-2604", "rhel-9", "rhel-10"]) {
      expect(
        usable
          .filter((f) => f.osKey === os)
          .map((f) => f.target.arch)
          .sort(),
      ).toEqual(expect.arrayContaining(["aarch64", "x86_64"]));
    }
    // Ubuntu 26.04: its four GCE families, each a family name and a dated image of it.
    for (const name of [
      "ubuntu-2604-lts-amd64",
      "ubuntu-2604-lts-arm64",
      "ubuntu-minimal-2604-lts-amd64",
      "ubuntu-minimal-2604-lts-arm64",
    ]) {
      const found = lookupImage(`ubuntu-os-cloud/${name}`);
      expect(found).toMatchObject({ kind: "known", family: { family: name, target: { python: "3.14", glibc: "2.43" } } });
      if (found.kind !== "known") continue;
      expect(lookupImage(`ubuntu-os-cloud/${found.family.imageStem}20260601`)).toMatchObject({ kind: "known", family: { family: name } });
    }
  });

  it.each(usable.map((f) => [`${f.project}/${f.family}`, f] as const))(
    "%s: derived as the private host's target, with the tags of its glibc and CPU",
    (image, family) => {
      // An Arm image boots on an Arm machine type, with the public host's Debian for Arm.
      const arm = family.target.arch === "aarch64" ? { machineType: "t2a-standard-1", publicImage: "debian-cloud/debian-12-arm64" } : {};
      const file = withChange((c) => (c.hosts = { ...c.hosts, ...arm, image }));
      const [target] = loadConfig(file)[0].config.mirror.targets;
      expect(target).toMatchObject({ ...family.target, declaredBy: ["hosts.image"] });
      const minor = Number(family.target.glibc.split(".")[1]);
      expect(target.platforms[0]).toBe(`manylinux_2_${minor}_${family.target.arch}`);
      expect(target.platforms).toContain(`manylinux2014_${family.target.arch}`);
      expect(target.platforms).not.toContain(`manylinux_2_${minor + 1}_${family.target.arch}`);
      expect(target.platforms.every((p) => p.endsWith(family.target.arch))).toBe(true);
      // The mirror downloads for exactly that CPython and those tags.
      const view = mirrorView(
        loadConfig(file)[0].config,
        {
          arHost: "h",
          helpersIndexUrl: "https://h/p/r/simple/",
          helpersUploadUrl: "https://h/p/r/",
          pipIndexUrl: "https://oauth2accesstoken@h/p/x/simple/",
          uploadRepoUrl: "https://h/p/x/",
        },
        "",
      );
      expect(view.targets).toEqual([`${family.target.python}:${family.target.arch}:${target.platforms.join(",")}`]);
    },
  );

  it("finds a family by its family name, by a dated image of it, and in GCE's long forms", () => {
    expect(lookupImage("debian-cloud/debian-12")).toMatchObject({ kind: "known", family: { family: "debian-12" } });
    expect(lookupImage("debian-cloud/debian-12-bookworm-v20240110")).toMatchObject({ kind: "known", family: { family: "debian-12" } });
    expect(lookupImage("debian-cloud/debian-12-bookworm-arm64-v20240110")).toMatchObject({
      kind: "known",
      family: { family: "debian-12-arm64" },
    });
    expect(lookupImage("projects/rocky-linux-cloud/global/images/family/rocky-linux-9")).toMatchObject({
      kind: "known",
      family: { os: "Rocky Linux 9" },
    });
    expect(
      lookupImage("https://www.googleapis.com/compute/v1/projects/ubuntu-os-cloud/global/images/ubuntu-2404-noble-amd64-v20250110"),
    ).toMatchObject({ kind: "known", family: { family: "ubuntu-2404-lts-amd64" } });
    expect(lookupImage("debian-cloud/debian13")).toMatchObject({ kind: "misspelt" });
    expect(lookupImage("projects/acme-images/global/images/family/golden")).toEqual({ kind: "custom" });
  });

  it("lists manylinux tags newest first, down to manylinux_2_17 and manylinux2014", () => {
    expect(platformsFor({ glibc: "2.19", arch: "aarch64" })).toEqual([
      "manylinux_2_19_aarch64",
      "manylinux_2_18_aarch64",
      "manylinux_2_17_aarch64",
      "manylinux2014_aarch64",
    ]);
  });
});

describe("targets derived from the stack's VMs and mirror.targets", () => {
  it("a Debian 13 private host, an Ubuntu 24.04 fleet and a declared Rocky 9: three targets, the public host on Debian 12 (mixed-estate.json)", () => {
    const file = path.join(FIXTURES, "mixed-estate.json");
    expect(targetsOf(file)).toEqual([
      "3.13.5 2.41 x86_64 <- hosts.image",
      "3.12.3 2.39 x86_64 <- fleet.image",
      "3.9.21 2.34 x86_64 <- mirror.targets.0",
    ]);
    const [env] = loadConfig(file);
    const { stack } = buildStack(env.config);
    const json = synthJson(stack);
    const image = (role: "mirror" | "bootstrap") => hostByRole(json, role).boot_disk.initialize_params.image;
    expect(image("mirror")).toBe("debian-cloud/debian-12");
    expect(image("bootstrap")).toBe("debian-cloud/debian-13");
    expect(Object.values(json.resource.google_compute_instance_template as Record<string, any>)[0].disk[0].source_image).toBe(
      "ubuntu-os-cloud/ubuntu-2404-lts-amd64",
    );
    // Each target downloads with its own tags: Rocky 9 (glibc 2.34) never gets manylinux_2_39 for Ubuntu's sake.
    const targets: string[] = carriedSettings(stack.mirrorScript!).TARGETS;
    const tags = Object.fromEntries(targets.map((t) => [t.split(":")[0], t.split(":")[2].split(",")]));
    expect(Object.keys(tags)).toEqual(["3.13.5", "3.12.3", "3.9.21"]);
    expect(tags["3.9.21"][0]).toBe("manylinux_2_34_x86_64");
    expect(tags["3.9.21"]).not.toContain("manylinux_2_39_x86_64");
    expect(tags["3.12.3"][0]).toBe("manylinux_2_39_x86_64");
    expect(tags["3.13.5"][0]).toBe("manylinux_2_41_x86_64");
    expect(json.output!.mirror_targets.value).toEqual([
      "CPython 3.13.5, glibc 2.41, x86_64 (hosts.image)",
      "CPython 3.12.3, glibc 2.39, x86_64 (fleet.image)",
      "CPython 3.9.21, glibc 2.34, x86_64 (mirror.targets.0)",
    ]);
    // The mirror names each bundle by its target; the bootstrap names none: a host finds its own among those the
    // signed set names, so the script stays the same when a target is added (see the next test).
    expect(carriedSettings(stack.mirrorScript!).MIRRORED_TARGETS).toEqual([
      "3.13.5:x86_64:2.41",
      "3.12.3:x86_64:2.39",
      "3.9.21:x86_64:2.34",
    ]);
    expect(carriedSettings(stack.bootstrapScript).MIRRORED_TARGETS).toEqual([]);
  });

  it("another team's target changes the mirror's script, never the bootstrap's (the VMs running it stay as they are)", () => {
    const before = buildStack(loadConfig(withChange())[0].config).stack;
    const after = buildStack(loadConfig(withChange((c) => (c.mirror.targets = ["rocky-linux-cloud/rocky-linux-9"])))[0].config).stack;
    expect(after.mirrorScript).not.toBe(before.mirrorScript);
    expect(after.bootstrapScript).toBe(before.bootstrapScript);
  });

  it("deduplicates: a fleet on the private host's image and the same image declared add no target", () => {
    const file = withChange(
      (c) => (
        (c.fleet = { name: "workers", image: "debian-cloud/debian-12" }),
        (c.mirror.targets = ["debian-cloud/debian-12-bookworm-v20250101"])
      ),
    );
    expect(targetsOf(file)).toEqual(["3.11.2 2.36 x86_64 <- hosts.image, fleet.image, mirror.targets.0"]);
  });

  it("a custom image declares what it runs", () => {
    const file = withChange(
      (c) => (
        (c.hosts.image = "projects/acme-images/global/images/family/golden"),
        (c.mirror.targets = [{ python: "3.11.4", glibc: "2.36", arch: "x86_64" }])
      ),
    );
    expect(targetsOf(file)).toEqual(["3.11.4 2.36 x86_64 <- mirror.targets.0"]);
  });

  it("no VM in the stack: mirror.targets names them; the older pythonVersions/targetImage still can", () => {
    const none = (c: any) => (c.hosts.createPrivateHost = false);
    expect(targetsOf(withChange((c) => (none(c), (c.mirror.targets = ["ubuntu-os-cloud/ubuntu-2204-lts"]))))).toEqual([
      "3.10.12 2.35 x86_64 <- mirror.targets.0",
    ]);
    expect(targetsOf(withChange((c) => (none(c), (c.mirror.targetImage = "debian-13"))))).toEqual([
      "3.13.5 2.41 x86_64 <- mirror.targetImage",
    ]);
    expect(problems(withChange(none))).toEqual([
      'mirror.targets: is required: the stack creates no VM (hosts.createPrivateHost is false, no fleet), so nothing says what the VMs that run the bootstrap run: list their images, e.g. ["debian-cloud/debian-12"], or { "python": "3.11", "glibc": "2.36", "arch": "x86_64" }',
    ]);
  });

  it("remote mode needs no targets (the remote repository serves PyPI as is)", () => {
    const file = path.join(FIXTURES, "repositories-only.json");
    expect(loadConfig(file)[0].config.mirror.targets).toEqual([]);
  });
});

describe("contradictions and unknown images are refused with the field and the fix", () => {
  const cases: Array<[string, (c: any) => void, string]> = [
    [
      "targetImage against the private host's image",
      (c) => ((c.hosts.image = "debian-cloud/debian-13"), (c.mirror.targetImage = "debian-12")),
      'mirror.targetImage: "debian-12" contradicts hosts.image "debian-cloud/debian-13" (Debian 13): remove mirror.targetImage (the mirror follows the VMs\' images)',
    ],
    [
      "pythonVersions leaving out the private host's Python",
      (c) => ((c.hosts.image = "debian-cloud/debian-13"), (c.mirror.pythonVersions = ["3.11"])),
      'mirror.pythonVersions: leaves out CPython 3.13 of hosts.image "debian-cloud/debian-13" (Debian 13): remove mirror.pythonVersions (the mirror follows the VMs\' images)',
    ],
    [
      "pythonVersions against targetImage",
      (c) => ((c.hosts.createPrivateHost = false), (c.mirror.targetImage = "debian-13"), (c.mirror.pythonVersions = ["3.11"])),
      'mirror.pythonVersions: "3.11" contradicts mirror.targetImage "debian-13" (Debian 13 runs CPython 3.13): declare other Pythons in mirror.targets, e.g. { "python": "3.11", "glibc": "2.41", "arch": "x86_64" }',
    ],
    [
      "a Python no VM runs",
      (c) => (c.mirror.pythonVersions = ["3.11", "3.12"]),
      'mirror.pythonVersions: "3.12" is no CPython of the stack\'s VMs (hosts.image: CPython 3.11.2, glibc 2.36, x86_64): declare the VMs outside the stack that run it in mirror.targets, e.g. { "python": "3.12", "glibc": "2.36", "arch": "x86_64" }, and remove mirror.pythonVersions',
    ],
    [
      "targetArch against an arm64 fleet",
      (c) => (
        (c.fleet = { name: "workers", image: "debian-cloud/debian-12-arm64", machineType: "t2a-standard-4" }),
        (c.mirror.targetArch = "x86_64")
      ),
      'mirror.targetArch: "x86_64" contradicts fleet.image "debian-cloud/debian-12-arm64" (aarch64): remove mirror.targetArch (the mirror follows the VMs\' images)',
    ],
    [
      "a misspelt public image",
      (c) => (c.hosts.image = "debian-cloud/debian13"),
      'hosts.image: "debian-cloud/debian13" is no image family of debian-cloud that pip-airlock knows: did you mean "debian-cloud/debian-13"? (known: debian-cloud/debian-12, debian-cloud/debian-12-arm64, debian-cloud/debian-13, debian-cloud/debian-13-arm64)',
    ],
    [
      "a custom image without a declared target",
      (c) => (c.fleet = { name: "workers", image: "projects/acme-images/global/images/family/golden" }),
      'fleet.image: "projects/acme-images/global/images/family/golden" is a custom image (no public image family pip-airlock knows), so nothing says which CPython and glibc it runs: declare them in mirror.targets, e.g. { "python": "3.11", "glibc": "2.36", "arch": "x86_64" }',
    ],
    [
      "a custom image named in mirror.targets",
      (c) => (c.mirror.targets = ["projects/acme-images/global/images/family/golden"]),
      'mirror.targets.0: "projects/acme-images/global/images/family/golden" is not an image family pip-airlock knows: for a custom image, say what it runs, e.g. { "python": "3.11", "glibc": "2.36", "arch": "x86_64" }',
    ],
    [
      "an end-of-life Debian",
      (c) => (c.hosts.image = "debian-cloud/debian-11"),
      'hosts.image: "debian-cloud/debian-11" (Debian 11) is refused: Debian 11 reached the end of its long-term support on 2026-08-31 and gets no security updates: use debian-cloud/debian-12 or debian-cloud/debian-13',
    ],
    [
      "an EL 8 target, whose python3 is 3.6",
      (c) => (c.mirror.targets = ["rocky-linux-cloud/rocky-linux-8"]),
      'mirror.targets.0: "rocky-linux-cloud/rocky-linux-8" (Rocky Linux 8) is refused: its system python3 is CPython 3.6, which keyring and pip dropped long ago (they need >= 3.9): use a RHEL or Rocky Linux 9 image',
    ],
    [
      "an explicit target on a Python keyring dropped",
      (c) => (c.mirror.targets = [{ python: "3.8", glibc: "2.31", arch: "x86_64" }]),
      'mirror.targets.0.python: must be a CPython version >= 3.9 such as "3.11" or "3.11.2"',
    ],
    [
      "a non-Debian public host",
      (c) => (c.hosts.publicImage = "rocky-linux-cloud/rocky-linux-9"),
      'hosts.publicImage: "rocky-linux-cloud/rocky-linux-9": the public host runs the mirror, which installs its tools with apt on Debian 12 or 13: use "debian-cloud/debian-12" or "debian-cloud/debian-13" (the private side\'s images are hosts.image, fleet.image and mirror.targets)',
    ],
    [
      "one platform list for targets of different glibc",
      (c) => ((c.fleet = { name: "workers", image: "rocky-linux-cloud/rocky-linux-9" }), (c.mirror.platforms = ["manylinux_2_17_x86_64"])),
      "mirror.platforms: applies one tag list to every target, and the targets differ (glibc 2.36 x86_64; glibc 2.34 x86_64): remove it, each target then gets the tags of its own glibc and CPU",
    ],
  ];
  it.each(cases)("%s", (_what, edit, message) => {
    expect(problems(withChange(edit))).toEqual([message]);
  });

  it("a Rocky private host is fine: only the public host must be Debian", () => {
    expect(targetsOf(withChange((c) => (c.hosts.image = "rocky-linux-cloud/rocky-linux-9-optimized-gcp")))).toEqual([
      "3.9.21 2.34 x86_64 <- hosts.image",
    ]);
  });

  it("remote mode ignores the public image (no public host)", () => {
    expect(() =>
      loadConfig(withChange((c) => ((c.mode = "remote"), (c.hosts.publicImage = "rocky-linux-cloud/rocky-linux-9")))),
    ).not.toThrow();
  });
});
