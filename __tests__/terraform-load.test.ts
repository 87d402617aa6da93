import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { synthesize } from "../synth/synthesize";
import { ASSETS, completeLock, EXAMPLE_CONFIG, ROOT } from "./config-support";
import { configurationProblems, emptyProviderMirror } from "./terraform";

const example = JSON.parse(readFileSync(EXAMPLE_CONFIG, "utf8"));
const LOCK = completeLock([
  "keyring==25.7.0 --hash=sha256:be4a0b195f149690c166e850609a477c532ddbfbaed96a404d4e43f8d5e2689f",
  "keyrings-google-artifactregistry-auth==1.1.2 --hash=sha256:" + "b".repeat(64),
  "pip==26.2.1 --hash=sha256:" + "a".repeat(64),
  "virtualenv==21.14.1 --hash=sha256:" + "c".repeat(64),
]);

/** Every shape of stack the app can produce, each synthesized by the app itself. */
const VARIANTS: Record<string, Record<string, unknown>> = {
  "remote mode": { mode: "remote" },
  "virtual repo, mirror mode": { repositories: { ...example.repositories, virtual: { enabled: true, id: "pip-all" } } },
  "virtual repo, remote mode": { mode: "remote", repositories: { ...example.repositories, virtual: { enabled: true, id: "pip-all" } } },
  "restricted VIP, mirror mode": { networks: { ...example.networks, private: { ...example.networks.private, googleApis: "restricted" } } },
  "restricted VIP, remote mode, VPC-SC policy managed": {
    mode: "remote",
    networks: { ...example.networks, private: { ...example.networks.private, googleApis: "restricted" } },
    repositories: { ...example.repositories, vpcscPolicy: "manage" },
  },
  "a mirror schedule (Cloud Scheduler starting the public host)": {
    mirror: { ...example.mirror, schedule: "0 3 * * 1", scheduleTimeZone: "Europe/Berlin" },
  },
  "two environments": {
    environments: {
      dev: { projectId: "airlock-dev" },
      prod: { projectId: "airlock-prod", region: "europe-west4", zone: "europe-west4-a", mode: "remote" },
    },
  },
  "principals on every repository, cleanup policies, a customer-managed key": {
    repositories: {
      ...example.repositories,
      virtual: { enabled: true, id: "pip-all" },
      access: {
        private: { readers: ["group:workloads@acme.example"], writers: ["serviceAccount:ci@acme-build.iam.gserviceaccount.com"] },
        virtual: { readers: ["principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/*"] },
        auth: { readers: ["user:auditor@acme.example"] },
      },
      cleanup: { auth: { keepNewest: 5 }, private: { deleteOlderThanDays: 90, dryRun: true } },
      kmsKeyName: "projects/acme-kms/locations/us-central1/keyRings/ar/cryptoKeys/pip",
    },
  },
  "a fleet: instance template and a managed instance group": { fleet: { name: "ml-workers", size: 2 } },
  "the mirror's signing key in a Cloud HSM at version 2, a key ring of its own, a policy, a fleet and auth readers (their public key grants)":
    {
      mirror: {
        ...example.mirror,
        signing: { keyRing: "acme-signing", protectionLevel: "HSM", keyVersion: 2 },
        policy: {
          minReleaseAgeDays: 3,
          ageExempt: ["keyring"],
          waivers: [{ id: "PYSEC-2024-12", reason: "reviewed in SEC-42" }],
          publishers: { keyring: "github:jaraco/keyring" },
        },
      },
      fleet: { name: "ml-workers", size: 1 },
      repositories: { ...example.repositories, access: { auth: { readers: ["group:build-vms@acme.example"] } } },
    },
  "a GPU fleet on N1 in a regional group: GPUs, a pd-ssd boot disk, opportunistic updates, autoscaling, a health check, an egress allow-list":
    {
      fleet: {
        name: "ml-workers",
        machineType: "n1-standard-8",
        accelerators: [{ type: "nvidia-tesla-t4", count: 1 }],
        bootDisk: { sizeGb: 200, type: "pd-ssd" },
        zones: ["us-central1-a", "us-central1-b"],
        updatePolicy: { type: "opportunistic" },
        autoscaling: { minReplicas: 2, maxReplicas: 30 },
        healthCheck: { port: 8080, path: "/healthz" },
      },
      networks: {
        ...example.networks,
        private: {
          ...example.networks.private,
          allowEgress: [{ name: "nfs", destinations: ["10.30.0.0/24"], protocol: "tcp", ports: [2049, "20048-20049"] }],
        },
      },
      logging: { allowedConnections: true },
    },
  "a zonal A2 fleet: built-in GPUs, autoscaled, a tcp health check, an update that takes a VM down instead of adding one": {
    fleet: {
      name: "trainers",
      machineType: "a2-highgpu-1g",
      autoscaling: { maxReplicas: 4 },
      healthCheck: { protocol: "tcp", port: 9000 },
      updatePolicy: { maxSurge: 0, maxUnavailable: 1 },
    },
  },
  "consumers: other teams' accounts granted, under the rules, their outputs reading the bootstrap's local; state in GCS": {
    consumers: {
      "rocky-team": {
        serviceAccounts: ["rocky-vms@acme-rocky.iam.gserviceaccount.com", "rocky-batch@acme-rocky.iam.gserviceaccount.com"],
        targets: ["rocky-linux-cloud/rocky-linux-9"],
      },
      analytics: {
        serviceAccounts: ["notebooks@acme-analytics.iam.gserviceaccount.com"],
        targets: [{ python: "3.11", glibc: "2.36", arch: "x86_64" }],
      },
    },
    stateBucket: { bucket: "airlock-state" },
  },
  "a lock file, state in GCS, no flow logs": {
    mirror: { ...example.mirror, lockFile: "mirror.lock" },
    stateBucket: { bucket: "airlock-state" },
    logging: { flowLogs: { enabled: false }, allowedConnections: true },
  },
};

function synthVariant(overrides: Record<string, unknown>): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), "airlock-variant-"));
  writeFileSync(path.join(dir, "mirror.lock"), LOCK);
  const configFile = path.join(dir, "config.json");
  writeFileSync(configFile, JSON.stringify({ ...example, ...overrides }));
  const outdir = path.join(dir, "cdktf.out");
  return synthesize({ configFile, outdir, assetsDir: ASSETS }).map((stack) =>
    readFileSync(path.join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"),
  );
}

const committedStacks = readdirSync(path.join(ROOT, "cdktf.out", "stacks")).map((stack) =>
  readFileSync(path.join(ROOT, "cdktf.out", "stacks", stack, "cdk.tf.json"), "utf8"),
);

describe("Terraform itself loads every stack the app can produce (terraform init, offline)", () => {
  const cliConfig = emptyProviderMirror();
  const cases: Array<[string, string[]]> = [
    ["the committed synth in cdktf.out/", committedStacks],
    ["config/example.json", synthVariant({})],
    ...Object.entries(VARIANTS).map(([name, overrides]): [string, string[]] => [name, synthVariant(overrides)]),
  ];

  it.each(cases)("%s", async (_name, stacks) => {
    expect(stacks.length).toBeGreaterThan(0);
    const problems = await Promise.all(stacks.map((json) => configurationProblems(json, cliConfig)));
    expect(problems).toEqual(stacks.map(() => []));
  });

  it.each(cases)("%s: depends_on and replace_triggered_by name resources of the stack as static references", (_name, stacks) => {
    for (const json of stacks) {
      const tf = JSON.parse(json);
      const declared = new Set(
        Object.entries<Record<string, unknown>>(tf.resource).flatMap(([type, byName]) => Object.keys(byName).map((n) => `${type}.${n}`)),
      );
      const resources = Object.values<Record<string, any>>(tf.resource).flatMap((byName) => Object.values<any>(byName));
      const dependsOn: string[] = resources.flatMap((r) => r.depends_on ?? []);
      // replace_triggered_by may also name one attribute of a resource (TYPE.NAME.ATTRIBUTE).
      const triggers: string[] = resources.flatMap((r) => r.lifecycle?.replace_triggered_by ?? []);
      expect(dependsOn.length).toBeGreaterThan(0);
      expect(triggers.length).toBeGreaterThan(0);
      for (const ref of dependsOn) {
        expect(ref).toMatch(/^[a-z][a-z0-9_]*\.[A-Za-z0-9_-]+$/);
        expect(declared).toContain(ref);
      }
      for (const ref of triggers) {
        expect(ref).toMatch(/^[a-z][a-z0-9_]*\.[A-Za-z0-9_-]+(\.[a-z_][a-z0-9_]*)?$/);
        expect(declared).toContain(ref.split(".").slice(0, 2).join("."));
      }
    }
  });

  it("the stacks loaded hold the mirror's signing key, its key ring and its grants (signer and public key viewers)", () => {
    const resources = cases.flatMap(([, stacks]) =>
      stacks.map((stack) => JSON.parse(stack).resource as Record<string, Record<string, any>>),
    );
    const types = new Set(resources.flatMap((r) => Object.keys(r)));
    for (const type of ["google_kms_key_ring", "google_kms_crypto_key", "google_kms_crypto_key_iam_member"])
      expect([type, types.has(type)]).toEqual([type, true]);
    const roles = new Set(resources.flatMap((r) => Object.values(r.google_kms_crypto_key_iam_member ?? {}).map((g) => g.role)));
    expect(roles).toEqual(
      new Set(["roles/cloudkms.signer", "roles/cloudkms.publicKeyViewer", "roles/cloudkms.cryptoKeyEncrypterDecrypter"]),
    );
    const levels = new Set(
      resources.flatMap((r) => Object.values(r.google_kms_crypto_key ?? {}).map((k) => k.version_template.protection_level)),
    );
    expect(levels).toEqual(new Set(["SOFTWARE", "HSM"]));
  });

  it("a configuration error is reported, not mistaken for a missing provider (the check can fail)", async () => {
    const broken = JSON.parse(committedStacks[0]);
    const [type, byName] = Object.entries<Record<string, any>>(broken.resource).find(([, r]) =>
      Object.values(r).some((x) => x.depends_on),
    )!;
    const name = Object.keys(byName).find((n) => byName[n].depends_on)!;
    broken.resource[type][name].depends_on = [`\${${broken.resource[type][name].depends_on[0]}}`];
    const problems = await configurationProblems(JSON.stringify(broken), cliConfig);
    expect(problems.join("\n")).toMatch(/Invalid expression|static variable reference/);
  });
});
