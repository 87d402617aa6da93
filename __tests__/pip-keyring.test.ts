import { BROKEN_KEYRINGS, KEYRING, newestRelease, PIP, seedOf, VIRTUALENV, VIRTUALENV_SEEDS } from "../config/pip-facts";
import { pipKeyringProblems, seededPip } from "../config/pip-keyring";
import { admits, ANY, compareVersions, specifier } from "../config/version-ranges";

const DEFAULT_PACKAGES = ["keyring", "keyrings.google-artifactregistry-auth"];

interface Case {
  packages?: string[];
  bootstrapPip?: string;
  /** Lock pins (name==version); hashes are added. */
  lock?: string[];
  pythons?: string[];
}

function problems({ packages = DEFAULT_PACKAGES, bootstrapPip = "pip>=23.1", lock, pythons = [] }: Case): string[] {
  const content = lock ? lock.map((pin, i) => `${pin} --hash=sha256:${String(i % 10).repeat(64)}\n`).join("") : "";
  return pipKeyringProblems({ packages, bootstrapPip, lockFile: lock ? "helpers.lock" : undefined }, content, pythons);
}

describe("pipKeyringProblems accepts", () => {
  it.each<[string, Case]>([
    ["the defaults", {}],
    ["keyring==25.6.0 (a good release a probe at 25.7.0 or 99.0 misses)", { packages: ["keyring==25.6.0"] }],
    ["keyring>=25.5,<25.7", { packages: ["keyring>=25.5,<25.7"] }],
    ["keyring~=25.6.0", { packages: ["keyring~=25.6.0"] }],
    ["keyring===25.6.0", { packages: ["keyring===25.6.0"] }],
    ["keyring>=25.2.1", { packages: ["keyring>=25.2.1"] }],
    ["keyring!=25.2.0,!=25.4.0", { packages: ["keyring!=25.2.0,!=25.4.0"] }],
    ["keyring<=25.4.1 (newest admitted 25.4.1, a fixed release)", { packages: ["keyring<=25.4.1"] }],
    ["keyring~=25.4.0 (admits 25.4.0, but mirrors 25.4.1)", { packages: ["keyring~=25.4.0"] }],
    ["keyring==25.*", { packages: ["keyring==25.*"] }],
    ["keyring<26 with a future-proof pip", { packages: ["keyring<26"], bootstrapPip: "pip" }],
    ["keyring>25.7.0 (only releases after the table, taken to exist)", { packages: ["keyring>25.7.0"] }],
    ["keyring~=25.7 with pip==26.2.1", { packages: ["keyring~=25.7"], bootstrapPip: "pip==26.2.1" }],
    ["keyring with extras", { packages: ["keyring[completion]>=25.2.1"] }],
    ["an old keyring with pip and virtualenv both capped below creds mode", { packages: ["keyring<25", "virtualenv<=21.7.0"], bootstrapPip: "pip>=23.1,<26.2" }],
    ["an old keyring with pip capped in mirror.packages (the mirror downloads it with bootstrapPip)", { packages: ["keyring<25", "pip<26.2", "virtualenv<=21.7.0"] }],
    ["an old keyring with pip<26.2 and virtualenv==20.39.1", { packages: ["keyring==24.3.1", "virtualenv==20.39.1"], bootstrapPip: "pip<26.2" }],
    // Rocky/RHEL 9: CPython 3.9 gets pip 26.0.1 from pip>=23.1 (26.1 dropped 3.9) and from any virtualenv 21.x.
    ["an old keyring on CPython 3.9 only", { packages: ["keyring<25"], pythons: ["3.9"] }],
    ["an old keyring on CPython 3.8 only", { packages: ["keyring<25"], pythons: ["3.8"] }],
    ["a lock: pip 26.0.1, virtualenv 21.7.0 (seeds 26.1.2), keyring 24.3.1", { lock: ["pip==26.0.1", "virtualenv==21.7.0", "keyring==24.3.1"] }],
    ["a lock: pip 26.0.1, virtualenv 21.14.1 (seeds 26.0.1 on 3.9), keyring 24.3.1, CPython 3.9", { lock: ["pip==26.0.1", "virtualenv==21.14.1", "keyring==24.3.1"], pythons: ["3.9"] }],
    ["a lock: a virtualenv the table lacks on CPython 3.9 (no pip >= 26.1 runs there)", { lock: ["pip==26.0.1", "virtualenv==22.0.0", "keyring==24.3.1"], pythons: ["3.9"] }],
    ["a lock: pip 26.2.1, virtualenv 21.14.1, keyring 25.7.0", { lock: ["pip==26.2.1", "virtualenv==21.14.1", "keyring==25.7.0"] }],
    ["a lock: pip 25.3, virtualenv 21.14.1, keyring 25.6.0", { lock: ["pip==25.3", "virtualenv==21.14.1", "keyring==25.6.0"] }],
    ["a lock pins a good keyring while mirror.packages names an old one", { packages: ["keyring<25"], lock: ["pip==26.2.1", "virtualenv==21.14.1", "keyring==25.7.0"] }],
  ])("%s", (_what, c) => {
    expect(problems(c)).toEqual([]);
  });
});

describe("pipKeyringProblems refuses, naming the field and the fix", () => {
  it.each<[string, Case, string, RegExp[]]>([
    // broken keyring CLIs
    ["keyring==25.2.0", { packages: ["keyring==25.2.0"] }, "mirror.packages.0", [/admits only broken keyring CLIs: keyring 25\.2\.0 crashes in creds mode \(jaraco\/keyring#681/, /"keyring==25\.7\.0"/, /"keyring>=25\.2\.1,!=25\.4\.0"/]],
    ["keyring===25.4.0", { packages: ["keyring===25.4.0"] }, "mirror.packages.0", [/admits only broken keyring CLIs: keyring 25\.4\.0 crashes on a plain `keyring get` \(jaraco\/keyring#694/]],
    ["keyring>=25.2,<25.2.1 (only 25.2.0)", { packages: ["keyring>=25.2,<25.2.1"] }, "mirror.packages.0", [/admits only broken/]],
    ["keyring<=25.4.0 (newest admitted is broken)", { packages: ["keyring<=25.4.0"] }, "mirror.packages.0", [/would mirror a broken keyring CLI: keyring 25\.4\.0/, /exclude it \("keyring<=25\.4\.0,!=25\.2\.0,!=25\.4\.0"\)/, /"keyring==25\.7\.0"/]],
    ["keyring<25.4.1 (newest admitted is broken)", { packages: ["keyring<25.4.1"] }, "mirror.packages.0", [/keyring 25\.4\.0 crashes/, /"keyring<25\.4\.1,!=25\.2\.0,!=25\.4\.0"/]],
    ["keyring==25.4.0", { packages: ["keyring==25.4.0"] }, "mirror.packages.0", [/admits only broken/]],
    ["keyring<25.2.1 (newest 25.2.0: excluding it leaves an old keyring, so only a pin is offered)", { packages: ["keyring<25.2.1"] }, "mirror.packages.0", [/would mirror a broken keyring CLI: keyring 25\.2\.0/, /: pin a good release such as "keyring==25\.7\.0"$/]],
    ["a lock pinning keyring==25.4.0", { lock: ["pip==26.2.1", "virtualenv==21.14.1", "keyring==25.4.0"] }, "mirror.lockFile", [/"helpers\.lock" pins keyring==25\.4\.0, whose CLI crashes/, /keyring==25\.7\.0/, /"keyring!=25\.2\.0,!=25\.4\.0"/]],
    ["a lock pinning keyring==25.2.0", { lock: ["pip==26.0.1", "virtualenv==21.7.0", "keyring==25.2.0"] }, "mirror.lockFile", [/pins keyring==25\.2\.0, whose CLI crashes in creds mode/]],
    ["keyring==25.3.1 (no such release)", { packages: ["keyring==25.3.1"] }, "mirror.packages.0", [/admits no keyring release: use e\.g\. "keyring>=25\.2\.1,!=25\.4\.0"/]],
    ["keyring==25.7.0 on CPython 3.8 (it needs 3.9)", { packages: ["keyring==25.7.0"], pythons: ["3.8", "3.11"] }, "mirror.packages.0", [/admits no keyring release that runs on CPython 3\.8/]],
    ["a keyring specifier that is not PEP 440", { packages: ["keyring>=latest"] }, "mirror.packages.0", [/is not a PEP 440 version specifier: use e\.g\. "keyring>=25\.2\.1,!=25\.4\.0"/]],
    // old keyring with a creds-mode pip
    ["keyring<25 with the default pip", { packages: ["keyring<25", "keyrings.google-artifactregistry-auth"] }, "mirror.packages.0", [
      /"keyring<25" admits only keyring < 25\.2\.1 \(newest: keyring 24\.3\.1\)/,
      /Keyring util is outdated; must be at least version 25\.2\.1", pypa\/pip#14150/,
      /the bootstrap pip on CPython 3\.10\+ \(pip 26\.2\.1 or newer, from "pip>=23\.1"\)/,
      /the pip virtualenv seeds on CPython 3\.10\+ \(pip 26\.2\.1 or newer, from virtualenv 21\.14\.1 or newer\)/,
      /Fix: allow keyring >= 25\.2\.1 \(e\.g\. "keyring>=25\.2\.1,!=25\.4\.0"\), or cap mirror\.bootstrapPip below 26\.2 \("pip>=23\.1,<26\.2"\) and add "virtualenv<=21\.7\.0" to mirror\.packages/,
    ]],
    ["keyring<25 with pip<26 (today's accepted pairing: the seeded pip is 26.2.1)", { packages: ["keyring<25"], bootstrapPip: "pip>=23.1,<26" }, "mirror.packages.0", [/users run such a pip: the pip virtualenv seeds on CPython 3\.10\+ \(pip 26\.2\.1 or newer/, /Fix: allow keyring >= 25\.2\.1 .*, or add "virtualenv<=21\.7\.0" to mirror\.packages/]],
    ["pip==26.2.1 with keyring==25.1.0", { packages: ["keyring==25.1.0"], bootstrapPip: "pip==26.2.1" }, "mirror.packages.0", [/the bootstrap pip on CPython 3\.10\+ \(pip 26\.2\.1, from "pip==26\.2\.1"\)/, /Keyring util is outdated/, /Fix: allow keyring >= 25\.2\.1 \(e\.g\. "keyring>=25\.2\.1,!=25\.4\.0"\)$/]],
    ["pip>=26.2 with keyring<25 (pip cannot be capped: only the keyring fix)", { packages: ["keyring<25"], bootstrapPip: "pip>=26.2" }, "mirror.packages.0", [/Fix: allow keyring >= 25\.2\.1 \(e\.g\. "keyring>=25\.2\.1,!=25\.4\.0"\)$/]],
    ["keyring<25 on CPython 3.9 and 3.13: only 3.13 is named", { packages: ["keyring<25"], pythons: ["3.9", "3.13"] }, "mirror.packages.0", [/the bootstrap pip on CPython 3\.13 \(/, /the pip virtualenv seeds on CPython 3\.13 \(/]],
    ["keyring<25 with a virtualenv cap that admits unlisted 21.8-21.14.0", { packages: ["keyring<25", "virtualenv<21.14"], bootstrapPip: "pip<26.2" }, "mirror.packages.0", [/pip 26\.1\.2, or a pip assumed >= 26\.2, from virtualenv 21\.7\.0 or a virtualenv between 21\.7\.0 and 21\.14\.1/, /cap mirror\.packages\.1 at 21\.7\.0 .*"virtualenv<21\.14,<=21\.7\.0"/]],
    ["a lock: keyring==25.6.0 configured, but the lock pins keyring 24.3.1 with virtualenv 21.14.1 (seeds 26.2.1)", { packages: ["keyring==25.6.0"], lock: ["pip==26.0.1", "virtualenv==21.14.1", "keyring==24.3.1"] }, "mirror.lockFile", [
      /"helpers\.lock" pins keyring==24\.3\.1, older than 25\.2\.1/,
      /users run such a pip: the pip virtualenv seeds on CPython 3\.10\+ \(pip 26\.2\.1, from virtualenv==21\.14\.1 in the lock\)\./,
      /Fix: pin keyring==25\.7\.0 \(any keyring >= 25\.2\.1 but 25\.4\.0\), or pin virtualenv==21\.7\.0 \(it seeds pip < 26\.2\)$/,
    ]],
    ["a lock: pip 26.2.1 with keyring 25.1.0", { lock: ["pip==26.2.1", "virtualenv==21.7.0", "keyring==25.1.0"] }, "mirror.lockFile", [/the bootstrap pip on CPython 3\.10\+ \(pip==26\.2\.1, from the lock\)/, /or pin pip==26\.1\.2$/]],
    ["a lock: a virtualenv the table lacks (assumed to seed pip >= 26.2)", { lock: ["pip==26.0.1", "virtualenv==21.10.0", "keyring==24.3.1"] }, "mirror.lockFile", [/\(a pip assumed >= 26\.2, from virtualenv==21\.10\.0 in the lock\)/]],
    ["a lock: a virtualenv newer than the table", { lock: ["pip==26.0.1", "virtualenv==22.0.0", "keyring==24.3.1"], pythons: ["3.12"] }, "mirror.lockFile", [/the pip virtualenv seeds on CPython 3\.12 \(a pip assumed >= 26\.2/]],
    // pips without keyring-provider
    ["bootstrapPip pip<23", { bootstrapPip: "pip<23" }, "mirror.bootstrapPip", [/^mirror\.bootstrapPip: "pip<23" excludes pip >= 23\.1, which keyring-provider = subprocess needs: use e\.g\. "pip>=23\.1"$/]],
    ["bootstrapPip admitting no pip release >= 23.1", { bootstrapPip: "pip<23.1.1,!=23.1" }, "mirror.bootstrapPip", [/excludes pip >= 23\.1/]],
    ["bootstrapPip not pip", { bootstrapPip: "setuptools" }, "mirror.bootstrapPip", [/is not a pip requirement: use e\.g\. "pip>=23\.1"/]],
    ["bootstrapPip not PEP 440", { bootstrapPip: "pip>=latest" }, "mirror.bootstrapPip", [/is not a PEP 440 version specifier/]],
    ["bootstrapPip pip>=26.1 on CPython 3.9", { bootstrapPip: "pip>=26.1", pythons: ["3.9", "3.12"] }, "mirror.bootstrapPip", [/admits no pip release that runs on CPython 3\.9 \(pip 26\.1 dropped Python 3\.9, pypa\/pip#13795; newest: 26\.0\.1 for 3\.9\)/]],
    ["a pip in mirror.packages that bootstrapPip excludes", { packages: ["keyring", "pip<23"] }, "mirror.packages.1", [/"pip<23" and mirror\.bootstrapPip "pip>=23\.1" admit no pip release together .*: make them agree, or drop pip from mirror\.packages$/]],
    ["a lock pinning pip 23.0.1", { lock: ["pip==23.0.1", "virtualenv==21.7.0", "keyring==25.7.0"] }, "mirror.lockFile", [/^mirror\.lockFile: "helpers\.lock" pins pip==23\.0\.1: keyring-provider = subprocess needs pip >= 23\.1: pin a newer pip$/]],
    ["a lock pinning a virtualenv that seeds pip 23.0.1", { lock: ["pip==26.2.1", "virtualenv==20.21.0", "keyring==25.7.0"] }, "mirror.lockFile", [/pins virtualenv==20\.21\.0, which seeds venvs on CPython 3\.10\+ with a pip older than 23\.1.*: pin virtualenv>=20\.21\.1$/]],
    ["virtualenv<20.21 in mirror.packages", { packages: ["keyring", "virtualenv<20.21"] }, "mirror.packages.1", [/"virtualenv<20\.21" would mirror a virtualenv older than 20\.21\.0, which seeds venvs .* with a pip older than 23\.1.*: use "virtualenv>=20\.21\.1"$/]],
  ])("%s", (_what, c, field, fixes) => {
    const lines = problems(c);
    const line = lines.find((l) => l.startsWith(`${field}: `));
    expect([line, lines]).toEqual([expect.any(String), lines]);
    for (const fix of fixes) expect(line).toMatch(fix);
    for (const l of lines) expect(l).not.toMatch(/\n|undefined/);
  });

  it("keeps each refused config to one line per field", () => {
    expect(problems({ packages: ["keyring==25.2.0"], bootstrapPip: "pip==26.2.1" })).toHaveLength(1);
    expect(problems({ packages: ["keyring<25"], lock: ["pip==26.2.1", "virtualenv==21.14.1", "keyring==25.1.0"] })).toHaveLength(1);
  });

  it("treats no target Python as CPython 3.10+, alike to naming one", () => {
    const old = { packages: ["keyring<25"] };
    expect(problems(old)[0].replace(/3\.10\+/g, "3.11")).toBe(problems({ ...old, pythons: ["3.11"] })[0]);
    expect(pipKeyringProblems({ packages: ["keyring<25"], bootstrapPip: "pip>=23.1" }, "")).toEqual(problems(old));
  });
});

describe("seededPip", () => {
  it.each<[string | undefined, string, string | undefined]>([
    [undefined, "3.11", "26.2.1"],
    [undefined, "3.9", "26.0.1"],
    [undefined, "3.8", "25.0.1"],
    ["21.14.1", "3.13", "26.2.1"],
    ["21.14.1", "3.9", "26.0.1"],
    ["21.14.1", "3.19", "26.2.1"],
    ["21.7.0", "3.12", "26.1.2"],
    ["21.3.0", "3.10", "26.1"],
    ["21.0.0", "3.12", "26.0.1"],
    ["20.39.1", "3.9", "26.0.1"],
    ["20.31.0", "3.8", "25.0.1"],
    ["20.31.0", "3.9", "25.1"],
    // a CPython BUNDLE_SUPPORT lacks gets the MAX key's pip, which 20.22.0-21.3.1 set to the oldest key
    ["20.31.0", "3.16", "25.0.1"],
    ["20.26.4", "3.15", "24.0"],
    ["21.4.3", "3.17", "26.1.2"],
    ["20.24.0", "3.11", "23.1.2"],
    ["20.21.1", "3.11", "23.1"],
    // 21.5.0 still substitutes the newest bundle for 3.8; 21.5.1 refuses to seed it
    ["21.5.0", "3.8", "26.1.2"],
    ["21.5.1", "3.8", undefined],
    ["20.21.0", "3.11", undefined],
    ["21.10.0", "3.11", undefined],
    ["22.0.0", "3.11", undefined],
    ["not-a-version", "3.11", undefined],
  ])("virtualenv %s on CPython %s seeds pip %s", (virtualenv, python, pip) => {
    expect(seededPip(virtualenv, python)).toBe(pip);
  });
});

describe("config/pip-facts.ts", () => {
  it("lists releases oldest first, none inside an unlisted region", () => {
    for (const project of [PIP, KEYRING, VIRTUALENV]) {
      expect([...project.releases].sort(compareVersions)).toEqual(project.releases);
      for (const r of project.unlisted) {
        const inside = project.releases.filter((v) => (r.after === undefined || compareVersions(v, r.after) > 0) && (r.before === undefined || compareVersions(v, r.before) < 0));
        expect([project.name, r, inside]).toEqual([project.name, r, []]);
      }
    }
  });

  it("has a seed row for every listed virtualenv since 20.21.1, rows in order and disjoint", () => {
    for (const v of VIRTUALENV.releases.filter((v) => compareVersions(v, "20.21.1") >= 0)) {
      expect([v, VIRTUALENV_SEEDS.filter((r) => admits(specifier(r.virtualenv), v)).length]).toEqual([v, 1]);
      expect(seedOf(v, "3.11").kind).toBe("pip");
    }
    for (const r of VIRTUALENV_SEEDS) expect(r.pip.map(([p]) => p)).toEqual([...r.pip.map(([p]) => p)].sort(compareVersions));
  });

  it("names broken keyrings that exist, and the newest releases the tables know", () => {
    for (const v of Object.keys(BROKEN_KEYRINGS)) expect(KEYRING.releases).toContain(v);
    expect(newestRelease(KEYRING, ANY, "3.12")).toEqual({ listed: "25.7.0", unlisted: { after: "25.7.0" } });
    expect(newestRelease(KEYRING, ANY, "3.8")?.listed).toBe("25.5.0");
    expect(newestRelease(PIP, ANY, "3.9")).toEqual({ listed: "26.0.1", unlisted: undefined });
    expect(newestRelease(PIP, ANY, "3.8")?.listed).toBe("25.0.1");
    expect(newestRelease(VIRTUALENV, ANY, "3.8")).toEqual({ listed: "21.4.3", unlisted: undefined });
    expect(newestRelease(VIRTUALENV, specifier("<21.14"), "3.11")).toEqual({ listed: "21.7.0", unlisted: { after: "21.7.0", before: "21.14.1" } });
  });
});
