import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { loadConfig } from "../config/load";
import { buildStack, configErrorOf, EXAMPLE_CONFIG, hostByRole, resourcesOf, synthJson, SynthJson } from "./support";

const example = JSON.parse(readFileSync(EXAMPLE_CONFIG, "utf8"));
const dir = mkdtempSync(path.join(tmpdir(), "airlock-access-"));

function load(repositories: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const file = path.join(dir, `c${Math.random()}.json`);
  writeFileSync(file, JSON.stringify({ ...example, ...extra, repositories: { ...example.repositories, ...repositories } }));
  return loadConfig(file)[0].config;
}

function problems(repositories: Record<string, unknown>, extra: Record<string, unknown> = {}): string[] {
  return configErrorOf(() => load(repositories, extra)).problems;
}

/** "member role repository-id" for every repository grant. */
function grants(json: SynthJson): string[] {
  const ids = Object.fromEntries(
    Object.entries<any>(json.resource.google_artifact_registry_repository).map(([name, r]) => [
      `\${google_artifact_registry_repository.${name}.name}`,
      r.repository_id,
    ]),
  );
  return resourcesOf(json, "google_artifact_registry_repository_iam_member").map(
    (g) => `${g.member} ${g.role.replace("roles/artifactregistry.", "")} ${ids[g.repository]}`,
  );
}

const CI = "serviceAccount:ci-uploader@acme-build.iam.gserviceaccount.com";
const WORKLOADS = "group:ml-workloads@acme.example";
const POOL = "principalSet://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/gh/attribute.repository/acme/app";

describe("their principals: readers and writers per repository", () => {
  const config = load({
    virtual: { enabled: true, id: "pip-all" },
    access: {
      private: { readers: [WORKLOADS], writers: [CI, POOL] },
      virtual: { readers: [WORKLOADS] },
      auth: { readers: ["user:auditor@acme.example"] },
    },
  });
  const json = synthJson(buildStack(config).stack);
  const HOST = /^serviceAccount:\$\{google_service_account\.[^}]+\.email\}/;

  it("grants exactly the named members, repository-scoped, on the named repositories, beside the hosts' own grants", () => {
    const named = grants(json)
      .filter((g) => !HOST.test(g))
      .sort();
    expect(named).toEqual(
      [
        `${CI} writer my-private-pip-packages`,
        `${POOL} writer my-private-pip-packages`,
        `${WORKLOADS} reader my-private-pip-packages`,
        `${WORKLOADS} reader pip-all`,
        "user:auditor@acme.example reader pip-auth-repo",
      ].sort(),
    );
    for (const type of ["google_project_iam_member", "google_project_iam_binding", "google_project_iam_policy"])
      expect(json.resource[type]).toBeUndefined();
  });

  it("the auth repo stays helpers-only: its one writer is the public host", () => {
    const authWriters = grants(json).filter((g) => g.endsWith(" writer pip-auth-repo"));
    const publicHost = hostByRole(json, "mirror");
    expect(authWriters).toEqual([`serviceAccount:${publicHost.service_account.email} writer pip-auth-repo`]);
    expect(problems({ access: { auth: { writers: [CI] } } })).toEqual([
      "repositories.access.auth.writers: must stay empty: the auth repo holds only what the mirror uploads, and only the public host writes to it",
    ]);
  });

  it("grants keep their Terraform addresses when the members are listed in another order", () => {
    const reordered = synthJson(
      buildStack(
        load({
          virtual: { enabled: true, id: "pip-all" },
          access: {
            private: { readers: [WORKLOADS], writers: [POOL, CI] },
            virtual: { readers: [WORKLOADS] },
            auth: { readers: ["user:auditor@acme.example"] },
          },
        }),
      ).stack,
    );
    expect(Object.keys(reordered.resource.google_artifact_registry_repository_iam_member).sort()).toEqual(
      Object.keys(json.resource.google_artifact_registry_repository_iam_member).sort(),
    );
  });

  it.each([
    ["allUsers", /"allUsers" would make the repository public/],
    ["allAuthenticatedUsers", /"allAuthenticatedUsers" would make the repository public/],
    ["ci@acme.iam.gserviceaccount.com", /needs its kind: use "serviceAccount:ci@acme\.iam\.gserviceaccount\.com"/],
    ["serviceAccount:not-an-email", /must be an IAM member/],
  ])("refuses %s as a member, naming the field", (member, message) => {
    const [line] = problems({ access: { private: { readers: [member] } } });
    expect(line).toMatch(/^repositories\.access\.private\.readers\.0: /);
    expect(line).toMatch(message);
  });

  it("refuses readers of a repository the stack does not create", () => {
    expect(problems({ access: { virtual: { readers: [WORKLOADS] } } })[0]).toMatch(
      /^repositories\.access\.virtual\.readers: names readers of a virtual repository that is not enabled/,
    );
    expect(problems({ access: { remote: { readers: [WORKLOADS] } } })[0]).toMatch(
      /^repositories\.access\.remote\.readers: names readers of the remote repository, which mirror mode does not create/,
    );
    expect(problems({ access: { auth: { readers: [WORKLOADS] } } }, { mode: "remote" })[0]).toMatch(
      /^repositories\.access\.auth\.readers: .*remote mode does not create/,
    );
  });

  it("outputs what teams wire next: service accounts, the private subnet, each repository's ids and URLs", () => {
    const out = json.output!;
    expect(out.private_host_service_account.value).toMatch(/^\$\{google_service_account\.private-host-identity_account_[^.]+\.email\}$/);
    expect(out.public_host_service_account.value).toMatch(/^\$\{google_service_account\.public-host-identity_account_[^.]+\.email\}$/);
    expect(out.private_subnet_self_link.value).toMatch(/^\$\{google_compute_subnetwork\.private-network_subnet_[^.]+\.self_link\}$/);
    expect(Object.keys(out.repositories.value as any).sort()).toEqual(["auth", "private", "virtual"]);
    expect((out.repositories.value as any).virtual).toEqual({
      id: expect.stringMatching(/^\$\{google_artifact_registry_repository\.virtual-repo_repository_[^.]+\.id\}$/),
      repository_id: "pip-all",
      index_url: "https://us-central1-python.pkg.dev/airlock-example/pip-all/simple/",
      upload_url: "https://us-central1-python.pkg.dev/airlock-example/pip-all/",
    });
  });
});

describe("their repository policies", () => {
  const repoById = (json: SynthJson, id: string) =>
    resourcesOf(json, "google_artifact_registry_repository").find((r) => r.repository_id === id);

  it("by default: no cleanup policy, Google-managed encryption", () => {
    const json = synthJson(buildStack(load({})).stack);
    for (const repo of resourcesOf(json, "google_artifact_registry_repository")) {
      expect(repo.cleanup_policies).toBeUndefined();
      expect(repo.kms_key_name).toBeUndefined();
    }
  });

  it("cleanup keeps the newest versions of each package and deletes the older ones, per repository", () => {
    const json = synthJson(buildStack(load({ cleanup: { auth: { keepNewest: 3, deleteOlderThanDays: 30, dryRun: true } } })).stack);
    const auth = repoById(json, "pip-auth-repo");
    expect(auth.cleanup_policies).toEqual([
      { id: "keep-newest", action: "KEEP", most_recent_versions: { keep_count: 3 } },
      { id: "delete-old", action: "DELETE", condition: { tag_state: "ANY", older_than: "2592000s" } },
    ]);
    expect(auth.cleanup_policy_dry_run).toBe(true);
    expect(repoById(json, "my-private-pip-packages").cleanup_policies).toBeUndefined();
    expect(problems({ cleanup: { private: { keepNewest: 0 } } })[0]).toMatch(/^repositories\.cleanup\.private\.keepNewest: /);
  });

  it("a customer-managed key encrypts every repository; a key outside the region is refused", () => {
    const key = "projects/acme-kms/locations/us-central1/keyRings/ar/cryptoKeys/pip";
    const json = synthJson(buildStack(load({ kmsKeyName: key, virtual: { enabled: true, id: "pip-all" } })).stack);
    const repos = resourcesOf(json, "google_artifact_registry_repository");
    expect(repos).toHaveLength(3);
    for (const repo of repos) expect(repo.kms_key_name).toBe(key);
    expect(problems({ kmsKeyName: key.replace("us-central1", "europe-west4") })).toEqual([
      'repositories.kmsKeyName: is in location "europe-west4": Artifact Registry needs a key in the repositories\' region "us-central1"',
    ]);
    expect(problems({ kmsKeyName: "pip-key" })[0]).toMatch(/^repositories\.kmsKeyName: must be a Cloud KMS key/);
  });

  it("on a new project, one apply: AR's service agent is created (google-beta), granted the key, and every repository waits for that grant", () => {
    const key = "projects/acme-kms/locations/us-central1/keyRings/ar/cryptoKeys/pip";
    const json = synthJson(buildStack(load({ kmsKeyName: key })).stack) as any;
    const [[identityName, identity]] = Object.entries(json.resource.google_project_service_identity) as [string, any][];
    expect(identity).toMatchObject({ provider: "google-beta", project: "airlock-example", service: "artifactregistry.googleapis.com" });
    // The one grant on the customer-managed key (the others are on the mirror's signing key).
    const [[grantName, grant]] = (Object.entries(json.resource.google_kms_crypto_key_iam_member) as [string, any][]).filter(
      ([, g]) => g.crypto_key_id === key,
    );
    expect(grant).toMatchObject({
      crypto_key_id: key,
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: `\${google_project_service_identity.${identityName}.member}`,
    });
    for (const repo of resourcesOf(json, "google_artifact_registry_repository")) {
      expect(repo.depends_on).toEqual(expect.arrayContaining([`google_kms_crypto_key_iam_member.${grantName}`]));
    }
    // The APIs come first: the service identity needs artifactregistry.googleapis.com enabled.
    expect(identity.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^time_sleep\./)]));
    // Without a key, none of it.
    expect(synthJson(buildStack(load({})).stack).resource.google_project_service_identity).toBeUndefined();
  });
});
