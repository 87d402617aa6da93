// The mirror's signing key (Cloud KMS) and the settings that carry it and the mirror's policy to the host
// agent: the key and its grants (least privilege, the same identities the auth repo's readers are), the
// way private hosts reach Cloud KMS (Private Google Access), the config that sets it and what it refuses,
// and the real agent accepting the settings the synth renders.
import { spawnSync } from "child_process";
import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { contains, parseCidr } from "../config/cidr";
import { loadConfig } from "../config/load";
import { EnvironmentConfig } from "../config/schema";
import { METADATA_VALUE_LIMIT_BYTES } from "../startup-script/metadata-limit";
import {
  AGENT,
  buildStack,
  carriedSettings,
  completeLock,
  exampleConfig,
  exampleVariant,
  fleetSettings,
  hostByRole,
  refusals,
  resourcesOf,
  SynthJson,
  synthJson,
} from "./support";

const KEY = "projects/airlock-example/locations/us-central1/keyRings/pip-airlock-signing/cryptoKeys/mirror-signing";
/** The repositories' customer-managed key (config/example.json's): a key ring made before the stack. */
const CMEK = "projects/airlock-example/locations/us-central1/keyRings/pip-airlock/cryptoKeys/repositories";
const LOCK = completeLock([
  "keyring==25.7.0 --hash=sha256:be4a0b195f149690c166e850609a477c532ddbfbaed96a404d4e43f8d5e2689f",
  "keyrings.google-artifactregistry-auth==1.1.2 --hash=sha256:" + "b".repeat(64),
  "pip==26.2.1 --hash=sha256:" + "a".repeat(64),
  "virtualenv==21.14.1 --hash=sha256:" + "c".repeat(64),
]);
const POLICY = {
  minReleaseAgeDays: 14,
  ageExempt: ["keyring"],
  vulnerabilities: "report",
  waivers: [{ id: "GHSA-2222-3333-4444", reason: "not reachable: we never call the affected API (SEC-42)" }],
  provenance: "record",
  publishers: { keyring: "github:jaraco/keyring" },
};

const json = synthJson(buildStack().stack);

/** The Terraform address's name of the one resource of `type`, and its config. */
function only(tf: SynthJson, type: string): [string, any] {
  const entries = Object.entries<any>(tf.resource[type] ?? {});
  expect(entries).toHaveLength(1);
  return entries[0];
}

/** "ROLE MEMBER" of every grant on the signing key. */
function keyGrants(tf: SynthJson): string[] {
  const [keyName] = only(tf, "google_kms_crypto_key");
  return resourcesOf(tf, "google_kms_crypto_key_iam_member")
    .filter((g) => g.crypto_key_id === `\${google_kms_crypto_key.${keyName}.id}`)
    .map((g) => `${g.role} ${g.member}`)
    .sort();
}

/** Members with `role` on the repository `repositoryId`. */
function repoMembers(tf: SynthJson, repositoryId: string, role: string): string[] {
  const [name] = Object.entries<any>(tf.resource.google_artifact_registry_repository).find(([, r]) => r.repository_id === repositoryId)!;
  return resourcesOf(tf, "google_artifact_registry_repository_iam_member")
    .filter((g) => g.role === role && g.repository === `\${google_artifact_registry_repository.${name}.name}`)
    .map((g) => g.member)
    .sort();
}

const account = (tf: SynthJson, id: string) => {
  const [name] = Object.entries<any>(tf.resource.google_service_account).find(([, a]) => a.account_id === id)!;
  return `serviceAccount:\${google_service_account.${name}.email}`;
};

/** The settings as the synth renders them, checked by the real host agent: "ok", or its refusal. */
function agentVerdict(settings: string, script: "bootstrap" | "mirror"): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "airlock-agent-settings-")), "settings.json");
  writeFileSync(file, settings);
  const check =
    "import sys; sys.path.insert(0, sys.argv[1]); from pip_airlock_agent.settings import load; load(sys.argv[2], sys.argv[3]); print('ok')";
  const r = spawnSync("python3", ["-I", "-c", check, AGENT, file, script], { encoding: "utf8" });
  return (r.stdout + r.stderr).trim();
}

describe("the mirror's signing key", () => {
  it("is a key ring and an asymmetric signing key (RSA_SIGN_PKCS1_3072_SHA256, SOFTWARE) in the repositories' region", () => {
    const [ringName, ring] = only(json, "google_kms_key_ring");
    const [, key] = only(json, "google_kms_crypto_key");
    expect(ring).toMatchObject({ project: "airlock-example", location: "us-central1", name: "pip-airlock-signing" });
    expect(key).toMatchObject({
      name: "mirror-signing",
      key_ring: `\${google_kms_key_ring.${ringName}.id}`,
      purpose: "ASYMMETRIC_SIGN",
      version_template: { algorithm: "RSA_SIGN_PKCS1_3072_SHA256", protection_level: "SOFTWARE" },
      destroy_scheduled_duration: "2592000s",
    });
    expect(key.labels).toMatchObject({ "managed-by": "pip-airlock", "airlock-env": "airlock" });
    // Asymmetric keys do not rotate by themselves: a version is created by hand (output signing_key).
    expect(key.rotation_period).toBeUndefined();
    expect(key.skip_initial_version_creation).toBeUndefined();
  });

  it("in a Cloud HSM when asked, under a name of its own (Cloud KMS never frees a key's name, and a key keeps its protection level)", () => {
    const hsm = synthJson(buildStack(loadConfig(exampleVariant((c) => (c.mirror.signing = { protectionLevel: "HSM" })))[0].config).stack);
    expect(only(hsm, "google_kms_crypto_key")[1]).toMatchObject({
      name: "mirror-signing-hsm",
      version_template: { protection_level: "HSM" },
    });
    const named = loadConfig(exampleVariant((c) => (c.mirror.signing = { keyRing: "acme-signing", key: "pip", protectionLevel: "HSM" })))[0]
      .config;
    expect(named.mode === "mirror" && named.mirror.signing).toEqual({
      keyRing: "acme-signing",
      key: "pip",
      protectionLevel: "HSM",
      keyVersion: 1,
    });
  });

  it("is named in both scripts' settings as Terraform names it, known from the config alone (the scripts stay byte-reproducible)", () => {
    const [, ring] = only(json, "google_kms_key_ring");
    const [, key] = only(json, "google_kms_crypto_key");
    // google_kms_crypto_key's id is KEY_RING_ID/cryptoKeys/NAME, the key ring's projects/P/locations/L/keyRings/NAME.
    expect(KEY).toBe(`projects/${ring.project}/locations/${ring.location}/keyRings/${ring.name}/cryptoKeys/${key.name}`);
    const { stack } = buildStack();
    const mirror = carriedSettings(stack.mirrorScript!);
    const bootstrap = carriedSettings(stack.bootstrapScript);
    expect(mirror).toMatchObject({ SIGNING_KEY: KEY, SIGNING_KEY_VERSION: 1, KMS_ENDPOINT: "https://cloudkms.googleapis.com/v1/" });
    expect(bootstrap).toMatchObject({ SIGNING_KEY: KEY, KMS_ENDPOINT: "https://cloudkms.googleapis.com/v1/", LOCK_CONTENT: "" });
    expect(JSON.stringify([mirror, bootstrap])).not.toMatch(/\$\{/);
  });

  it("a new version to sign with (rotation) reaches the mirror's settings, and replaces the public host so that it signs again", () => {
    const rotated = buildStack(exampleConfig((c) => c.mode === "mirror" && (c.mirror.signing.keyVersion = 2))).stack;
    expect(carriedSettings(rotated.mirrorScript!).SIGNING_KEY_VERSION).toBe(2);
    const fingerprint = (tf: SynthJson) =>
      resourcesOf(tf, "terraform_data").find((r) => r.triggers_replace.mirror_spec_sha256).triggers_replace.mirror_spec_sha256;
    expect(fingerprint(synthJson(rotated))).not.toBe(fingerprint(json));
    // The key itself is unchanged: a version is created with gcloud, not by Terraform.
    expect(only(synthJson(rotated), "google_kms_crypto_key")[1]).toEqual(only(json, "google_kms_crypto_key")[1]);
  });

  it("outputs its name, the version the mirror signs with, and the commands to read its public key and rotate it", () => {
    expect(json.output!.signing_key.value).toEqual({
      key: KEY,
      key_version: 1,
      protection_level: "SOFTWARE",
      public_key:
        "gcloud kms keys versions get-public-key 1 --key mirror-signing --keyring pip-airlock-signing --location us-central1 --project airlock-example",
      rotate:
        "gcloud kms keys versions create --key mirror-signing --keyring pip-airlock-signing --location us-central1 --project airlock-example",
    });
  });

  it("Cloud KMS's API is enabled with the others, and everything waits for it", () => {
    const services = resourcesOf(json, "google_project_service").map((s) => s.service);
    expect(services).toContain("cloudkms.googleapis.com");
    for (const type of ["google_kms_key_ring", "google_kms_crypto_key", "google_kms_crypto_key_iam_member"]) {
      for (const r of resourcesOf(json, type))
        expect(r.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^time_sleep\./)]));
    }
  });
});

describe("its grants: least privilege, on the key only", () => {
  const CI = "serviceAccount:ci-uploader@acme-build.iam.gserviceaccount.com";
  const AUDITOR = "user:auditor@acme.example";
  const WORKLOADS = "group:ml-workloads@acme.example";
  const everything = (c: EnvironmentConfig) => {
    c.fleet = fleetSettings({ name: "workers", size: 2, machineType: "e2-small", image: "debian-cloud/debian-12", accountId: "workers" });
    c.repositories.virtual.enabled = true;
    c.repositories.access = {
      private: { readers: [WORKLOADS], writers: [CI] },
      virtual: { readers: [WORKLOADS] },
      remote: { readers: [] },
      auth: { readers: [AUDITOR], writers: [] },
    };
  };
  const full = synthJson(buildStack(exampleConfig(everything)).stack);

  it("the public host may sign; the private host may read the public key; nothing else", () => {
    expect(keyGrants(json)).toEqual(
      [
        `roles/cloudkms.signer ${account(json, "airlock-public-host")}`,
        `roles/cloudkms.publicKeyViewer ${account(json, "airlock-private-host")}`,
      ].sort(),
    );
  });

  it("every identity that bootstraps reads the public key: exactly the readers of the auth repo (private host, fleet, its declared readers)", () => {
    const viewers = keyGrants(full)
      .filter((g) => g.startsWith("roles/cloudkms.publicKeyViewer "))
      .map((g) => g.split(" ")[1]);
    expect(viewers).toEqual(repoMembers(full, "pip-auth-repo", "roles/artifactregistry.reader"));
    expect(viewers).toEqual([account(full, "airlock-private-host"), account(full, "workers"), AUDITOR].sort());
    // Readers of the other repositories do not bootstrap (they never read the auth repo): no grant on the key.
    expect(viewers).not.toContain(WORKLOADS);
    expect(keyGrants(full).filter((g) => g.startsWith("roles/cloudkms.signer "))).toEqual([
      `roles/cloudkms.signer ${account(full, "airlock-public-host")}`,
    ]);
  });

  it("no grant on the key ring, the project, or by a whole policy; the repositories' customer-managed key keeps its own grant", () => {
    for (const type of [
      "google_kms_key_ring_iam_member",
      "google_kms_key_ring_iam_binding",
      "google_kms_key_ring_iam_policy",
      "google_kms_crypto_key_iam_binding",
      "google_kms_crypto_key_iam_policy",
      "google_project_iam_member",
      "google_project_iam_binding",
    ]) {
      expect([type, full.resource[type]]).toEqual([type, undefined]);
    }
    const withCmek = synthJson(buildStack(exampleConfig((c) => (c.repositories.kmsKeyName = CMEK))).stack);
    const cmek = resourcesOf(withCmek, "google_kms_crypto_key_iam_member").filter(
      (g) => !g.crypto_key_id.startsWith("${google_kms_crypto_key."),
    );
    expect(cmek.map((g) => [g.crypto_key_id, g.role])).toEqual([[CMEK, "roles/cloudkms.cryptoKeyEncrypterDecrypter"]]);
    expect(keyGrants(withCmek)).toEqual(keyGrants(json));
  });

  it("each VM boots after its grant: the public host after the signer's, the private host and the fleet's template after their viewer's", () => {
    const grantOf = (tf: SynthJson, role: string, member: string) => {
      const [name] = Object.entries<any>(tf.resource.google_kms_crypto_key_iam_member).find(
        ([, g]) => g.role === role && g.member === member,
      )!;
      return `google_kms_crypto_key_iam_member.${name}`;
    };
    expect(hostByRole(full, "mirror").depends_on).toContain(grantOf(full, "roles/cloudkms.signer", account(full, "airlock-public-host")));
    expect(hostByRole(full, "bootstrap").depends_on).toContain(
      grantOf(full, "roles/cloudkms.publicKeyViewer", account(full, "airlock-private-host")),
    );
    expect(resourcesOf(full, "google_compute_instance_template")[0].depends_on).toContain(
      grantOf(full, "roles/cloudkms.publicKeyViewer", account(full, "workers")),
    );
  });

  it("keep their Terraform addresses when the auth repo's readers are listed in another order", () => {
    const readers = (list: string[]) =>
      Object.keys(
        synthJson(buildStack(exampleConfig((c) => (c.repositories.access.auth.readers = list))).stack).resource
          .google_kms_crypto_key_iam_member,
      ).sort();
    expect(readers(["user:a@acme.example", "user:b@acme.example"])).toEqual(readers(["user:b@acme.example", "user:a@acme.example"]));
  });
});

describe("remote mode: no mirror, nothing signed", () => {
  const remote = synthJson(buildStack(exampleConfig((c) => (c.mode = "remote"))).stack);

  it("has no key, no grant on one, no Cloud KMS API and no signing_key output; the bootstrap's SIGNING_KEY is empty", () => {
    for (const type of ["google_kms_key_ring", "google_kms_crypto_key"]) expect(remote.resource[type]).toBeUndefined();
    expect(
      resourcesOf(remote, "google_kms_crypto_key_iam_member").filter((g) => g.role !== "roles/cloudkms.cryptoKeyEncrypterDecrypter"),
    ).toEqual([]);
    expect(resourcesOf(remote, "google_project_service").map((s) => s.service)).not.toContain("cloudkms.googleapis.com");
    expect(remote.output!.signing_key).toBeUndefined();
    const { stack } = buildStack(exampleConfig((c) => (c.mode = "remote")));
    expect(carriedSettings(stack.bootstrapScript)).toMatchObject({
      SIGNING_KEY: "",
      KMS_ENDPOINT: "https://cloudkms.googleapis.com/v1/",
      LOCK_CONTENT: "",
    });
  });

  it.each(["signing", "policy"])("refuses mirror.%s, which it cannot apply, naming the field and the fix", (part) => {
    const lines = refusals(exampleVariant((c) => ((c.mode = "remote"), (c.mirror[part] = {}))));
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(
          `^mirror\\.${part}: does not apply in remote mode: there is no mirror, .*Remove it, or use mode "mirror" \\(with environments: set it only in the environments of mode "mirror"\\)$`,
        ),
      ),
    ]);
  });
});

describe("the mirror's policy (POLICY) and the bootstrap's lock (LOCK_CONTENT)", () => {
  it("by default: a 7-day cooldown, vulnerabilities refused, provenance changes refused, no exemption, waiver or publisher", () => {
    expect(carriedSettings(buildStack().stack.mirrorScript!).POLICY).toEqual({
      MIN_RELEASE_AGE_DAYS: 7,
      AGE_EXEMPT: [],
      VULNERABILITIES: "refuse",
      OSV_URL: "https://api.osv.dev/v1/querybatch",
      WAIVERS: [],
      PROVENANCE: "refuse-changed",
      INTEGRITY_URL: "https://pypi.org/integrity/",
      PUBLISHERS: {},
    });
  });

  it("carries the config's policy as the agent names it, and the lock to both scripts", () => {
    const [env] = loadConfig(exampleVariant((c) => (c.mirror.policy = POLICY)));
    const { stack } = buildStack(env.config, LOCK);
    expect(carriedSettings(stack.mirrorScript!).POLICY).toEqual({
      MIN_RELEASE_AGE_DAYS: 14,
      AGE_EXEMPT: ["keyring"],
      VULNERABILITIES: "report",
      OSV_URL: "https://api.osv.dev/v1/querybatch",
      WAIVERS: [{ ID: "GHSA-2222-3333-4444", REASON: "not reachable: we never call the affected API (SEC-42)" }],
      PROVENANCE: "record",
      INTEGRITY_URL: "https://pypi.org/integrity/",
      PUBLISHERS: { keyring: "github:jaraco/keyring" },
    });
    expect(carriedSettings(stack.mirrorScript!).LOCK_CONTENT).toBe(LOCK);
    expect(carriedSettings(stack.bootstrapScript).LOCK_CONTENT).toBe(LOCK);
  });

  it("both scripts stay well under GCE's 256 KB metadata limit with a lock of the whole closure and a long policy", () => {
    const policy = {
      ...POLICY,
      waivers: Array.from({ length: 40 }, (_, i) => ({
        id: `PYSEC-2025-${i + 1}`,
        reason: "reviewed: not reachable from the helpers' code paths (SEC-42)",
      })),
    };
    const [env] = loadConfig(exampleVariant((c) => (c.mirror.policy = policy)));
    const { stack } = buildStack(env.config, LOCK);
    for (const script of [stack.mirrorScript!, stack.bootstrapScript])
      expect(Buffer.byteLength(script)).toBeLessThan(METADATA_VALUE_LIMIT_BYTES / 2);
  });
});

describe("the real host agent accepts the settings the synth renders", () => {
  const cases: Array<[string, (c: any) => void, string]> = [
    ["the example", () => {}, ""],
    [
      "a policy, an HSM key at version 3, and a lock",
      (c) => ((c.mirror.policy = POLICY), (c.mirror.signing = { protectionLevel: "HSM", keyVersion: 3 })),
      LOCK,
    ],
    ["remote mode (no signing key)", (c) => (c.mode = "remote"), LOCK],
  ];
  it.each(cases)("%s", (_name, edit, lock) => {
    const [env] = loadConfig(exampleVariant(edit));
    const { stack } = buildStack(env.config, lock);
    for (const script of stack.startupScripts)
      expect([script.name, agentVerdict(script.settingsJson, script.command)]).toEqual([script.name, "ok"]);
    expect(stack.startupScripts.map((s) => s.command)).toEqual(env.config.mode === "mirror" ? ["bootstrap", "mirror"] : ["bootstrap"]);
  });

  it("and refuses them edited (the check can fail): a KMS endpoint off Google's API hosts", () => {
    const settings = JSON.parse(buildStack().stack.startupScripts[0].settingsJson);
    expect(agentVerdict(JSON.stringify({ ...settings, KMS_ENDPOINT: "https://kms.evil.example/v1/" }), "bootstrap")).toMatch(
      /KMS_ENDPOINT/,
    );
  });
});

describe("private hosts reach Cloud KMS through Private Google Access", () => {
  /** What the private network's own DNS answers for `name`: its A records, following CNAMEs inside its zones. */
  function resolve(tf: SynthJson, name: string): string[] {
    const zones = Object.entries<any>(tf.resource.google_dns_managed_zone);
    const records = resourcesOf(tf, "google_dns_record_set");
    let current = name;
    for (let hop = 0; hop < 5; hop++) {
      const zone = zones
        .filter(([, z]) => current === z.dns_name || current.endsWith(`.${z.dns_name}`))
        .sort(([, a], [, b]) => b.dns_name.length - a.dns_name.length)[0];
      if (!zone) return [];
      const inZone = records.filter((r) => r.managed_zone === `\${google_dns_managed_zone.${zone[0]}.name}`);
      const record =
        inZone.find((r) => r.name === current) ?? inZone.find((r) => r.name.startsWith("*.") && current.endsWith(r.name.slice(1)));
      if (!record) return [];
      if (record.type === "A") return record.rrdatas;
      current = record.rrdatas[0];
    }
    return [];
  }

  it.each(["private", "restricted"] as const)(
    "the %s VIP: the host of KMS_ENDPOINT resolves into the VIP, which the one route and the egress rule allow on tcp/443",
    (vip) => {
      const { stack } = buildStack(exampleConfig((c) => (c.networks.private.googleApis = vip)));
      const tf = synthJson(stack);
      const host = new URL(carriedSettings(stack.bootstrapScript).KMS_ENDPOINT).hostname;
      expect(host).toBe("cloudkms.googleapis.com");
      const addresses = resolve(tf, `${host}.`);
      expect(addresses).toHaveLength(4);
      const [route] = resourcesOf(tf, "google_compute_route");
      const allow = resourcesOf(tf, "google_compute_firewall").find(
        (f) => f.direction === "EGRESS" && f.allow && f.network === route.network,
      );
      expect(allow.allow).toEqual([{ protocol: "tcp", ports: ["443"] }]);
      for (const address of addresses) {
        expect([address, contains(parseCidr(route.dest_range)!, parseCidr(`${address}/32`)!)]).toEqual([address, true]);
        expect([address, allow.destination_ranges.some((r: string) => contains(parseCidr(r)!, parseCidr(`${address}/32`)!))]).toEqual([
          address,
          true,
        ]);
      }
      expect(route.dest_range).toBe(vip === "private" ? "199.36.153.8/30" : "199.36.153.4/30");
    },
  );
});

describe("its config", () => {
  const table: Array<[string, (c: any) => void, string, RegExp]> = [
    [
      "a key version below 1",
      (c) => (c.mirror.signing = { keyVersion: 0 }),
      "mirror.signing.keyVersion",
      /must be at least 1: Cloud KMS numbers a key's versions from 1/,
    ],
    [
      "a protection level Cloud KMS signs with in no key ring here",
      (c) => (c.mirror.signing = { protectionLevel: "EXTERNAL" }),
      "mirror.signing.protectionLevel",
      /must be one of "SOFTWARE", "HSM"/,
    ],
    [
      "a key ring name KMS refuses",
      (c) => (c.mirror.signing = { keyRing: "pip airlock" }),
      "mirror.signing.keyRing",
      /Cloud KMS name: 1-63 letters, digits, '_' or '-'/,
    ],
    [
      "the key ring of the repositories' own key, which must exist first",
      (c) => ((c.repositories.kmsKeyName = CMEK), (c.mirror.signing = { keyRing: "pip-airlock" })),
      "mirror.signing.keyRing",
      /is the key ring of repositories\.kmsKeyName, which must exist before a deploy.*name another key ring/,
    ],
    [
      "a negative cooldown",
      (c) => (c.mirror.policy = { minReleaseAgeDays: -1 }),
      "mirror.policy.minReleaseAgeDays",
      /at least 0 \(0 turns the cooldown off\)/,
    ],
    [
      "a name that is not normalized",
      (c) => (c.mirror.policy = { ageExempt: ["Jaraco.Classes"] }),
      "mirror.policy.ageExempt.0",
      /PEP 503 normalized name: write "jaraco-classes"/,
    ],
    [
      "an exemption from a cooldown that is off",
      (c) => (c.mirror.policy = { minReleaseAgeDays: 0, ageExempt: ["keyring"] }),
      "mirror.policy.ageExempt",
      /cooldown that is off/,
    ],
    [
      "an unknown vulnerability mode",
      (c) => (c.mirror.policy = { vulnerabilities: "ignore" }),
      "mirror.policy.vulnerabilities",
      /"refuse", "report", "off"/,
    ],
    [
      "a waiver that is no advisory id",
      (c) => (c.mirror.policy = { waivers: [{ id: "CVE-24-1", reason: "r" }] }),
      "mirror.policy.waivers.0.id",
      /advisory id such as "GHSA-xxxx-xxxx-xxxx"/,
    ],
    [
      "a waiver without a reason",
      (c) => (c.mirror.policy = { waivers: [{ id: "PYSEC-2024-12", reason: "  " }] }),
      "mirror.policy.waivers.0.reason",
      /must say why the advisory does not apply/,
    ],
    [
      "a waiver whose reason would forge a log line",
      (c) => (c.mirror.policy = { waivers: [{ id: "PYSEC-2024-12", reason: "ok\nFAKE LINE" }] }),
      "mirror.policy.waivers.0.reason",
      /one line of printable text/,
    ],
    ["a waiver without its id", (c) => (c.mirror.policy = { waivers: [{ reason: "r" }] }), "mirror.policy.waivers.0.id", /is required/],
    [
      "an advisory waived twice",
      (c) =>
        (c.mirror.policy = {
          waivers: [
            { id: "CVE-2024-12345", reason: "a" },
            { id: "CVE-2024-12345", reason: "b" },
          ],
        }),
      "mirror.policy.waivers",
      /waives an advisory twice/,
    ],
    [
      "waivers while vulnerabilities are off",
      (c) => (c.mirror.policy = { vulnerabilities: "off", waivers: [{ id: "CVE-2024-12345", reason: "a" }] }),
      "mirror.policy.waivers",
      /does not look up/,
    ],
    [
      "an unknown provenance mode",
      (c) => (c.mirror.policy = { provenance: "enforce" }),
      "mirror.policy.provenance",
      /"refuse-changed", "record", "off"/,
    ],
    [
      "a publisher that is no GitHub repository",
      (c) => (c.mirror.policy = { publishers: { keyring: "jaraco/keyring" } }),
      "mirror.policy.publishers.keyring",
      /must be "github:OWNER\/REPO"/,
    ],
    [
      "a publisher's project not normalized",
      (c) => (c.mirror.policy = { publishers: { Keyring: "github:jaraco/keyring" } }),
      "mirror.policy.publishers.Keyring",
      /write "keyring"/,
    ],
    [
      "publishers while provenance is off",
      (c) => (c.mirror.policy = { provenance: "off", publishers: { keyring: "github:jaraco/keyring" } }),
      "mirror.policy.publishers",
      /does not check \(provenance "off"\)/,
    ],
    [
      "a misspelt policy key",
      (c) => (c.mirror.policy = { minReleaseAgeDay: 3 }),
      "mirror.policy.minReleaseAgeDay",
      /unknown key: did you mean "minReleaseAgeDays"\?$/,
    ],
  ];

  it.each(table)("refuses %s, naming the field and the fix", (_what, change, field, fix) => {
    const lines = refusals(exampleVariant(change));
    const line = lines.find((l) => l.startsWith(`${field}: `));
    expect([field, line]).toEqual([field, expect.stringMatching(fix)]);
  });

  it("refuses two environments of one project and region that would both create the signing key's key ring; another name or region frees it", () => {
    const lines = refusals(
      exampleVariant((c) => (c.environments = { dev: { hosts: { publicName: "dev-public", privateName: "dev-private" } }, prod: {} })),
    );
    expect(lines).toContain(
      'environments.prod.mirror.signing.keyRing: key ring us-central1/pip-airlock-signing in project airlock-example is also environment "dev"\'s: give each environment its own name or project',
    );
    const apart = exampleVariant(
      (c) =>
        (c.environments = {
          dev: { projectId: "airlock-dev", mirror: { signing: { keyRing: "dev-signing" } } },
          prod: { projectId: "airlock-prod" },
        }),
    );
    expect(loadConfig(apart).map((e) => e.config.mode === "mirror" && e.config.mirror.signing.keyRing)).toEqual([
      "dev-signing",
      "pip-airlock-signing",
    ]);
  });
});
