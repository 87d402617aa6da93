import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { counterpartFamily } from "../config/image-arch";
import { IMAGE_FAMILIES } from "../config/images";
import { loadConfig } from "../config/load";
import { mainInProcess } from "./in-process-main";
import { synthRecord } from "../synth/record";
import { exampleVariant, refusals, ROOT } from "./config-support";

/**
 * Mistakes a first-time user makes, one class a row (issue 25): each is refused at the field it is in with a
 * fix, and the fix the message proposes, applied, is accepted (a did-you-mean that is refused is a bug).
 */
interface Mistake {
  readonly name: string;
  readonly edit: (c: any) => void;
  /** The one line the loader refuses it with. */
  readonly line: RegExp;
  /** Apply what the message proposes (the quoted values after "use" / "did you mean" / "add"). */
  readonly apply: (c: any, proposed: string[]) => void;
}

const set =
  (path: string[]) =>
  (c: any, [value]: string[]) => {
    const parent = path.slice(0, -1).reduce((o, k) => o[k], c);
    parent[path[path.length - 1]] = value;
  };

const MISTAKES: Mistake[] = [
  {
    name: "an Arm machine type with an x86 image (hosts)",
    edit: (c) => (
      (c.hosts.machineType = "t2a-standard-4"),
      (c.hosts.image = "ubuntu-os-cloud/ubuntu-2404-lts-amd64"),
      (c.hosts.publicImage = "debian-cloud/debian-12-arm64")
    ),
    line: /^hosts\.image: "ubuntu-os-cloud\/ubuntu-2404-lts-amd64" is an x86_64 \(Intel or AMD\) image, and hosts\.machineType "t2a-standard-4" is an Arm \(aarch64\) machine, which cannot boot it: use "ubuntu-os-cloud\/ubuntu-2404-lts-arm64"/,
    apply: set(["hosts", "image"]),
  },
  {
    name: "an x86 machine type with an Arm image (hosts)",
    edit: (c) => ((c.hosts.machineType = "n2-standard-4"), (c.hosts.image = "ubuntu-os-cloud/ubuntu-2404-lts-arm64")),
    line: /^hosts\.image: .* is an Arm \(aarch64\) image, and hosts\.machineType "n2-standard-4" is an x86_64 .*: use "ubuntu-os-cloud\/ubuntu-2404-lts-amd64"/,
    apply: set(["hosts", "image"]),
  },
  {
    name: "an Arm machine type with the x86 public image",
    edit: (c) => ((c.hosts.machineType = "t2a-standard-2"), (c.hosts.image = "debian-cloud/debian-12-arm64")),
    line: /^hosts\.publicImage: "debian-cloud\/debian-12" is an x86_64 .*: use "debian-cloud\/debian-12-arm64"/,
    apply: set(["hosts", "publicImage"]),
  },
  {
    name: "an Arm fleet with an x86 image of a dated release",
    edit: (c) =>
      (c.fleet = { name: "workers", machineType: "t2a-standard-8", image: "rocky-linux-cloud/rocky-linux-9-optimized-gcp-v20240110" }),
    line: /^fleet\.image: .* fleet\.machineType "t2a-standard-8" .*: use "rocky-linux-cloud\/rocky-linux-9-optimized-gcp-arm64"/,
    apply: set(["fleet", "image"]),
  },
  // An x86 release the table has no Arm image of (RHEL 10 today): the fix is the machine type's x86 twin.
  ...IMAGE_FAMILIES.filter((f) => f.target.arch === "x86_64" && !f.refused && !counterpartFamily(f, "aarch64"))
    .slice(0, 1)
    .map((f): Mistake => ({
      name: `an Arm fleet with ${f.family}, which has no Arm image`,
      edit: (c) => (c.fleet = { name: "workers", machineType: "t2a-standard-8", image: `${f.project}/${f.family}` }),
      line: /^fleet\.image: .* has no aarch64 image pip-airlock knows: use an x86_64 \(Intel or AMD\) machine type such as "t2d-standard-8" for fleet\.machineType$/,
      apply: set(["fleet", "machineType"]),
    })),
  {
    name: "mirror.packages without the Artifact Registry backend",
    edit: (c) => (c.mirror.packages = ["keyring", "requests"]),
    line: /^mirror\.packages: lacks "keyrings\.google-artifactregistry-auth", which the bootstrap installs .*: add "keyrings\.google-artifactregistry-auth" to the list/,
    apply: (c, proposed) => c.mirror.packages.push(...proposed),
  },
  {
    name: "mirror.packages without either helper",
    edit: (c) => (c.mirror.packages = ["requests"]),
    line: /^mirror\.packages: lacks "keyring" and "keyrings\.google-artifactregistry-auth"/,
    apply: (c, proposed) => c.mirror.packages.push(...proposed),
  },
  {
    name: "a misspelt time zone",
    edit: (c) => (c.mirror.scheduleTimeZone = "Europe/Berln"),
    line: /^mirror\.scheduleTimeZone: "Europe\/Berln" is no IANA time zone: did you mean "Europe\/Berlin"\?$/,
    apply: set(["mirror", "scheduleTimeZone"]),
  },
  {
    name: "a city without its area",
    edit: (c) => (c.mirror.scheduleTimeZone = "Tokyo"),
    line: /^mirror\.scheduleTimeZone: "Tokyo" is no IANA time zone: did you mean "Asia\/Tokyo"\?$/,
    apply: set(["mirror", "scheduleTimeZone"]),
  },
  {
    name: "a time zone in the wrong case",
    edit: (c) => (c.mirror.scheduleTimeZone = "europe/paris"),
    line: /^mirror\.scheduleTimeZone: "europe\/paris" is no IANA time zone: did you mean "Europe\/Paris"\?$/,
    apply: set(["mirror", "scheduleTimeZone"]),
  },
  {
    name: "a service account's email as a group",
    edit: (c) => (c.repositories.access = { private: { readers: ["group:ci@my-proj.iam.gserviceaccount.com"] } }),
    line: /^repositories\.access\.private\.readers\.0: "group:ci@my-proj\.iam\.gserviceaccount\.com" is a service account's email, not a group's: use "serviceAccount:ci@my-proj\.iam\.gserviceaccount\.com"$/,
    apply: set(["repositories", "access", "private", "readers", "0"]),
  },
  {
    name: "a member prefix in the wrong case",
    edit: (c) => (c.repositories.access = { private: { readers: ["ServiceAccount:ci@my-proj.iam.gserviceaccount.com"] } }),
    line: /^repositories\.access\.private\.readers\.0: .*: use "serviceAccount:ci@my-proj\.iam\.gserviceaccount\.com"$/,
    apply: set(["repositories", "access", "private", "readers", "0"]),
  },
  {
    name: "a bare email as a member",
    edit: (c) => (c.repositories.access = { private: { readers: ["ml-team@example.com"] } }),
    line: /^repositories\.access\.private\.readers\.0: "ml-team@example\.com" needs its kind: use "user:ml-team@example\.com" for a person, or "group:ml-team@example\.com"/,
    apply: set(["repositories", "access", "private", "readers", "0"]),
  },
  {
    name: "a Windows-style path",
    edit: (c) => (c.hosts.keyringVenv = "C:\\opt\\pip-airlock\\keyring"),
    line: /^hosts\.keyringVenv: "C:\\opt\\pip-airlock\\keyring" separates folders with "\\", and paths here separate them with "\/": use "\/opt\/pip-airlock\/keyring"$/,
    apply: set(["hosts", "keyringVenv"]),
  },
];

/** The values a message proposes: quoted after "use", "did you mean" or "add" (and those joined by "and"). */
function proposed(line: string): string[] {
  const fix = /(?:use|did you mean|add|such as) ("[^"]+"(?: and "[^"]+")*)/.exec(
    line.slice(line.indexOf(": ") + 2).replace(/^"[^"]*"/, ""),
  );
  return fix ? [...fix[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]) : [];
}

describe("every mistake of a class is refused at its field, with a fix that works", () => {
  it.each(MISTAKES.map((m) => [m.name, m] as const))("%s", (_name, mistake) => {
    const lines = refusals(exampleVariant(mistake.edit));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(mistake.line);
    const fix = proposed(lines[0]);
    expect(fix.length).toBeGreaterThan(0);
    expect(() => loadConfig(exampleVariant((c) => (mistake.edit(c), mistake.apply(c, fix))))).not.toThrow();
  });

  it("accepts what is right: matching architectures, custom images, real time zones and links, every member kind", () => {
    const ok = (edit: (c: any) => void) => expect(() => loadConfig(exampleVariant(edit))).not.toThrow();
    ok(
      (c) => (
        (c.hosts.machineType = "t2a-standard-4"),
        (c.hosts.image = "ubuntu-os-cloud/ubuntu-2404-lts-arm64"),
        (c.hosts.publicImage = "debian-cloud/debian-13-arm64")
      ),
    );
    ok(
      (c) => (
        (c.fleet = { name: "workers", machineType: "t2a-standard-4", image: "my-images/golden-2025" }),
        (c.mirror.targets = [{ python: "3.12.3", glibc: "2.39", arch: "aarch64" }])
      ),
    );
    for (const zone of ["Etc/UTC", "UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Asia/Calcutta", "Etc/GMT+5"])
      ok((c) => (c.mirror.scheduleTimeZone = zone));
    ok((c) => (c.mirror.packages = ["keyrings.google-artifactregistry-auth==1.1.2", "Keyring>=25", "requests"]));
    ok(
      (c) =>
        (c.repositories.access = {
          private: {
            readers: ["group:ml@example.com", "user:me@example.com", "serviceAccount:ci@p.iam.gserviceaccount.com", "domain:example.com"],
          },
        }),
    );
  });
});

describe("hints that name the fix the README documents", () => {
  it("a missing lock file: make it with recipes/make-lock.sh, not pip-compile (which cannot lock for several targets)", () => {
    expect(refusals(exampleVariant((c) => (c.mirror.lockFile = "helpers.lock")))).toEqual([
      'mirror.lockFile: cannot read "helpers.lock" next to the config file: make it with recipes/make-lock.sh (docs/configuration.md, Locks), or remove the key',
    ]);
  });

  it("a Windows-style lock path: use /", () => {
    expect(refusals(exampleVariant((c) => (c.mirror.lockFile = "locks\\helpers.lock")))).toEqual([
      'mirror.lockFile: "locks\\helpers.lock" separates folders with "\\", and paths here separate them with "/": use "locks/helpers.lock"',
    ]);
  });

  it("a trailing comma: remove it, at the line where it is", () => {
    const file = exampleVariant();
    writeFileSync(file, '{\n  "name": "airlock",\n  "hosts": { "machineType": "e2-small", },\n  "mode": "mirror"\n}\n');
    expect(refusals(file)).toEqual([
      "is not valid JSON: a trailing comma at line 3, column 39 (JSON allows none before a closing '}' or ']'): remove the trailing comma",
    ]);
    expect(path.basename(file)).toBe("config.json");
  });
});

describe("located right", () => {
  it('says "X replaces the recorded config" only after a synth succeeded: a refused config replaced nothing', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), "airlock-replaces-"));
    writeFileSync(path.join(outdir, "pip-airlock.json"), synthRecord(ROOT, path.join(ROOT, "config", "example.json"), ["airlock"]));
    const run = mainInProcess({
      AIRLOCK_CONFIG: exampleVariant((c) => (c.mirror.scheduleTimeZone = "Mars/Olympus")),
      CDKTF_OUTDIR: outdir,
    });
    expect(run.status).toBe(1);
    expect(run.stdout + run.stderr).toMatch(/nothing was synthesized/);
    expect(run.stdout + run.stderr).not.toMatch(/replaces/);
  });
});

describe("environments: a mistake said once, where it is in the file; null removes what the top level set", () => {
  const withEnvironments = (edit: (c: any) => void) =>
    exampleVariant((c) => {
      c.environments = { dev: {}, prod: { projectId: "airlock-prod" } };
      edit(c);
    });

  it("a top-level mistake every environment inherits: once, at its top-level path", () => {
    expect(refusals(withEnvironments((c) => (c.mirror.scheduleTimeZone = "Europe/Berln")))).toEqual([
      'mirror.scheduleTimeZone: "Europe/Berln" is no IANA time zone: did you mean "Europe/Berlin"?',
    ]);
  });

  it("a mistake in one environment's entry: at that entry's path", () => {
    expect(refusals(withEnvironments((c) => (c.environments.prod.mirror = { scheduleTimeZone: "Europe/Berln" })))).toEqual([
      'environments.prod.mirror.scheduleTimeZone: "Europe/Berln" is no IANA time zone: did you mean "Europe/Berlin"?',
    ]);
  });

  it("a top-level value wrong in one environment only (its machine type there): at that environment", () => {
    const lines = refusals(withEnvironments((c) => (c.environments.prod.hosts = { machineType: "t2a-standard-2" })));
    expect(lines).toEqual([
      expect.stringMatching(/^environments\.prod\.hosts\.image: "debian-cloud\/debian-12" is an x86_64/),
      expect.stringMatching(/^environments\.prod\.hosts\.publicImage: /),
    ]);
  });

  it('"fleet": null in an environment drops the top level\'s fleet; "stateBucket": null its state bucket', () => {
    const envs = loadConfig(
      withEnvironments((c) => {
        c.fleet = { name: "workers", size: 1 };
        c.stateBucket = { bucket: "acme-tf-state" };
        c.environments.dev = { fleet: null, stateBucket: null };
      }),
    );
    const byName = Object.fromEntries(envs.map((e) => [e.name, e.config]));
    expect(byName.dev.fleet).toBeUndefined();
    expect(byName.dev.stateBucket).toBeUndefined();
    expect(byName.prod.fleet?.name).toBe("workers");
    expect(byName.prod.stateBucket?.bucket).toBe("acme-tf-state");
  });
});
