import { readFileSync } from "fs";
import * as path from "path";
import { BROKEN_KEYRINGS, KEYRING_CREDS_MODE, PIP_CREDS_MODE, PIP_KEYRING_PROVIDER } from "../config/pip-facts";
import { pipKeyringProblems } from "../config/pip-keyring";

const DEFAULT_PACKAGES = ["keyring", "keyrings.google-artifactregistry-auth"];

interface Case {
  packages?: string[];
  bootstrapPip?: string;
  /** Lock pins (name==version); hashes are added. */
  lock?: string[];
}

function problems({ packages = DEFAULT_PACKAGES, bootstrapPip = "pip>=23.1", lock }: Case): string[] {
  const content = lock ? lock.map((pin, i) => `${pin} --hash=sha256:${String(i % 10).repeat(64)}\n`).join("") : "";
  return pipKeyringProblems({ packages, bootstrapPip, lockFile: lock ? "helpers.lock" : undefined }, content);
}

// What the synth no longer decides (which release a spec gets, which pip a virtualenv seeds on a CPython) the
// mirror decides at its `policy` step on the real wheels: agent/tests/test_pairing.py.
describe("pipKeyringProblems accepts", () => {
  it.each<[string, Case]>([
    ["the defaults", {}],
    ["keyring==25.6.0", { packages: ["keyring==25.6.0"] }],
    ["keyring>=25.5,<25.7", { packages: ["keyring>=25.5,<25.7"] }],
    ["keyring~=25.6.0", { packages: ["keyring~=25.6.0"] }],
    ["keyring===25.6.0", { packages: ["keyring===25.6.0"] }],
    ["keyring>=25.2.1", { packages: ["keyring>=25.2.1"] }],
    ["keyring!=25.2.0,!=25.4.0", { packages: ["keyring!=25.2.0,!=25.4.0"] }],
    ["keyring==25.*", { packages: ["keyring==25.*"] }],
    ["keyring>25.7.0", { packages: ["keyring>25.7.0"] }],
    ["keyring~=25.7 with pip==26.2.1", { packages: ["keyring~=25.7"], bootstrapPip: "pip==26.2.1" }],
    ["keyring with extras", { packages: ["keyring[completion]>=25.2.1"] }],
    ["keyring==25.4.1 and 25.4.0.post1 (fixed, not broken)", { packages: ["keyring==25.4.1", "keyring>=25.4.0.post1"] }],
    ["an old keyring with pip capped below creds mode", { packages: ["keyring<25"], bootstrapPip: "pip>=23.1,<26.2" }],
    ["an old keyring with pip capped in mirror.packages", { packages: ["keyring<25", "pip<26.2"] }],
    ["a pip in mirror.packages that bootstrapPip admits", { packages: ["keyring", "pip>=25"] }],
    ["a bootstrapPip naming a pre-release >= 23.1", { bootstrapPip: "pip==26.2rc1" }],
    ["a lock: pip 26.2.1, virtualenv 21.14.1, keyring 25.7.0", { lock: ["pip==26.2.1", "virtualenv==21.14.1", "keyring==25.7.0"] }],
    ["a lock: pip 26.2.1 with keyring 25.2.1 (the boundary)", { lock: ["pip==26.2.1", "virtualenv==21.14.1", "keyring==25.2.1"] }],
    ["a lock: pip 26.1.2 with an old keyring (no creds mode)", { lock: ["pip==26.1.2", "virtualenv==21.7.0", "keyring==24.3.1"] }],
    ["a lock: pip 25.3, virtualenv 21.14.1, keyring 25.6.0", { lock: ["pip==25.3", "virtualenv==21.14.1", "keyring==25.6.0"] }],
    [
      "a lock pins a good keyring while mirror.packages names an old one",
      { packages: ["keyring<25"], lock: ["pip==26.2.1", "virtualenv==21.14.1", "keyring==25.7.0"] },
    ],
    // Decided by the mirror now, on the wheels it downloads (agent/tests/test_pairing.py):
    [
      "keyring<25 with pip>=23.1 (the mirror gets pip 26.2.x and refuses: the synth cannot know that release exists)",
      { packages: ["keyring<25"] },
    ],
    ["keyring<=25.4.0 (the mirror gets 25.4.0 and refuses)", { packages: ["keyring<=25.4.0"] }],
    ["keyring>=25.2,<25.2.1 (admits only 25.2.0 among releases: the mirror refuses it)", { packages: ["keyring>=25.2,<25.2.1"] }],
    [
      "a lock pairing keyring 24.3.1 with virtualenv 21.14.1 (it seeds pip 26.2.1 for 3.10+: the mirror refuses)",
      { lock: ["pip==26.0.1", "virtualenv==21.14.1", "keyring==24.3.1"] },
    ],
    ["virtualenv<20.21 (it seeds pip < 23.1: the mirror refuses)", { packages: ["keyring", "virtualenv<20.21"] }],
    ["keyring==25.3.1 (no such release: the mirror's download fails naming it)", { packages: ["keyring==25.3.1"] }],
  ])("%s", (_what, c) => {
    expect(problems(c)).toEqual([]);
  });
});

describe("pipKeyringProblems refuses, naming the field and the fix", () => {
  it.each<[string, Case, string, RegExp[]]>([
    // a pin of a broken keyring CLI
    [
      "keyring==25.2.0",
      { packages: ["keyring==25.2.0"] },
      "mirror.packages.0",
      [
        /^mirror\.packages\.0: "keyring==25\.2\.0" pins keyring 25\.2\.0, whose CLI crashes in creds mode \(jaraco\/keyring#681, fixed in 25\.2\.1\): use e\.g\. "keyring>=25\.2\.1,!=25\.4\.0"$/,
      ],
    ],
    [
      "keyring===25.4.0",
      { packages: ["keyring===25.4.0"] },
      "mirror.packages.0",
      [/pins keyring 25\.4\.0, whose CLI crashes on a plain `keyring get` \(jaraco\/keyring#694/],
    ],
    [
      "keyring==25.4 (25.4.0 in PEP 440 terms)",
      { packages: ["keyring==25.4"] },
      "mirror.packages.0",
      [/pins keyring 25\.4, whose CLI crashes on a plain/],
    ],
    ["keyring>=25,==25.2.0", { packages: ["keyring>=25,==25.2.0"] }, "mirror.packages.0", [/pins keyring 25\.2\.0/]],
    [
      "a second keyring requirement pinning 25.4.0",
      { packages: ["keyring>=25", "keyring==25.4.0"] },
      "mirror.packages.1",
      [/"keyring==25\.4\.0" pins keyring 25\.4\.0/],
    ],
    [
      "a lock pinning keyring==25.4.0",
      { lock: ["pip==26.2.1", "virtualenv==21.14.1", "keyring==25.4.0"] },
      "mirror.lockFile",
      [
        /^mirror\.lockFile: "helpers\.lock" pins keyring==25\.4\.0, whose CLI crashes on a plain `keyring get` .*: pin another \(compile the lock from "keyring!=25\.2\.0,!=25\.4\.0", e\.g\. "keyring>=25\.2\.1,!=25\.4\.0"\)$/,
      ],
    ],
    [
      "a lock pinning keyring==25.2.0",
      { lock: ["pip==26.0.1", "virtualenv==21.7.0", "keyring==25.2.0"] },
      "mirror.lockFile",
      [/pins keyring==25\.2\.0, whose CLI crashes in creds mode/],
    ],
    [
      "a keyring specifier that is not PEP 440",
      { packages: ["keyring>=latest"] },
      "mirror.packages.0",
      [/is not a PEP 440 version specifier: use e\.g\. "keyring>=25\.2\.1,!=25\.4\.0"/],
    ],
    // creds mode with an old keyring, where the lock or the specs leave no other pairing
    [
      "a lock: pip 26.2.1 with keyring 25.1.0",
      { lock: ["pip==26.2.1", "virtualenv==21.7.0", "keyring==25.1.0"] },
      "mirror.lockFile",
      [
        /^mirror\.lockFile: "helpers\.lock" pins pip==26\.2\.1 with keyring==25\.1\.0, but pip >= 26\.2 asks keyring in creds mode and refuses a keyring CLI older than 25\.2\.1 \("Keyring util is outdated; must be at least version 25\.2\.1", pypa\/pip#14150\)\./,
        /Fix: pin a keyring >= 25\.2\.1 \(compile the lock from "keyring>=25\.2\.1,!=25\.4\.0"\), or a pip older than 26\.2$/,
      ],
    ],
    [
      "a lock: pip 27.0 with keyring 24.3.1",
      { lock: ["pip==27.0", "virtualenv==21.14.1", "keyring==24.3.1"] },
      "mirror.lockFile",
      [/pins pip==27\.0 with keyring==24\.3\.1/],
    ],
    [
      "a lock: a pre-release of pip 26.2 with keyring 24.3.1",
      { lock: ["pip==26.2rc1", "virtualenv==21.14.1", "keyring==24.3.1"] },
      "mirror.lockFile",
      [/pins pip==26\.2rc1 with keyring==24\.3\.1/],
    ],
    [
      "pip==26.2.1 with keyring==25.1.0",
      { packages: ["keyring==25.1.0"], bootstrapPip: "pip==26.2.1" },
      "mirror.packages.0",
      [
        /^mirror\.packages\.0: "keyring==25\.1\.0" admits only keyring < 25\.2\.1, and mirror\.bootstrapPip "pip==26\.2\.1" only pip >= 26\.2, but pip >= 26\.2 asks keyring in creds mode/,
        /Fix: allow keyring >= 25\.2\.1 \(e\.g\. "keyring>=25\.2\.1,!=25\.4\.0"\), or a pip older than 26\.2 \(e\.g\. "pip>=23\.1,<26\.2"\)$/,
      ],
    ],
    [
      "pip>=26.2 with keyring<25",
      { packages: ["keyring<25"], bootstrapPip: "pip>=26.2" },
      "mirror.packages.0",
      [/"keyring<25" admits only keyring < 25\.2\.1, and mirror\.bootstrapPip "pip>=26\.2" only pip >= 26\.2/],
    ],
    [
      "pip>=26 in mirror.packages narrowed to >= 26.2, with keyring<25",
      { packages: ["keyring<25", "pip>26.1.9999"], bootstrapPip: "pip>=26.2" },
      "mirror.packages.0",
      [/mirror\.bootstrapPip "pip>=26\.2" with "pip>26\.1\.9999" only pip >= 26\.2/],
    ],
    [
      "two keyring requirements admitting only old ones",
      { packages: ["keyring>=24", "keyring<25"], bootstrapPip: "pip==26.2.1" },
      "mirror.packages",
      [/^mirror\.packages: "keyring>=24", "keyring<25" admits only keyring < 25\.2\.1/],
    ],
    // pips without keyring-provider
    [
      "bootstrapPip pip<23",
      { bootstrapPip: "pip<23" },
      "mirror.bootstrapPip",
      [/^mirror\.bootstrapPip: "pip<23" excludes pip >= 23\.1, which keyring-provider = subprocess needs: use e\.g\. "pip>=23\.1"$/],
    ],
    ["bootstrapPip pip<=23.0.1", { bootstrapPip: "pip<=23.0.1" }, "mirror.bootstrapPip", [/excludes pip >= 23\.1/]],
    ["bootstrapPip ==22.*", { bootstrapPip: "pip==22.*" }, "mirror.bootstrapPip", [/excludes pip >= 23\.1/]],
    [
      "bootstrapPip admitting versions >= 23.1 no one releases",
      { bootstrapPip: "pip<23.1.1,!=23.1" },
      "mirror.bootstrapPip",
      [/excludes pip >= 23\.1/],
    ],
    ["bootstrapPip contradicting itself", { bootstrapPip: "pip>=25,<24" }, "mirror.bootstrapPip", [/excludes pip >= 23\.1/]],
    ["bootstrapPip not pip", { bootstrapPip: "setuptools" }, "mirror.bootstrapPip", [/is not a pip requirement: use e\.g\. "pip>=23\.1"/]],
    ["bootstrapPip not PEP 440", { bootstrapPip: "pip>=latest" }, "mirror.bootstrapPip", [/is not a PEP 440 version specifier/]],
    [
      "a pip in mirror.packages that bootstrapPip excludes",
      { packages: ["keyring", "pip<23"] },
      "mirror.packages.1",
      [
        /^mirror\.packages\.1: "pip<23" and mirror\.bootstrapPip "pip>=23\.1" admit no pip >= 23\.1 together, which keyring-provider = subprocess needs: make them agree, or drop pip from mirror\.packages$/,
      ],
    ],
    [
      "a pip in mirror.packages that is not PEP 440",
      { packages: ["keyring", "pip>=new"] },
      "mirror.packages.1",
      [/"pip>=new" is not a PEP 440 version specifier: use e\.g\. "pip>=23\.1"/],
    ],
    [
      "a lock pinning pip 23.0.1",
      { lock: ["pip==23.0.1", "virtualenv==21.7.0", "keyring==25.7.0"] },
      "mirror.lockFile",
      [/^mirror\.lockFile: "helpers\.lock" pins pip==23\.0\.1: keyring-provider = subprocess needs pip >= 23\.1: pin a newer pip$/],
    ],
    [
      "a lock pinning a pip that is not PEP 440",
      { lock: ["pip==latest", "virtualenv==21.7.0", "keyring==25.7.0"] },
      "mirror.lockFile",
      [/pins pip==latest, which is not a PEP 440 version: make the lock again with recipes\/make-lock\.sh/],
    ],
  ])("%s", (_what, c, field, fixes) => {
    const lines = problems(c);
    const line = lines.find((l) => l.startsWith(`${field}: `));
    expect([line, lines]).toEqual([expect.any(String), lines]);
    for (const fix of fixes) expect(line).toMatch(fix);
    for (const l of lines) expect(l).not.toMatch(/\n|undefined/);
  });

  it("keeps each refused config to one line per field", () => {
    expect(problems({ packages: ["keyring==25.2.0"], bootstrapPip: "pip==26.2.1" })).toHaveLength(1);
    expect(problems({ lock: ["pip==26.2.1", "virtualenv==21.14.1", "keyring==25.2.0"] })).toHaveLength(1);
    expect(problems({ packages: ["keyring<25"], lock: ["pip==26.2.1", "virtualenv==21.14.1", "keyring==25.1.0"] })).toHaveLength(1);
  });
});

describe("config/pip-facts.ts", () => {
  it("states the facts the mirror's pairing.py applies to the wheels", () => {
    const agent = readFileSync(path.join(__dirname, "..", "agent", "pip_airlock_agent", "pairing.py"), "utf8");
    const constant = (name: string) => new RegExp(`^${name} = "([^"]+)"$`, "m").exec(agent)?.[1];
    expect([constant("PIP_CREDS_MODE"), constant("KEYRING_CREDS_MODE"), constant("PIP_KEYRING_PROVIDER")]).toEqual([
      PIP_CREDS_MODE,
      KEYRING_CREDS_MODE,
      PIP_KEYRING_PROVIDER,
    ]);
    const broken = /^BROKEN_KEYRINGS = \{\n([\s\S]*?)\n\}$/m.exec(agent)?.[1] ?? "";
    expect(Object.fromEntries([...broken.matchAll(/^ {4}"([^"]+)": "(.*)",$/gm)].map((m) => [m[1], m[2]]))).toEqual(BROKEN_KEYRINGS);
  });
});
