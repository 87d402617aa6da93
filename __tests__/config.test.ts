import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { loadConfig, mergeOverrides } from "../config/load";
import { machineArch } from "../config/machine-types";
import { completeLock, EXAMPLE_CONFIG, refusals as problems } from "./config-support";

const example = JSON.parse(readFileSync(EXAMPLE_CONFIG, "utf8"));
const dir = mkdtempSync(path.join(tmpdir(), "airlock-config-"));

/** Write `content` (an object, or raw text) as a config file and return its path. */
function configFile(content: unknown, name = "config.json"): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

function withChange(change: (c: any) => void): any {
  const copy = structuredClone(example);
  change(copy);
  return copy;
}

describe("config validation", () => {
  it("accepts the example and fills defaults", () => {
    const [env] = loadConfig(EXAMPLE_CONFIG);
    expect(env.name).toBe("airlock");
    expect(env.config.repositories.remote).toBe("pypi-remote");
    expect(env.config.mirror.targets.map((t) => `${t.python} ${t.glibc} ${t.arch} ${t.declaredBy.join(",")}`)).toEqual([
      "3.11.2 2.36 x86_64 hosts.image",
    ]);
    expect(env.lockContent).toBe("");
  });

  it("derives the wheel platform tags from the private host's image: every manylinux tag up to its glibc", () => {
    const [debian] = loadConfig(EXAMPLE_CONFIG);
    const [platforms] = debian.config.mirror.targets.map((t) => t.platforms);
    // cryptography 50 ships manylinux_2_34 only: the Debian 12 default must include it.
    expect(platforms).toContain("manylinux_2_34_x86_64");
    expect(platforms[0]).toBe("manylinux_2_36_x86_64");
    expect(platforms).toHaveLength(36 - 17 + 2);
    expect(platforms).not.toContain("manylinux_2_37_x86_64");
    const [arm] = loadConfig(
      configFile(
        withChange(
          (c) => (
            (c.hosts.image = "debian-cloud/debian-12-arm64"),
            (c.hosts.publicImage = "debian-cloud/debian-12-arm64"),
            (c.hosts.machineType = "t2a-standard-1")
          ),
        ),
      ),
    );
    expect(arm.config.mirror.targets[0].platforms).toEqual([
      ...Array.from({ length: 20 }, (_, i) => `manylinux_2_${36 - i}_aarch64`),
      "manylinux2014_aarch64",
    ]);
    const [explicit] = loadConfig(configFile(withChange((c) => (c.mirror.platforms = ["manylinux_2_17_x86_64"]))));
    expect(explicit.config.mirror.targets[0].platforms).toEqual(["manylinux_2_17_x86_64"]);
    expect(problems(configFile(withChange((c) => (c.mirror.targetImage = "windows"))))[0]).toMatch(
      /^mirror\.targetImage: must be one of "debian-11", "debian-12"/,
    );
  });

  it("fills every default for a minimal config", () => {
    const [env] = loadConfig(
      configFile({
        projectId: "my-proj-42",
        region: "europe-west4",
        zone: "europe-west4-b",
        networks: { public: { name: "pub", subnetCidr: "10.1.0.0/24" }, private: { name: "priv", subnetCidr: "10.2.0.0/24" } },
        repositories: {},
        hosts: {},
      }),
    );
    expect(env.config.mode).toBe("mirror");
    expect(env.config.networks.private.googleApis).toBe("private");
    expect(env.config.mirror.packages).toEqual(["keyring", "keyrings.google-artifactregistry-auth"]);
    expect(env.config.hosts.machineType).toBe("e2-small");
    expect(env.config.retries).toEqual({ maxAttempts: 8, maxBackoffSeconds: 30, waitAttempts: 32 });
    // Mirror mode signs with a software key at version 1 and checks what it mirrors by default.
    expect(env.config.mirror.signing).toEqual({
      keyRing: "pip-airlock-signing",
      key: "mirror-signing",
      protectionLevel: "SOFTWARE",
      keyVersion: 1,
    });
    expect(env.config.mirror.policy).toEqual({
      minReleaseAgeDays: 7,
      ageExempt: [],
      vulnerabilities: "refuse",
      waivers: [],
      provenance: "refuse-changed",
      publishers: {},
    });
  });

  // [what is wrong, the change, the field path, a word of the fix]
  const table: Array<[string, (c: any) => void, string, RegExp]> = [
    ["bad project id", (c) => (c.projectId = "My_Project"), "projectId", /6-30 lowercase letters/],
    ["project id too short", (c) => (c.projectId = "abc"), "projectId", /6-30/],
    ["bad region", (c) => (c.region = "us central"), "region", /"us-central1"/],
    ["zone outside region", (c) => (c.zone = "europe-west4-a"), "zone", /zone of region "us-central1"/],
    ["unknown mode", (c) => (c.mode = "proxy"), "mode", /"mirror", "remote"/],
    ["CIDR that is not a CIDR", (c) => (c.networks.public.subnetCidr = "10.10.0.0"), "networks.public.subnetCidr", /IPv4 CIDR/],
    ["CIDR octet out of range", (c) => (c.networks.public.subnetCidr = "10.300.0.0/24"), "networks.public.subnetCidr", /IPv4 CIDR/],
    [
      "CIDR with host bits",
      (c) => (c.networks.private.subnetCidr = "10.20.0.5/24"),
      "networks.private.subnetCidr",
      /use the network address "10.20.0.0\/24"/,
    ],
    ["CIDR too small", (c) => (c.networks.private.subnetCidr = "10.20.0.0/30"), "networks.private.subnetCidr", /\/8 to \/29/],
    [
      "overlapping networks",
      (c) => (c.networks.private.subnetCidr = "10.10.0.128/25"),
      "networks.private.subnetCidr",
      /overlaps networks.public.subnetCidr/,
    ],
    ["repo id AR rejects (uppercase)", (c) => (c.repositories.auth = "Pip_Auth"), "repositories.auth", /Artifact Registry repository id/],
    ["repo id ending in hyphen", (c) => (c.repositories.private = "my-repo-"), "repositories.private", /not ending with a hyphen/],
    ["repo ids that collide", (c) => (c.repositories.private = "pip-auth-repo"), "repositories.private", /repeats the id "pip-auth-repo"/],
    ["misspelt key at the top", (c) => (c.projectID = "x"), "projectID", /unknown key: did you mean "projectId"\?$/],
    ["misspelt nested key", (c) => (c.mirror.package = ["keyring"]), "mirror.package", /unknown key: did you mean "packages"\?$/],
    ["unknown key like no other", (c) => (c.colour = "blue"), "colour", /unknown key: remove it or check its spelling$/],
    ["a list where an object goes", (c) => (c.hosts = []), "hosts", /must be an object$/],
    ["a string where a list goes", (c) => (c.mirror.packages = "keyring"), "mirror.packages", /must be an array \(a list in \[ \]\)$/],
    ["labels that are a list", (c) => (c.labels = ["a"]), "labels", /must be an object$/],
    [
      "more labels than Google allows",
      (c) => (c.labels = Object.fromEntries(Array.from({ length: 62 }, (_, i) => [`l${i}`, "v"]))),
      "labels",
      /at most 61 labels: Google allows 64 per resource and pip-airlock adds managed-by, airlock-env, airlock-role/,
    ],
    ["a label pip-airlock sets", (c) => (c.labels = { "managed-by": "me" }), "labels", /must not set managed-by/],
    [
      "absolute lock path",
      (c) => (c.mirror.lockFile = "/etc/passwd"),
      "mirror.lockFile",
      /relative to the config file's folder, not an absolute path/,
    ],
    ["bucket given as a gs:// URL", (c) => (c.stateBucket = { bucket: "gs://tf-state" }), "stateBucket.bucket", /drop "gs:\/\/"/],
    [
      "machine type that cannot exist",
      (c) => (c.hosts.machineType = "e2-smal"),
      "hosts.machineType",
      /machine type such as "e2-small", "n2-standard-4"/,
    ],
    [
      "a created VPC without a subnet range",
      (c) => delete c.networks.private.subnetCidr,
      "networks.private.subnetCidr",
      /is required when the stack creates the VPC: add a range, or name an existing subnet in networks\.private\.existing/,
    ],
    [
      "a subnet range for an existing VPC",
      (c) => (c.networks.public.existing = { subnet: "edge" }),
      "networks.public.subnetCidr",
      /does not apply to an existing VPC/,
    ],
    [
      "manage on a VPC the stack creates",
      (c) => (c.networks.private.manage = { egressRules: false }),
      "networks.private.manage",
      /applies to an existing VPC only/,
    ],
    [
      "external DNS on a VPC the stack creates",
      (c) => (c.networks.private.dns = "external"),
      "networks.private.dns",
      /"external" applies to an existing VPC only: .*Use "zones" or "response-policy"/,
    ],
    [
      "a name prefix Compute Engine refuses",
      (c) => (c.networks.private.namePrefix = "Team_A"),
      "networks.private.namePrefix",
      /must be lowercase letters, digits or hyphens, starting with a letter, not ending with a hyphen/,
    ],
    [
      "a VPC name too long for its rules' names",
      (c) => (c.networks.private.name = "a".repeat(46)),
      "networks.private.name",
      /makes the firewall rule "a{46}-allow-google-apis" \(64 characters\); Compute Engine allows 63: use a VPC name of at most 45 characters$/,
    ],
    [
      "the retired manage.dnsZones",
      (c) => (c.networks.private = { name: "shared", existing: { subnet: "s" }, manage: { dnsZones: false } }),
      "networks.private.manage.dnsZones",
      /^networks.private.manage.dnsZones: was replaced by networks.private.dns: remove it and set "dns": "external"/,
    ],
    [
      "egress rules with nothing to apply to",
      (c) => ((c.networks.private = { name: "shared", existing: { subnet: "s" } }), (c.hosts.createPrivateHost = false)),
      "networks.private.manage.egressRules",
      /no airlock VM to apply to in an existing VPC/,
    ],
    [
      "an existing VPC in a project that cannot exist",
      (c) => (c.networks.private = { name: "shared", existing: { project: "Host", subnet: "s" } }),
      "networks.private.existing.project",
      /project id/,
    ],
    [
      "a timeout too short to download anything",
      (c) => (c.timeouts = { downloadSeconds: 5 }),
      "timeouts.downloadSeconds",
      /must be at least 30$/,
    ],
    ["machine type without its size", (c) => (c.hosts.machineType = "n2-standard"), "hosts.machineType", /machine type/],
    ["missing required field", (c) => delete c.networks, "networks", /is required/],
    ["wrong type", (c) => (c.mirror.stopWhenDone = "yes"), "mirror.stopWhenDone", /must be a boolean/],
    ["package that is an option", (c) => (c.mirror.packages = ["--index-url=https://evil"]), "mirror.packages.0", /package requirement/],
    ["package with shell code", (c) => (c.mirror.packages = ["keyring; curl x|sh"]), "mirror.packages.0", /package requirement/],
    ["bad python version", (c) => (c.mirror.pythonVersions = ["2.7"]), "mirror.pythonVersions.0", /CPython version/],
    ["empty package list", (c) => (c.mirror.packages = []), "mirror.packages", /at least one package/],
    ["non-https index", (c) => (c.mirror.sourceIndexUrl = "http://pypi.org/simple/"), "mirror.sourceIndexUrl", /https:\/\//],
    ["lock file outside the folder", (c) => (c.mirror.lockFile = "../secrets.txt"), "mirror.lockFile", /must not leave/],
    ["bad image", (c) => (c.hosts.image = "debian-12"), "hosts.image", /IMAGE_PROJECT/],
    ["same host names", (c) => (c.hosts.privateName = c.hosts.publicName), "hosts.privateName", /must differ/],
    ["retries unbounded", (c) => (c.retries.maxAttempts = 1000), "retries.maxAttempts", /at most 30/],
    ["bad state bucket", (c) => (c.stateBucket = { bucket: "A" }), "stateBucket.bucket", /bucket name/],
    [
      "bootstrap pip that cannot use keyring",
      (c) => (c.mirror.bootstrapPip = "pip<23"),
      "mirror.bootstrapPip",
      /excludes pip >= 23\.1, which keyring-provider = subprocess needs/,
    ],
    ["bootstrap pip that is not pip", (c) => (c.mirror.bootstrapPip = "setuptools"), "mirror.bootstrapPip", /is not a pip requirement/],
    [
      "new pip with an old keyring",
      (c) => ((c.mirror.bootstrapPip = "pip>=26.2"), (c.mirror.packages = ["keyring<25", "keyrings.google-artifactregistry-auth"])),
      "mirror.packages.0",
      /"keyring<25" admits only keyring < 25\.2\.1, and mirror\.bootstrapPip "pip>=26\.2" only pip >= 26\.2.*pypa\/pip#14150.*"keyring>=25\.2\.1,!=25\.4\.0".*"pip>=23\.1,<26\.2"/,
    ],
    [
      "a broken keyring CLI pinned",
      (c) => (c.mirror.packages = ["keyring==25.4.0", "keyrings.google-artifactregistry-auth"]),
      "mirror.packages.0",
      /pins keyring 25\.4\.0, whose CLI crashes on a plain `keyring get`/,
    ],
    [
      "new pip pinned with an old keyring",
      (c) => ((c.mirror.bootstrapPip = "pip==26.2.1"), (c.mirror.packages = ["keyring==25.1.0", "keyrings.google-artifactregistry-auth"])),
      "mirror.packages.0",
      /Keyring util is outdated/,
    ],
  ];

  it.each(table)("rejects %s, naming the field and the fix", (_what, change, field, fix) => {
    const lines = problems(configFile(withChange(change)));
    const line = lines.find((l) => l.startsWith(`${field}: `));
    expect(line).toBeDefined();
    expect(line).toMatch(fix);
  });

  it("reports every problem, one line each", () => {
    const lines = problems(
      configFile(
        withChange((c) => {
          c.projectId = "X";
          c.region = "nowhere";
          c.extra = 1;
        }),
      ),
    );
    expect(lines.map((l) => l.split(":")[0]).sort()).toEqual(["extra", "projectId", "region"]);
  });

  it("rejects a missing file, naming the path and the fix", () => {
    const missing = path.join(dir, "nope.json");
    expect(() => loadConfig(missing)).toThrow(
      `${missing}: cannot read the config file (no such file): check the path given in AIRLOCK_CONFIG`,
    );
  });

  it("rejects malformed JSON with the line and column", () => {
    expect(problems(configFile('{\n  "projectId": "p",\n  "region" "x"\n}', "broken.json"))).toEqual([
      "is not valid JSON: ':' expected at line 3, column 12: fix the syntax",
    ]);
    expect(problems(configFile('{ "projectId": ', "cut.json"))).toEqual([
      "is not valid JSON: a value expected at line 1, column 16: fix the syntax",
    ]);
    expect(problems(configFile("{ // comment\n}", "comment.json"))[0]).toMatch(
      /^is not valid JSON: a comment \(JSON has none\) at line 1, column 3/,
    );
  });

  it("rejects a key given twice (JSON.parse would keep the last one silently), naming both places", () => {
    const text = JSON.stringify(example, null, 2).replace(
      '"region": "us-central1",',
      '"region": "us-central1",\n  "region": "europe-west4",',
    );
    expect(problems(configFile(text, "twice.json"))).toEqual([
      expect.stringMatching(/^region: is given twice \(line 4, column 3 and line 5, column 3\): keep one$/),
    ]);
    const nested = JSON.stringify(example).replace('"machineType":"e2-small"', '"machineType":"e2-small","machineType":"e2-medium"');
    expect(problems(configFile(nested, "nested.json"))[0]).toMatch(/^hosts\.machineType: is given twice/);
  });

  it("accepts a UTF-8 byte order mark; names UTF-16 instead of a garbled syntax error", () => {
    const file = path.join(dir, "bom.json");
    writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(example))]));
    expect(loadConfig(file)[0].config.projectId).toBe(example.projectId);
    const utf16 = path.join(dir, "utf16.json");
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(JSON.stringify(example), "utf16le")]));
    expect(problems(utf16)).toEqual(["is UTF-16 (or holds NUL bytes), not UTF-8: save it as UTF-8"]);
  });

  it("accepts the machine types and image forms Compute Engine accepts", () => {
    const images = [
      "debian-cloud/debian-12",
      "projects/debian-cloud/global/images/family/debian-12",
      "projects/my-images/global/images/golden-2026-11",
      "https://www.googleapis.com/compute/v1/projects/debian-cloud/global/images/family/debian-12",
    ];
    const types = [
      "e2-micro",
      "e2-medium",
      "n2-standard-4",
      "n2d-highmem-8",
      "c3-highcpu-22-lssd",
      "t2a-standard-1",
      "n2-custom-2-4096",
      "custom-4-8192-ext",
      "f1-micro",
    ];
    for (const [image, machineType] of images.map((img, i) => [img, types[i % types.length]])) {
      // A custom image says what it runs (mirror.targets); the public families are known.
      const declared = (c: any) => (c.mirror.targets = [{ python: "3.11", glibc: "2.36", arch: "x86_64" }]);
      expect(
        loadConfig(configFile(withChange((c) => ((c.hosts.image = image), (c.hosts.machineType = machineType), declared(c)))))[0].config
          .hosts,
      ).toMatchObject({ image, machineType });
    }
    // An Arm type (t2a) takes the Arm images of the same release.
    const arm = (c: any, machineType: string) =>
      machineArch(machineType) === "aarch64" &&
      ((c.hosts.image = "debian-cloud/debian-12-arm64"), (c.hosts.publicImage = "debian-cloud/debian-12-arm64"));
    for (const machineType of types)
      expect(
        loadConfig(configFile(withChange((c) => ((c.hosts.machineType = machineType), arm(c, machineType)))))[0].config.hosts.machineType,
      ).toBe(machineType);
  });

  it("rejects a lock that does not pin virtualenv, which the mirror uploads for bare hosts' venvs", () => {
    const pins = ["keyring==25.7.0", "keyrings.google-artifactregistry-auth==1.1.2", "pip==26.2.1"]
      .map((p, i) => `${p} --hash=sha256:${"abc"[i].repeat(64)}\n`)
      .join("");
    writeFileSync(path.join(dir, "no-venv-tool.lock"), pins);
    expect(problems(configFile(withChange((c) => (c.mirror.lockFile = "no-venv-tool.lock"))))).toEqual([
      'mirror.lockFile: "no-venv-tool.lock" does not pin virtualenv, which bare private hosts create venvs with: compile the lock from mirror.packages plus virtualenv (its dependencies come with it)',
    ]);
  });

  it("rejects a lock that pins pip but not the configured packages", () => {
    writeFileSync(path.join(dir, "pip-only.lock"), `pip==26.2.1 --hash=sha256:${"a".repeat(64)}\n`);
    expect(problems(configFile(withChange((c) => (c.mirror.lockFile = "pip-only.lock"))))).toEqual([
      'mirror.lockFile: "pip-only.lock" does not pin keyring, keyrings-google-artifactregistry-auth of mirror.packages: make it with recipes/make-lock.sh (docs/configuration.md, Locks) from the synthesized stack, which carries mirror.packages',
    ]);
  });

  it("accepts an old keyring with pip and virtualenv capped below pip 26.2, and a new keyring with any pip", () => {
    const pairs: Array<[string, string[]]> = [
      ["pip>=23.1,<26.2", ["keyring<25", "virtualenv<=21.7.0"]],
      ["pip>=23.1", ["keyring>=25.2.1"]],
      ["pip>=23.1", ["keyring"]],
      ["pip==26.2.1", ["keyring~=25.7"]],
    ];
    for (const [bootstrapPip, packages] of pairs) {
      const [env] = loadConfig(
        configFile(
          withChange(
            (c) => ((c.mirror.bootstrapPip = bootstrapPip), (c.mirror.packages = [...packages, "keyrings.google-artifactregistry-auth"])),
          ),
        ),
      );
      expect(env.config.mirror.bootstrapPip).toBe(bootstrapPip);
    }
  });

  it("rejects a lock that pins pip >= 26.2 with keyring < 25.2.1, and one that pins a pip without keyring-provider", () => {
    const hash = (c: string) => ` --hash=sha256:${c.repeat(64)}`;
    const helper = `keyrings.google-artifactregistry-auth==1.1.2${hash("c")}\nvirtualenv==21.14.1${hash("d")}\n`;
    writeFileSync(
      path.join(dir, "old-keyring.lock"),
      completeLock([`keyring==25.1.0${hash("a")}`, `pip==26.2.1${hash("b")}`, ...helper.trim().split("\n")]),
    );
    expect(problems(configFile(withChange((c) => (c.mirror.lockFile = "old-keyring.lock"))))).toEqual([
      'mirror.lockFile: "old-keyring.lock" pins pip==26.2.1 with keyring==25.1.0, but pip >= 26.2 asks keyring in creds mode and refuses a keyring CLI older than 25.2.1 ("Keyring util is outdated; must be at least version 25.2.1", pypa/pip#14150). Fix: pin a keyring >= 25.2.1 (compile the lock from "keyring>=25.2.1,!=25.4.0"), or a pip older than 26.2',
    ]);
    writeFileSync(
      path.join(dir, "old-pip.lock"),
      completeLock([`keyring==25.7.0${hash("a")}`, `pip==23.0.1${hash("b")}`, ...helper.trim().split("\n")]),
    );
    expect(problems(configFile(withChange((c) => (c.mirror.lockFile = "old-pip.lock"))))[0]).toMatch(
      /^mirror\.lockFile: "old-pip\.lock" pins pip==23\.0\.1: keyring-provider = subprocess needs pip >= 23\.1/,
    );
    writeFileSync(
      path.join(dir, "new-pair.lock"),
      completeLock([`keyring==25.7.0${hash("a")}`, `pip==26.2.1${hash("b")}`, ...helper.trim().split("\n")]),
    );
    expect(loadConfig(configFile(withChange((c) => (c.mirror.lockFile = "new-pair.lock"))))[0].lockContent).toContain("pip==26.2.1");
  });

  it("rejects a lock whose pip mirror.bootstrapPip excludes (the hosts would refuse the only pip mirrored)", () => {
    const hash = (c: string) => ` --hash=sha256:${c.repeat(64)}`;
    writeFileSync(
      path.join(dir, "pip-25.lock"),
      completeLock([
        `keyring==25.7.0${hash("a")}`,
        `pip==25.3${hash("b")}`,
        `keyrings.google-artifactregistry-auth==1.1.2${hash("c")}`,
        `virtualenv==21.14.1${hash("d")}`,
      ]),
    );
    expect(problems(configFile(withChange((c) => ((c.mirror.lockFile = "pip-25.lock"), (c.mirror.bootstrapPip = "pip>=26")))))).toEqual([
      'mirror.lockFile: "pip-25.lock" pins pip==25.3, which mirror.bootstrapPip "pip>=26" excludes: the private hosts would refuse the only pip the mirror uploads. Pin a pip that satisfies it, or change mirror.bootstrapPip',
    ]);
  });

  it("leaves the pip a virtualenv seeds per target CPython to the mirror, which reads it from the wheel", () => {
    const hash = (c: string) => ` --hash=sha256:${c.repeat(64)}`;
    // virtualenv 21.14.1 seeds 3.9 with pip 26.0.1 (no creds mode) but 3.10+ with 26.2.1 (creds mode): the synth keeps
    // no seed table, so it loads this lock for a Rocky 9 (3.9) estate and a mixed one alike; the mirror's `policy`
    // step refuses the 3.11 target's closure (agent/tests/test_pairing.py), before it uploads or signs anything.
    writeFileSync(
      path.join(dir, "el9.lock"),
      completeLock([
        `keyring==24.3.1${hash("a")}`,
        `pip==26.0.1${hash("b")}`,
        `keyrings.google-artifactregistry-auth==1.1.2${hash("c")}`,
        `virtualenv==21.14.1${hash("d")}`,
      ]),
    );
    const el9 = (c: any) => ((c.mirror.lockFile = "el9.lock"), (c.hosts.image = "rocky-linux-cloud/rocky-linux-9"));
    expect(loadConfig(configFile(withChange(el9)))[0].config.mirror.targets.map((t) => t.python)).toEqual(["3.9.21"]);
    const mixed = loadConfig(configFile(withChange((c) => (el9(c), (c.fleet = { name: "workers", image: "debian-cloud/debian-12" })))));
    expect(mixed[0].config.mirror.targets.map((t) => t.python)).toEqual(["3.9.21", "3.11.2"]);
  });

  it("reads a hash-pinned lock file next to the config", () => {
    const lock = completeLock(["keyring==25.6.0", "keyrings.google-artifactregistry-auth==1.1.2", "pip==25.3", "virtualenv==21.14.1"]);
    writeFileSync(path.join(dir, "helpers.lock"), lock);
    const [env] = loadConfig(configFile(withChange((c) => (c.mirror.lockFile = "helpers.lock"))));
    expect(env.lockContent).toBe(lock);
  });

  it("rejects a lock that pins a helper but not what it requires (--require-hashes would fail at download), naming them", () => {
    const lock = completeLock(["keyring==25.6.0", "keyrings.google-artifactregistry-auth==1.1.2", "pip==25.3", "virtualenv==21.14.1"])
      .split("\n")
      .filter((l) => !/^(jaraco-classes|more-itertools|importlib-metadata)==/.test(l))
      .join("\n");
    writeFileSync(path.join(dir, "gaps.lock"), lock);
    expect(problems(configFile(withChange((c) => (c.mirror.lockFile = "gaps.lock"))))).toEqual([
      'mirror.lockFile: "gaps.lock" pins jaraco-functools without more-itertools; keyring without jaraco-classes, importlib-metadata: --require-hashes needs every dependency pinned, so the mirror would fail at download. Make the lock for every target with recipes/make-lock.sh',
    ]);
    // importlib-metadata is needed below CPython 3.12 only: a Debian 13 (3.13) estate's lock may leave it out, a Debian 12 one not.
    const modern = completeLock(["keyring==25.6.0", "keyrings.google-artifactregistry-auth==1.1.2", "pip==25.3", "virtualenv==21.14.1"])
      .split("\n")
      .filter((l) => !/^(importlib-metadata|zipp|backports-tarfile|typing-extensions)==/.test(l))
      .join("\n");
    writeFileSync(path.join(dir, "modern.lock"), modern);
    expect(
      loadConfig(configFile(withChange((c) => ((c.mirror.lockFile = "modern.lock"), (c.hosts.image = "debian-cloud/debian-13")))))[0]
        .lockContent,
    ).toBe(modern);
    expect(problems(configFile(withChange((c) => (c.mirror.lockFile = "modern.lock"))))[0]).toMatch(
      /pins jaraco-context without backports-tarfile; keyring without importlib-metadata:/,
    );
  });

  it("rejects a lock file that is missing or has no hashes", () => {
    expect(problems(configFile(withChange((c) => (c.mirror.lockFile = "absent.lock"))))[0]).toMatch(
      /^mirror.lockFile: cannot read "absent.lock"/,
    );
    writeFileSync(path.join(dir, "nohash.lock"), "keyring==25.6.0\n");
    expect(problems(configFile(withChange((c) => (c.mirror.lockFile = "nohash.lock"))))[0]).toMatch(
      /^mirror.lockFile: .*no --hash=sha256: pins/,
    );
    writeFileSync(path.join(dir, "nopip.lock"), "keyring==25.6.0 --hash=sha256:" + "a".repeat(64) + "\n");
    expect(problems(configFile(withChange((c) => (c.mirror.lockFile = "nopip.lock"))))[0]).toMatch(
      /^mirror.lockFile: "nopip.lock" does not pin pip.*recipes\/make-lock\.sh/,
    );
  });
});

describe("modes and environments", () => {
  it("needs networks.public in mirror mode only", () => {
    expect(problems(configFile(withChange((c) => delete c.networks.public)))).toEqual([
      'networks.public: is required in mirror mode: add { "name": ..., "subnetCidr": ... } or use mode "remote"',
    ]);
    const [env] = loadConfig(
      configFile(
        withChange((c) => {
          delete c.networks.public;
          c.mode = "remote";
        }),
      ),
    );
    expect(env.config.networks.public).toBeUndefined();
  });

  it("rejects environments of one project that claim the same resource names", () => {
    const lines = problems(configFile(withChange((c) => (c.environments = { dev: {}, prod: { zone: "us-central1-b" } }))));
    expect(lines).toContain(
      'environments.prod.networks.private.name: network airlock-private in project airlock-example is also environment "dev"\'s: give each environment its own name or project',
    );
    expect(lines).toContain(
      'environments.prod.hosts.privateAccountId: service account airlock-private-host in project airlock-example is also environment "dev"\'s: give each environment its own name or project',
    );
    // VMs are zonal: a different zone frees the host names.
    expect(lines.some((l) => l.includes("hosts.privateName"))).toBe(false);
  });

  it("lets environments share names across projects", () => {
    const envs = loadConfig(
      configFile(withChange((c) => (c.environments = { dev: { projectId: "airlock-dev" }, prod: { projectId: "airlock-prod" } }))),
    );
    expect(envs.map((e) => [e.name, e.config.projectId])).toEqual([
      ["dev", "airlock-dev"],
      ["prod", "airlock-prod"],
    ]);
  });
});

describe("environment overrides", () => {
  it("merge objects key by key and replace lists", () => {
    const merged = mergeOverrides({ a: { b: 1, c: [1, 2] }, d: "x" }, { a: { c: [3] }, e: true }) as any;
    expect(merged).toEqual({ a: { b: 1, c: [3] }, d: "x", e: true });
  });
});
