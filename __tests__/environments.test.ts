import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError } from "../config/load";
import { BOOTSTRAP_SCRIPT_FILE } from "../startup-script/files";
import { synthesize } from "../synth/synthesize";
import { ASSETS, carriedSettings, configErrorOf, EXAMPLE_CONFIG, fileTree, hostsByRole, resourcesOf, carriedScript } from "./support";

/** The example config file, as JSON, without its `name`. */
function exampleBase(): Record<string, any> {
  const { name: _name, ...base } = JSON.parse(readFileSync(EXAMPLE_CONFIG, "utf8"));
  return base;
}

const DEV = {
  projectId: "airlock-dev",
  labels: { team: "data" },
  networks: { private: { subnetCidr: "10.30.0.0/24" } },
  mirror: { packages: ["keyrings.google-artifactregistry-auth", "keyring>=25.2.1"] },
};
const PROD = {
  projectId: "airlock-prod-123",
  region: "europe-west4",
  zone: "europe-west4-b",
  mode: "remote",
  networks: { private: { name: "prod-private", subnetCidr: "10.40.0.0/24" } },
  repositories: { virtual: { enabled: true } },
};

let work: string;
beforeEach(() => {
  work = mkdtempSync(path.join(os.tmpdir(), "airlock-envs-"));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

function writeConfig(config: unknown, name = "airlock.json"): string {
  const file = path.join(work, name);
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

function synth(config: unknown, outdir = path.join(work, "out")): string[] {
  return synthesize({ configFile: writeConfig(config), outdir, assetsDir: ASSETS });
}

function stackJson(outdir: string, stack: string): any {
  return JSON.parse(readFileSync(path.join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
}

/** The private host's startup script, as Terraform reads it from the stack's folder `dir`. */
function privateHostScript(json: any, dir: string): string {
  const hosts = hostsByRole(json, "bootstrap");
  expect(hosts).toHaveLength(1);
  return carriedScript(json, hosts[0].metadata["startup-script"], dir);
}

describe("a config with environments", () => {
  it("synthesizes one stack per environment, each with its own overrides", () => {
    const outdir = path.join(work, "out");
    expect(synth({ name: "ignored", ...exampleBase(), environments: { dev: DEV, prod: PROD } }, outdir)).toEqual(["dev", "prod"]);
    expect(readdirSync(path.join(outdir, "stacks")).sort()).toEqual(["dev", "prod"]);
    const manifest = JSON.parse(readFileSync(path.join(outdir, "manifest.json"), "utf8"));
    expect(Object.keys(manifest.stacks).sort()).toEqual(["dev", "prod"]);

    const dev = stackJson(outdir, "dev");
    const prod = stackJson(outdir, "prod");
    const provider = (json: any) => [json.provider.google[0].project, json.provider.google[0].region, json.provider.google[0].zone];
    expect(provider(dev)).toEqual(["airlock-dev", "us-central1", "us-central1-a"]);
    expect(provider(prod)).toEqual(["airlock-prod-123", "europe-west4", "europe-west4-b"]);

    // dev: mirror mode (inherited), its own private CIDR, the base's public network, merged labels.
    expect(
      resourcesOf(dev, "google_compute_subnetwork")
        .map((s) => [s.name, s.ip_cidr_range])
        .sort(),
    ).toEqual([
      ["airlock-private-us-central1", "10.30.0.0/24"],
      ["airlock-public-us-central1", "10.10.0.0/24"],
    ]);
    expect(resourcesOf(dev, "google_compute_router_nat")).toHaveLength(1);
    expect(
      resourcesOf(dev, "google_compute_instance")
        .map((i) => i.labels)
        .sort((a, b) => a["airlock-role"].localeCompare(b["airlock-role"])),
    ).toEqual([
      { app: "pip-airlock", team: "data", "managed-by": "pip-airlock", "airlock-env": "dev", "airlock-role": "bootstrap" },
      { app: "pip-airlock", team: "data", "managed-by": "pip-airlock", "airlock-env": "dev", "airlock-role": "mirror" },
    ]);
    expect(
      resourcesOf(dev, "google_artifact_registry_repository").every((r) => r.project === "airlock-dev" && r.location === "us-central1"),
    ).toBe(true);

    // prod: remote mode with a virtual repo, its own region, network name and CIDR; no public side.
    expect(resourcesOf(prod, "google_compute_network").map((n) => n.name)).toEqual(["prod-private"]);
    expect(resourcesOf(prod, "google_compute_subnetwork").map((s) => [s.name, s.ip_cidr_range, s.region])).toEqual([
      ["prod-private-europe-west4", "10.40.0.0/24", "europe-west4"],
    ]);
    expect(resourcesOf(prod, "google_compute_router_nat")).toEqual([]);
    // Remote mode: no mirror fingerprint, only the private host's bootstrap one.
    expect(Object.values(prod.resource.terraform_data).map((r: any) => Object.keys(r.triggers_replace))).toEqual([["bootstrap_sha256"]]);
    expect(
      resourcesOf(prod, "google_compute_instance").map((i) => [i.labels["airlock-env"], i.labels["airlock-role"], i.zone, i.project]),
    ).toEqual([["prod", "bootstrap", "europe-west4-b", "airlock-prod-123"]]);
    expect(
      resourcesOf(prod, "google_artifact_registry_repository")
        .map((r) => [r.repository_id, r.mode])
        .sort(),
    ).toEqual([
      ["my-private-pip-packages", "STANDARD_REPOSITORY"],
      ["pip-all", "VIRTUAL_REPOSITORY"],
      ["pypi-remote", "REMOTE_REPOSITORY"],
    ]);
    expect(prod.output.pip_index_url.value).toBe("https://oauth2accesstoken@europe-west4-python.pkg.dev/airlock-prod-123/pip-all/simple/");
    expect(dev.output.pip_index_url.value).toBe(
      "https://oauth2accesstoken@us-central1-python.pkg.dev/airlock-dev/my-private-pip-packages/simple/",
    );
  });

  it("writes each stack's bootstrap script (0755), identical to that stack's private host startup-script", () => {
    const outdir = path.join(work, "out");
    synth({ ...exampleBase(), environments: { dev: DEV, prod: PROD } }, outdir);
    const scripts: Record<string, string> = {};
    for (const env of ["dev", "prod"]) {
      const file = path.join(outdir, "stacks", env, BOOTSTRAP_SCRIPT_FILE);
      expect(BOOTSTRAP_SCRIPT_FILE).toBe("private-host-bootstrap.sh");
      expect((statSync(file).mode & 0o777).toString(8)).toBe("755");
      scripts[env] = readFileSync(file, "utf8");
      const json = stackJson(outdir, env);
      expect(scripts[env]).toBe(privateHostScript(json, path.dirname(file)));
      expect(scripts[env]).toBe(carriedScript(json, json.output.private_host_bootstrap_script.value, path.dirname(file)));
    }
    expect(scripts.dev).not.toBe(scripts.prod);
    const [dev, prod] = [carriedSettings(scripts.dev), carriedSettings(scripts.prod)];
    expect(prod.INDEX_URL).toBe("https://oauth2accesstoken@europe-west4-python.pkg.dev/airlock-prod-123/pip-all/simple/");
    expect(prod.AUTH_REPO_INDEX_URL).toBe("https://europe-west4-python.pkg.dev/airlock-prod-123/pypi-remote/simple/");
    expect(scripts.prod).not.toContain("airlock-dev");
    expect(dev.AUTH_REPO_INDEX_URL).toBe("https://us-central1-python.pkg.dev/airlock-dev/pip-auth-repo/simple/");
    expect(scripts.dev).not.toContain("airlock-prod-123");
    // Lists replace, they do not merge: dev installs its own list, prod inherits the top level's.
    expect(dev.PACKAGES).toEqual(["keyrings.google-artifactregistry-auth", "keyring>=25.2.1"]);
    expect(prod.PACKAGES).toEqual(["keyring", "keyrings.google-artifactregistry-auth"]);
  });

  it("the bootstrap script is 0755 whatever the umask", () => {
    const outdir = path.join(work, "out");
    const saved = process.umask(0o077);
    try {
      synth({ ...exampleBase(), environments: { dev: DEV } }, outdir);
    } finally {
      process.umask(saved);
    }
    expect((statSync(path.join(outdir, "stacks", "dev", BOOTSTRAP_SCRIPT_FILE)).mode & 0o777).toString(8)).toBe("755");
  });

  it("lets the base leave out what every environment sets (projectId)", () => {
    const { projectId: _p, ...base } = exampleBase();
    expect(synth({ ...base, environments: { dev: { projectId: "airlock-dev" }, prod: { projectId: "airlock-prod-123" } } })).toEqual([
      "dev",
      "prod",
    ]);
    expect(stackJson(path.join(work, "out"), "prod").provider.google[0].project).toBe("airlock-prod-123");
  });
});

describe("an invalid environment writes nothing", () => {
  const invalidProd = { ...PROD, networks: { private: { name: "prod-private", subnetCidr: "10.40.0.1/24" } } };

  it("reports the problem prefixed `environments.prod.` and leaves a previous synth byte-identical", () => {
    const outdir = path.join(work, "out");
    synth({ ...exampleBase(), environments: { dev: DEV, prod: PROD } }, outdir);
    mkdirSync(path.join(outdir, "stacks", "dev", ".terraform"));
    writeFileSync(path.join(outdir, "stacks", "dev", ".terraform", "marker"), "keep");
    expect(Object.keys(fileTree(work))).toContain(path.join("out", "stacks", "prod", BOOTSTRAP_SCRIPT_FILE));

    const config = { ...exampleBase(), environments: { dev: { ...DEV, projectId: "airlock-dev-2" }, prod: invalidProd } };
    const file = writeConfig(config, "broken.json");
    const before = fileTree(work);
    const error = configErrorOf(() => synthesize({ configFile: file, outdir, assetsDir: ASSETS }));
    expect(error.problems).toEqual([
      'environments.prod.networks.private.subnetCidr: has host bits set: use the network address "10.40.0.0/24"',
    ]);
    expect(error.message).toBe(
      `${file}: environments.prod.networks.private.subnetCidr: has host bits set: use the network address "10.40.0.0/24"`,
    );
    expect(fileTree(work)).toEqual(before); // no scratch folder, no partial dev stack
  });

  it("creates no outdir at all when there was none", () => {
    const outdir = path.join(work, "fresh", "out");
    expect(() => synth({ ...exampleBase(), environments: { dev: DEV, prod: invalidProd } }, outdir)).toThrow(ConfigError);
    expect(existsSync(path.join(work, "fresh"))).toBe(false);
  });

  it("reports every broken environment, each with its own prefix, one line per problem", () => {
    const error = configErrorOf(() =>
      synth({
        ...exampleBase(),
        environments: {
          dev: { networks: { private: { subnetCidr: "10.10.0.0/25" } } },
          prod: { ...PROD, hosts: { machineTyp: "e2-small" }, mode: "proxy" },
        },
      }),
    );
    expect([...error.problems].sort()).toEqual(
      [
        "environments.dev.networks.private.subnetCidr: overlaps networks.public.subnetCidr (10.10.0.0/24): choose a range outside it",
        'environments.prod.hosts.machineTyp: unknown key: did you mean "machineType"?',
        'environments.prod.mode: must be one of "mirror", "remote"',
      ].sort(),
    );
  });

  it("names a missing setting by its environment", () => {
    const { projectId: _p, ...base } = exampleBase();
    const error = configErrorOf(() => synth({ ...base, environments: { dev: { projectId: "airlock-dev" }, prod: {} } }));
    expect(error.problems).toEqual([expect.stringMatching(/^environments\.prod\.projectId: is required/)]);
  });

  it("rejects an empty environments object", () => {
    const error = configErrorOf(() => synth({ ...exampleBase(), environments: {} }));
    expect(error.problems).toEqual([expect.stringMatching(/^environments: is empty/)]);
    expect(existsSync(path.join(work, "out"))).toBe(false);
  });

  it("rejects an environment name that cannot be a stack name, naming it", () => {
    const error = configErrorOf(() => synth({ ...exampleBase(), environments: { Prod: {} } }));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^environments\.Prod: /);
  });

  it("says how to name an environment when the name is invalid", () => {
    const error = configErrorOf(() => synth({ ...exampleBase(), environments: { Prod: {} } }));
    expect(error.problems[0]).toMatch(/^environments\.Prod: .*lowercase letters/);
  });
});

describe("stale stacks and the single-stack config", () => {
  it("removes a stack whose environment is gone on the next successful synth, keeping the survivor's .terraform", () => {
    const outdir = path.join(work, "out");
    synth({ ...exampleBase(), environments: { dev: DEV, prod: PROD } }, outdir);
    mkdirSync(path.join(outdir, "stacks", "dev", ".terraform"));
    writeFileSync(path.join(outdir, "stacks", "dev", ".terraform", "marker"), "keep");

    expect(synth({ ...exampleBase(), environments: { dev: { ...DEV, projectId: "airlock-dev-2" } } }, outdir)).toEqual(["dev"]);
    expect(readdirSync(path.join(outdir, "stacks"))).toEqual(["dev"]);
    expect(Object.keys(JSON.parse(readFileSync(path.join(outdir, "manifest.json"), "utf8")).stacks)).toEqual(["dev"]);
    expect(stackJson(outdir, "dev").provider.google[0].project).toBe("airlock-dev-2");
    expect(readFileSync(path.join(outdir, "stacks", "dev", ".terraform", "marker"), "utf8")).toBe("keep");
    expect(readFileSync(path.join(outdir, "stacks", "dev", BOOTSTRAP_SCRIPT_FILE), "utf8")).toContain("airlock-dev-2");
    expect(readdirSync(work).filter((f) => f.startsWith(".airlock-synth-"))).toEqual([]);
  });

  it("a config without environments gives one stack named by `name`", () => {
    const outdir = path.join(work, "out");
    expect(synth({ ...exampleBase(), name: "solo" }, outdir)).toEqual(["solo"]);
    expect(readdirSync(path.join(outdir, "stacks"))).toEqual(["solo"]);
    const json = stackJson(outdir, "solo");
    expect(json.provider.google[0].project).toBe("airlock-example");
    expect(resourcesOf(json, "google_compute_instance").every((i) => i.labels["airlock-env"] === "solo")).toBe(true);
    expect(readFileSync(path.join(outdir, "stacks", "solo", BOOTSTRAP_SCRIPT_FILE), "utf8")).toBe(
      privateHostScript(json, path.join(outdir, "stacks", "solo")),
    );

    // ...and switching that config to environments drops the single stack.
    synth({ ...exampleBase(), environments: { dev: DEV } }, outdir);
    expect(readdirSync(path.join(outdir, "stacks"))).toEqual(["dev"]);
  });

  it("without `name` the single stack is called airlock", () => {
    expect(synth(exampleBase())).toEqual(["airlock"]);
    expect(existsSync(path.join(work, "out", "stacks", "airlock", "cdk.tf.json"))).toBe(true);
  });
});
