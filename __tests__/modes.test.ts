import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError, loadConfig } from "../config/load";
import { EnvironmentConfig, environmentSchema } from "../config/schema";
import { AirlockStack } from "../constructs/airlock-stack";
import { referencedScriptFile } from "../startup-script/script-reference";
import {
  buildStack,
  carriedScript,
  carriedSettings,
  EXAMPLE_CONFIG,
  exampleConfig,
  hostsByRole,
  resourcesOf,
  SynthJson,
  synthJson,
} from "./support";

const AR = "https://us-central1-python.pkg.dev/airlock-example";
const KEYRING_AR = "https://oauth2accesstoken@us-central1-python.pkg.dev/airlock-example";
const URL = {
  authIndex: `${AR}/pip-auth-repo/simple/`,
  remoteIndex: `${AR}/pypi-remote/simple/`,
  privateIndex: `${AR}/my-private-pip-packages/simple/`,
  privateUpload: `${AR}/my-private-pip-packages/`,
  virtualIndex: `${AR}/pip-all/simple/`,
  privateKeyring: `${KEYRING_AR}/my-private-pip-packages/simple/`,
  virtualKeyring: `${KEYRING_AR}/pip-all/simple/`,
};

const remote = (c: EnvironmentConfig) => void (c.mode = "remote");
const withVirtual = (mode: "mirror" | "remote") => (c: EnvironmentConfig) => {
  c.mode = mode;
  c.repositories.virtual.enabled = true;
};

function key(json: SynthJson, type: string, match: (r: any) => boolean): string {
  const entry = Object.entries(json.resource[type] ?? {}).find(([, r]) => match(r));
  if (!entry) throw new Error(`no ${type} matches`);
  return entry[0];
}

function repo(json: SynthJson, repositoryId: string): any {
  return json.resource.google_artifact_registry_repository[
    key(json, "google_artifact_registry_repository", (r) => r.repository_id === repositoryId)
  ];
}

function bootstrapInstance(json: SynthJson): any {
  const hosts = hostsByRole(json, "bootstrap");
  expect(hosts).toHaveLength(1);
  return hosts[0];
}

/** repository_id of every repository `accountId`'s service account gets `role` on. */
function grantedRepos(json: SynthJson, accountId: string, role: string): string[] {
  const sa = key(json, "google_service_account", (a) => a.account_id === accountId);
  const repos = json.resource.google_artifact_registry_repository;
  return resourcesOf(json, "google_artifact_registry_repository_iam_member")
    .filter((m) => m.role === role && m.member === `serviceAccount:\${google_service_account.${sa}.email}`)
    .map((m) => {
      const ref = /^\$\{google_artifact_registry_repository\.([^.]+)\.name\}$/.exec(m.repository);
      expect(ref).not.toBeNull();
      return repos[ref![1]].repository_id as string;
    })
    .sort();
}

/** Which value each endpoint setting of the bootstrap gets, as the script carries it to the agent. */
function probe(edit?: (c: EnvironmentConfig) => void): string[] {
  const settings = carriedSettings(buildStack(exampleConfig(edit)).stack.bootstrapScript);
  return [
    `auth=${settings.AUTH_REPO_INDEX_URL}`,
    `pip=${settings.INDEX_URL}`,
    `upload=${settings.UPLOAD_REPO_URL}`,
    `host=${settings.AR_HOST}`,
  ];
}

describe("remote mode", () => {
  let stack: AirlockStack;
  let json: SynthJson;
  beforeAll(() => {
    ({ stack } = buildStack(exampleConfig(remote)));
    json = synthJson(stack);
  });

  it("has no public side: no public network, router, NAT, public host, public SA, terraform_data", () => {
    expect(stack.publicNetwork).toBeUndefined();
    expect(stack.publicHost).toBeUndefined();
    expect(stack.mirrorScript).toBeUndefined();
    expect(resourcesOf(json, "google_compute_network").map((n) => n.name)).toEqual(["airlock-private"]);
    expect(resourcesOf(json, "google_compute_subnetwork").map((n) => n.ip_cidr_range)).toEqual(["10.20.0.0/24"]);
    expect(resourcesOf(json, "google_compute_router")).toEqual([]);
    expect(resourcesOf(json, "google_compute_router_nat")).toEqual([]);
    expect(resourcesOf(json, "google_compute_instance").map((i) => [i.name, i.labels["airlock-role"]])).toEqual([
      ["airlock-private-host", "bootstrap"],
    ]);
    expect(resourcesOf(json, "google_service_account").map((a) => a.account_id)).toEqual(["airlock-private-host"]);
    // The only fingerprint is the private host's bootstrap: there is no mirror spec.
    expect(Object.values(json.resource.terraform_data).map((r: any) => Object.keys(r.triggers_replace))).toEqual([["bootstrap_sha256"]]);
    expect(JSON.stringify(json)).not.toContain("airlock-public");
    for (const output of ["public_host_ssh", "auth_repo_index_url", "mirror_spec_sha256"]) expect(json.output![output]).toBeUndefined();
  });

  it("proxies PyPI with an AR remote repository; no auth repo", () => {
    const repos = resourcesOf(json, "google_artifact_registry_repository");
    expect(repos.map((r) => [r.repository_id, r.mode]).sort()).toEqual([
      ["my-private-pip-packages", "STANDARD_REPOSITORY"],
      ["pypi-remote", "REMOTE_REPOSITORY"],
    ]);
    const pypi = repo(json, "pypi-remote");
    expect(pypi.format).toBe("PYTHON");
    expect(pypi.location).toBe("us-central1");
    expect(pypi.remote_repository_config.python_repository.public_repository).toBe("PYPI");
    expect(pypi.virtual_repository_config).toBeUndefined();
    expect(repo(json, "my-private-pip-packages").remote_repository_config).toBeUndefined();
    expect(stack.helpersRepo.indexUrl).toBe(URL.remoteIndex);
    expect(json.output!.pypi_remote_index_url.value).toBe(URL.remoteIndex);
  });

  it("a custom remote repo id flows into the repository and the script", () => {
    const { stack: custom } = buildStack(
      exampleConfig((c) => {
        c.mode = "remote";
        c.repositories.remote = "pypi-proxy";
      }),
    );
    expect(repo(synthJson(custom), "pypi-proxy").mode).toBe("REMOTE_REPOSITORY");
    expect(carriedSettings(custom.bootstrapScript).AUTH_REPO_INDEX_URL).toBe(`${AR}/pypi-proxy/simple/`);
  });

  it("the private host's bootstrap installs the helpers from the remote repo's simple index", () => {
    const script = carriedScript(json, bootstrapInstance(json).metadata["startup-script"], stack);
    expect(carriedSettings(script).AUTH_REPO_INDEX_URL).toBe(URL.remoteIndex);
    expect(script).not.toContain("pip-auth-repo");
    expect(probe(remote)).toEqual([
      `auth=${URL.remoteIndex}`,
      `pip=${URL.privateKeyring}`,
      `upload=${URL.privateUpload}`,
      "host=us-central1-python.pkg.dev",
    ]);
  });

  it("the private SA reads the remote and the private repo, and nobody can write anything", () => {
    expect(grantedRepos(json, "airlock-private-host", "roles/artifactregistry.reader")).toEqual(["my-private-pip-packages", "pypi-remote"]);
    expect(
      resourcesOf(json, "google_artifact_registry_repository_iam_member").filter((m) => m.role !== "roles/artifactregistry.reader"),
    ).toEqual([]);
  });
});

describe("mirror mode (the default) for contrast", () => {
  it("the bootstrap reads the helpers from the auth repo, which the public SA writes", () => {
    const { stack } = buildStack();
    const json = synthJson(stack);
    expect(repo(json, "pip-auth-repo").mode).toBe("STANDARD_REPOSITORY");
    expect(resourcesOf(json, "google_artifact_registry_repository").some((r) => r.mode === "REMOTE_REPOSITORY")).toBe(false);
    expect(grantedRepos(json, "airlock-public-host", "roles/artifactregistry.writer")).toEqual(["pip-auth-repo"]);
    expect(grantedRepos(json, "airlock-private-host", "roles/artifactregistry.reader")).toEqual([
      "my-private-pip-packages",
      "pip-auth-repo",
    ]);
    expect(probe()[0]).toBe(`auth=${URL.authIndex}`);
    expect(json.output!.pip_index_url.value).toBe(URL.privateKeyring);
    expect(json.output!.virtual_repo_index_url).toBeUndefined();
    expect(resourcesOf(json, "google_artifact_registry_repository").some((r) => r.mode === "VIRTUAL_REPOSITORY")).toBe(false);
  });
});

describe.each([
  ["mirror", "pip-auth-repo"],
  ["remote", "pypi-remote"],
] as const)("a virtual repo in %s mode", (mode, helpersId) => {
  let stack: AirlockStack;
  let json: SynthJson;
  beforeAll(() => {
    ({ stack } = buildStack(exampleConfig(withVirtual(mode))));
    json = synthJson(stack);
  });

  it("is a VIRTUAL_REPOSITORY over the private repo and the helpers repo, private strictly first", () => {
    const virtuals = resourcesOf(json, "google_artifact_registry_repository").filter((r) => r.mode === "VIRTUAL_REPOSITORY");
    expect(virtuals.map((v) => [v.repository_id, v.format])).toEqual([["pip-all", "PYTHON"]]);
    const policies: Array<{ id: string; repository: string; priority: number }> = virtuals[0].virtual_repository_config.upstream_policies;
    const repos = json.resource.google_artifact_registry_repository;
    const upstreams = policies.map((p) => {
      const ref = /^\$\{google_artifact_registry_repository\.([^.]+)\.id\}$/.exec(p.repository);
      expect(ref).not.toBeNull();
      expect(repos[ref![1]]).toBeDefined();
      return { repositoryId: repos[ref![1]].repository_id as string, mode: repos[ref![1]].mode as string, priority: p.priority, id: p.id };
    });
    expect(upstreams.map((u) => u.repositoryId).sort()).toEqual(["my-private-pip-packages", helpersId].sort());
    expect(new Set(upstreams.map((u) => u.id)).size).toBe(upstreams.length);
    const privateUpstream = upstreams.find((u) => u.repositoryId === "my-private-pip-packages")!;
    expect(privateUpstream.mode).toBe("STANDARD_REPOSITORY");
    for (const other of upstreams.filter((u) => u !== privateUpstream)) {
      expect(typeof other.priority).toBe("number");
      expect(privateUpstream.priority).toBeGreaterThan(other.priority);
    }
    expect(upstreams.find((u) => u.repositoryId === helpersId)!.mode).toBe(mode === "remote" ? "REMOTE_REPOSITORY" : "STANDARD_REPOSITORY");
  });

  it("pip's index is the virtual repo's oauth2accesstoken@ index, in the script and the output", () => {
    expect(json.output!.pip_index_url.value).toBe(URL.virtualKeyring);
    expect(json.output!.virtual_repo_index_url.value).toBe(URL.virtualIndex);
    const script = carriedScript(json, bootstrapInstance(json).metadata["startup-script"], stack);
    expect(carriedSettings(script).INDEX_URL).toBe(URL.virtualKeyring);
    expect(script).not.toContain(URL.privateKeyring);
    expect(probe(withVirtual(mode)).slice(0, 3)).toEqual([
      `auth=${mode === "remote" ? URL.remoteIndex : URL.authIndex}`, // the helpers still come from their own repo
      `pip=${URL.virtualKeyring}`,
      `upload=${URL.privateUpload}`, // twine uploads to the private repo, never the virtual one
    ]);
  });

  it("the private SA can read the virtual repo (and its upstreams)", () => {
    expect(grantedRepos(json, "airlock-private-host", "roles/artifactregistry.reader")).toEqual(
      ["my-private-pip-packages", "pip-all", helpersId].sort(),
    );
  });
});

describe("the bootstrap script is exposed for the user's own VMs", () => {
  it.each([
    ["mirror", undefined],
    ["remote + virtual", withVirtual("remote")],
  ])("%s: stack.bootstrapScript is the private host's startup-script and the private_host_bootstrap_script output", (_, edit) => {
    const { stack } = buildStack(exampleConfig(edit));
    const json = synthJson(stack);
    expect(stack.bootstrapScript.length).toBeGreaterThan(200);
    expect(carriedSettings(stack.bootstrapScript).INDEX_URL).toBe(json.output!.pip_index_url.value);
    expect(carriedScript(json, bootstrapInstance(json).metadata["startup-script"], stack)).toBe(stack.bootstrapScript);
    expect(carriedScript(json, json.output!.private_host_bootstrap_script.value, stack)).toBe(stack.bootstrapScript);
    // One reference, to one file: the host and the output carry the same script.
    expect(json.output!.private_host_bootstrap_script.value).toBe(bootstrapInstance(json).metadata["startup-script"]);
  });

  it("mirror mode: the public host runs the mirror script, not the bootstrap", () => {
    const { stack } = buildStack();
    const json = synthJson(stack);
    const [mirrorHost] = hostsByRole(json, "mirror");
    expect(stack.mirrorScript).toBeDefined();
    expect(carriedScript(json, mirrorHost.metadata["startup-script"], stack)).toBe(stack.mirrorScript);
    expect(stack.mirrorScript).not.toBe(stack.bootstrapScript);
  });

  it("no script text is in the Terraform: each host and the output reference a script file through a local, which file() reads without evaluating it", () => {
    const { stack } = buildStack(exampleConfig(withVirtual("mirror")));
    const json = synthJson(stack);
    const scripts = resourcesOf(json, "google_compute_instance").map((i) => i.metadata["startup-script"] as string);
    scripts.push(json.output!.private_host_bootstrap_script.value);
    expect(stack.bootstrapScript).toMatch(/\$\{/); // the scripts really use bash ${...}
    expect(scripts.map((script) => referencedScriptFile(json, script)).sort()).toEqual([
      "private-host-bootstrap.sh",
      "private-host-bootstrap.sh",
      "public-host-mirror.sh",
    ]);
    expect(JSON.stringify(json)).not.toContain("#!/usr/bin/env bash");
  });
});

describe("bad repository combinations are rejected by the config schema", () => {
  const raw = () => {
    const { name: _name, ...env } = JSON.parse(readFileSync(EXAMPLE_CONFIG, "utf8"));
    return env;
  };
  const issues = (edit: (c: any) => void) => {
    const c = raw();
    edit(c);
    const result = environmentSchema.safeParse(c);
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };

  it("accepts the example, and the example with a virtual repo in either mode", () => {
    expect(issues(() => {})).toEqual([]);
    expect(issues((c) => (c.repositories.virtual.enabled = true))).toEqual([]);
    expect(
      issues((c) => {
        c.mode = "remote";
        c.repositories.virtual.enabled = true;
      }),
    ).toEqual([]);
  });

  it.each([
    [
      "virtual id = private id",
      (c: any) => (c.repositories.virtual = { enabled: true, id: "my-private-pip-packages" }),
      /^repositories\.virtual: repeats the id "my-private-pip-packages" of repositories\.private/,
    ],
    [
      "virtual id = auth id (mirror)",
      (c: any) => (c.repositories.virtual = { enabled: true, id: "pip-auth-repo" }),
      /^repositories\.virtual: repeats the id "pip-auth-repo" of repositories\.auth/,
    ],
    [
      "virtual id = remote id (remote)",
      (c: any) => {
        c.mode = "remote";
        c.repositories.remote = "pypi";
        c.repositories.virtual = { enabled: true, id: "pypi" };
      },
      /^repositories\.virtual: repeats the id "pypi" of repositories\.remote/,
    ],
    [
      "remote id = private id (remote)",
      (c: any) => {
        c.mode = "remote";
        c.repositories.remote = "my-private-pip-packages";
      },
      /^repositories\.remote: repeats the id "my-private-pip-packages"/,
    ],
    [
      "auth id = private id",
      (c: any) => (c.repositories.auth = "my-private-pip-packages"),
      /^repositories\.private: repeats the id "my-private-pip-packages" of repositories\.auth/,
    ],
    ["an unknown mode", (c: any) => (c.mode = "proxy"), /^mode: /],
    ["virtual.enabled not a boolean", (c: any) => (c.repositories.virtual.enabled = "yes"), /^repositories\.virtual\.enabled: /],
    ["an unknown key in virtual", (c: any) => (c.repositories.virtual.priority = 5), /^repositories\.virtual: .*priority/],
    [
      "an id AR would reject",
      (c: any) => (c.repositories.virtual = { enabled: true, id: "Pip_All" }),
      /^repositories\.virtual\.id: must be an Artifact Registry repository id/,
    ],
  ])("rejects %s", (_, edit, expected) => {
    const found = issues(edit);
    expect(found.length).toBeGreaterThan(0);
    expect(found).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });

  it("does not check the ids of repositories the mode does not create (virtual id = remote id in mirror mode)", () => {
    expect(
      issues((c) => {
        c.repositories.remote = "pip-all";
        c.repositories.virtual = { enabled: true, id: "pip-all" };
      }),
    ).toEqual([]);
  });

  it("loadConfig reports the clash as one line: file, field path, the fix", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "airlock-modes-"));
    try {
      const file = path.join(dir, "config.json");
      const c = { name: "airlock", ...raw() };
      c.repositories.virtual = { enabled: true, id: "my-private-pip-packages" };
      writeFileSync(file, JSON.stringify(c));
      let error: unknown;
      try {
        loadConfig(file);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        'repositories.virtual: repeats the id "my-private-pip-packages" of repositories.private: every repository needs its own id',
      ]);
      expect((error as Error).message).toBe(`${file}: ${(error as ConfigError).problems[0]}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
