// The library's construct in a team's own stack (docs/library.md): the team's providers and
// backend, the same typed config and messages as the app, addresses of its own, the guardrails on what it
// builds. The packed package in a scratch app: packed-library.test.ts.
import { ComputeFirewall } from "@cdktf/provider-google/lib/compute-firewall";
import { ComputeInstance } from "@cdktf/provider-google/lib/compute-instance";
import { ArtifactRegistryRepositoryIamMember } from "@cdktf/provider-google/lib/artifact-registry-repository-iam-member";
import { GoogleBetaProvider } from "@cdktf/provider-google-beta/lib/provider";
import { TimeProvider } from "@cdktf/provider-time/lib/provider";
import { dependable, TerraformOutput, Testing } from "cdktf";
import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { ServiceAccount } from "@cdktf/provider-google/lib/service-account";
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { PipAirlock } from "../constructs/pip-airlock";
import { GuardrailSuppressions } from "../constructs/guardrails";
import { packageRoot } from "../startup-script/package-sources";
import { buildStack, completeLock, configErrorOf, exampleVariant, refusals, ROOT, synthJson } from "./support";
import { exampleAirlockConfig, synthTeamJson, TEAM_PROJECT, teamStack } from "./team-stack";

/** The example with CMEK: the one setting that needs google-beta. */
const withCmek = (c: any) =>
  (c.repositories.kmsKeyName = "projects/airlock-example/locations/us-central1/keyRings/pip-airlock/cryptoKeys/repositories");

const withoutMetadata = (blocks: Record<string, Record<string, any>>) =>
  Object.fromEntries(
    Object.entries(blocks).map(([type, byName]) => [
      type,
      Object.fromEntries(Object.entries(byName).map(([name, { "//": _, ...config }]) => [name, config])),
    ]),
  );

describe("PipAirlock in a team's stack (its provider, backend and bucket)", () => {
  const stack = teamStack();
  const airlock = new PipAirlock(stack, "airlock", { config: exampleAirlockConfig(withCmek) });
  const json = synthTeamJson(stack);
  const ownResources = Object.entries<Record<string, any>>(json.resource).flatMap(([type, byName]) =>
    Object.entries(byName)
      .filter(([, config]) => config["//"].metadata.path.startsWith("platform/airlock/"))
      .map(([name, config]) => ({ type, name, config })),
  );

  it("uses the team's google provider and backend, and adds google-beta and time only because the stack has none", () => {
    expect(json.provider.google).toEqual([{ project: TEAM_PROJECT, region: "europe-west1" }]);
    expect(json.provider["google-beta"]).toEqual([{ project: "airlock-example", region: "us-central1" }]);
    expect(json.provider.time).toEqual([{}]);
    expect(json.terraform.backend).toEqual({ gcs: { bucket: "acme-tf-state", prefix: "platform" } });
  });

  it("adds no google-beta provider where nothing needs one (no CMEK, no VPC-SC policy)", () => {
    const plain = teamStack();
    new PipAirlock(plain, "airlock", { config: exampleAirlockConfig() });
    expect(Object.keys(synthTeamJson(plain).provider).sort()).toEqual(["google", "time"]);
  });

  it("puts every resource in the config's project, never the provider's", () => {
    expect(ownResources.length).toBeGreaterThan(40);
    expect(JSON.stringify(ownResources)).not.toMatch(/acme-platform|europe-west1/);
    // A KMS key and its grants take no project: their key ring's id names it.
    const takeProject = ownResources.filter((r) => r.type.startsWith("google_") && !r.type.startsWith("google_kms_crypto_key"));
    expect(takeProject.length).toBeGreaterThan(40);
    expect(takeProject.filter((r) => r.config.project !== "airlock-example").map((r) => `${r.type}.${r.name}`)).toEqual([]);
  });

  it("keeps the team's bucket as it was; each of its own addresses starts with its id and holds none of its groups", () => {
    expect(Object.keys(json.resource.google_storage_bucket)).toEqual(["artifacts"]);
    expect(ownResources.filter((r) => !r.name.startsWith("airlock_")).map((r) => r.name)).toEqual([]);
    expect(ownResources.filter((r) => /^airlock_(private|mirror|artifact-registry)_/.test(r.name)).map((r) => r.name)).toEqual([]);
    expect(airlock.privateNetwork.network.node.path).toBe("platform/airlock/private/private-network/network");
  });

  it("adds the app's outputs to the team's stack, by the same names, and labels its environment by its id", () => {
    const { stack: app } = buildStack();
    expect(Object.keys(json.output).sort()).toEqual(Object.keys(synthJson(app).output!).sort());
    expect(airlock.environment).toBe("airlock");
    expect(json.resource.google_compute_instance[Object.keys(json.resource.google_compute_instance)[0]].labels["airlock-env"]).toBe(
      "airlock",
    );
  });
});

describe("PipAirlock builds what the app's stack builds", () => {
  it("with idInAddresses: false, every resource, data source and output of the app at the app's address, from the package's own startup sources", () => {
    const { stack: app } = buildStack();
    const appJson = synthJson(app);
    const stack = teamStack();
    new PipAirlock(stack, "airlock", { config: exampleAirlockConfig(), idInAddresses: false });
    const json = synthTeamJson(stack);
    delete json.resource.google_storage_bucket;
    expect(withoutMetadata(json.resource)).toEqual(withoutMetadata(appJson.resource));
    expect(json.output).toEqual(appJson.output);
    expect(packageRoot()).toBe(ROOT);
  });
});

describe("PipAirlock validates its config as the app validates a file", () => {
  it.each([
    ["a subnet with host bits", (c: any) => (c.networks.private.subnetCidr = "10.20.0.5/24")],
    ["a misspelt key", (c: any) => ((c.regoin = c.region), delete c.region)],
    ["no projectId", (c: any) => delete c.projectId],
    ["a label pip-airlock sets", (c: any) => (c.labels = { "managed-by": "me" })],
    ["no package to mirror", (c: any) => (c.mirror.packages = [])],
  ])("%s: the app's problems, each line from the construct's path", (_, edit) => {
    const fromFile = refusals(exampleVariant(edit));
    const error = configErrorOf(() => new PipAirlock(teamStack(), "airlock", { config: exampleAirlockConfig(edit) }));
    expect(fromFile.length).toBeGreaterThan(0);
    expect(error.problems).toEqual(fromFile);
    expect(error.message.split("\n")).toEqual(fromFile.map((p) => `PipAirlock platform/airlock: ${p}`));
  });

  it("refuses what only a config file has, an environment name that cannot label a resource, and lockContent without mirror.lockFile", () => {
    const problems = (id: string, config: any, lockContent?: string) =>
      configErrorOf(() => new PipAirlock(teamStack(), id, { config, lockContent })).problems;
    expect(problems("Airlock", exampleAirlockConfig())).toEqual([
      `environment: "Airlock" is not an environment name (environment names: lowercase letters, digits or '-', starting with a letter): set the environment prop, or give the construct such an id`,
    ]);
    expect(
      problems(
        "airlock",
        exampleAirlockConfig((c) => (c.environments = { prod: {} })),
      ),
    ).toEqual([
      "environments: is a key of the config file, not of one environment: a PipAirlock is one environment: add one PipAirlock per environment, each in its own stack, and remove the key",
    ]);
    expect(problems("airlock", exampleAirlockConfig(), "pip==25.3 --hash=sha256:" + "a".repeat(64))).toEqual([
      "lockContent: is given, but mirror.lockFile is not set: set mirror.lockFile to the lock's file name (the checks name it), or leave lockContent out",
    ]);
  });

  it("reads mirror.lockFile from baseDir (the working directory by default), or takes lockContent, and checks either as the app does", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "airlock-lib-lock-"));
    const lock = completeLock(["keyring==25.6.0", "keyrings.google-artifactregistry-auth==1.1.2", "pip==25.3", "virtualenv==21.14.1"]);
    writeFileSync(path.join(dir, "helpers.lock"), lock);
    const config = exampleAirlockConfig((c) => (c.mirror.lockFile = "helpers.lock"));
    expect(new PipAirlock(teamStack(), "airlock", { config, baseDir: dir }).bootstrapScript).not.toBe(
      new PipAirlock(teamStack(), "airlock", { config: exampleAirlockConfig() }).bootstrapScript,
    );
    expect(new PipAirlock(teamStack(), "airlock", { config, lockContent: lock }).bootstrapScript).toBe(
      new PipAirlock(teamStack(), "airlock", { config, baseDir: dir }).bootstrapScript,
    );
    expect(configErrorOf(() => new PipAirlock(teamStack(), "airlock", { config })).problems).toEqual([
      `mirror.lockFile: cannot read "helpers.lock" in ${process.cwd()} (the baseDir prop): make it with recipes/make-lock.sh (docs/configuration.md, Locks), or remove the key`,
    ]);
    expect(configErrorOf(() => new PipAirlock(teamStack(), "airlock", { config, lockContent: "pip==25.3\n" })).problems).toEqual([
      'mirror.lockFile: "helpers.lock" has no --hash=sha256: pins: make it with recipes/make-lock.sh (docs/configuration.md, Locks), which pins every file with its hash',
    ]);
  });
});

describe("PipAirlock and the team's providers", () => {
  it("uses the stack's own default google-beta and time providers, and adds none", () => {
    const stack = teamStack();
    new GoogleBetaProvider(stack, "beta", { project: TEAM_PROJECT });
    new TimeProvider(stack, "time");
    new PipAirlock(stack, "airlock", { config: exampleAirlockConfig(withCmek) });
    const json = synthTeamJson(stack);
    expect([json.provider["google-beta"], json.provider.time]).toEqual([[{ project: TEAM_PROJECT }], [{}]]);
  });

  it("names passed (aliased) providers on its resources", () => {
    const stack = teamStack();
    const googleBeta = new GoogleBetaProvider(stack, "beta", { project: "airlock-example", alias: "airlock" });
    const time = new TimeProvider(stack, "time", { alias: "airlock" });
    new PipAirlock(stack, "airlock", { config: exampleAirlockConfig(withCmek), providers: { googleBeta, time } });
    const json = synthTeamJson(stack);
    expect(json.provider.time).toEqual([{ alias: "airlock" }]);
    expect(Object.values<any>(json.resource.time_sleep).map((s) => s.provider)).toEqual(["time.airlock"]);
    expect(Object.values<any>(json.resource.google_project_service_identity).map((s) => s.provider)).toEqual(["google-beta.airlock"]);
  });

  it("fails the synth, saying the fix, without a default google provider or when the team adds a second default time provider after it", () => {
    const bare = teamStack({ withProvider: false });
    new PipAirlock(bare, "airlock", { config: exampleAirlockConfig() });
    expect(() => synthTeamJson(bare)).toThrow(
      /stack "platform" has no default google provider \(one without an alias\), which pip-airlock's resources use: add new GoogleProvider\(stack, "google"/,
    );
    const late = teamStack();
    new PipAirlock(late, "airlock", { config: exampleAirlockConfig() });
    new TimeProvider(late, "team-time");
    expect(() => synthTeamJson(late)).toThrow(
      /stack "platform" has 2 default time providers \(platform\/airlock\/time, platform\/team-time\), and Terraform allows one: pip-airlock added platform\/airlock\/time because the stack had none when it was built; create yours before the PipAirlock, or pass it in the providers prop/,
    );
  });
});

describe("the wait for the APIs (an Aspect: what the stack holds at synth)", () => {
  const waitOf = (json: any, owner: string) =>
    Object.entries<any>(json.resource.time_sleep)
      .filter(([, r]) => r["//"].metadata.path.startsWith(`platform/${owner}/`))
      .map(([name]) => `time_sleep.${name}`);
  const dependsOn = (json: any, type: string, name: string): string[] => json.resource[type][name].depends_on ?? [];

  it("holds back a team resource added after the PipAirlock that creates something in its project, once, and leaves the team's other resources alone", () => {
    const stack = teamStack();
    new PipAirlock(stack, "airlock", { config: exampleAirlockConfig() });
    new ServiceAccount(stack, "team-account", { project: "airlock-example", accountId: "team-account" });
    new ServiceAccount(stack, "platform-account", { accountId: "platform-account" }); // the team provider's project
    const aliased = new GoogleProvider(stack, "airlock-project", { project: "airlock-example", alias: "airlock" });
    new ServiceAccount(stack, "by-provider", { provider: aliased, accountId: "by-provider" }); // the project of its provider
    Testing.synth(stack, true);
    const json = synthTeamJson(stack); // a second synth visits again: still one entry
    const [wait] = waitOf(json, "airlock");
    expect(dependsOn(json, "google_service_account", "team-account")).toEqual([wait]);
    expect(dependsOn(json, "google_service_account", "by-provider")).toEqual([wait]);
    expect(dependsOn(json, "google_service_account", "platform-account")).toEqual([]);
    expect(dependsOn(json, "google_storage_bucket", "artifacts")).toEqual([]);
  });

  it("holds back a resource added to the app's stack after it is built", () => {
    const { stack } = buildStack();
    new ServiceAccount(stack, "extra", { accountId: "extra-account" }); // the stack's provider: the config's project
    const json = synthJson(stack);
    expect(json.resource.google_service_account.extra.depends_on).toEqual([`time_sleep.${Object.keys(json.resource.time_sleep)[0]}`]);
  });

  it("never holds back the services, the wait itself, what they depend on, or another PipAirlock's resources", () => {
    const stack = teamStack();
    const dev = new PipAirlock(stack, "dev", { config: exampleAirlockConfig() });
    new PipAirlock(stack, "qa", { config: exampleAirlockConfig(), outputPrefix: "qa_" }); // the same project, a wait of its own
    const before = new ServiceAccount(stack, "before-apis", { project: "airlock-example", accountId: "before-apis" });
    dev.services.services[0].dependsOn = [dependable(before)];
    const json = synthTeamJson(stack);
    const [devWait, qaWait] = [waitOf(json, "dev"), waitOf(json, "qa")].map(([w]) => w);
    const services = Object.entries<any>(json.resource.google_project_service);
    expect(services.length).toBeGreaterThan(10);
    for (const [name, r] of services)
      expect([name, r.depends_on ?? []]).toEqual([
        name,
        r["//"].metadata.path.startsWith("platform/dev/services/compute") ? ["google_service_account.before-apis"] : [],
      ]);
    for (const [owner, wait] of [
      ["dev", devWait],
      ["qa", qaWait],
    ]) {
      const ownServices = services
        .filter(([, r]) => r["//"].metadata.path.startsWith(`platform/${owner}/`))
        .map(([name]) => `google_project_service.${name}`);
      expect(dependsOn(json, "time_sleep", wait.split(".")[1]).sort()).toEqual(ownServices.sort());
    }
    expect(dependsOn(json, "google_service_account", "before-apis")).toEqual([]); // neither wait: one of them depends on it
    for (const [owner, wait, other] of [
      ["dev", devWait, qaWait],
      ["qa", qaWait, devWait],
    ]) {
      const own = Object.values<Record<string, any>>(json.resource)
        .flatMap((byName) => Object.values(byName))
        .filter((r) => r["//"].metadata.path.startsWith(`platform/${owner}/`) && !r["//"].metadata.path.includes("/services/"));
      expect(own.length).toBeGreaterThan(30);
      expect(own.filter((r) => !r.depends_on.includes(wait) || r.depends_on.includes(other)).map((r) => r["//"].metadata.path)).toEqual([]);
    }
  });
});

describe("two PipAirlocks in one stack", () => {
  it("need an outputPrefix, then keep apart by their ids", () => {
    const stack = teamStack();
    new PipAirlock(stack, "dev", { config: exampleAirlockConfig() });
    expect(() => new PipAirlock(stack, "qa", { config: exampleAirlockConfig() })).toThrow(
      /platform\/qa\/.*: cannot name its output "[a-z_]+": stack "platform" already has platform\/[a-z_]+\. Give the PipAirlock an outputPrefix \(e\.g\. "airlock_"\)/,
    );
    const both = teamStack();
    const dev = exampleAirlockConfig();
    const qa = exampleAirlockConfig((c) => {
      c.projectId = "airlock-qa";
      c.repositories.kmsKeyName = "projects/airlock-qa/locations/us-central1/keyRings/pip-airlock/cryptoKeys/repositories";
    });
    new PipAirlock(both, "dev", { config: dev });
    new PipAirlock(both, "qa", { config: qa, outputPrefix: "qa_" });
    const json = synthTeamJson(both);
    expect(Object.keys(json.output)).toEqual(
      expect.arrayContaining(["next_steps", "qa_next_steps", "private_host_ssh", "qa_private_host_ssh"]),
    );
    expect(Object.keys(json.resource.google_compute_network).sort()).toEqual([
      expect.stringMatching(/^dev_private-network_/),
      expect.stringMatching(/^dev_public-network_/),
      expect.stringMatching(/^qa_private-network_/),
      expect.stringMatching(/^qa_public-network_/),
    ]);
    expect(both.node.tryFindChild("qa_next_steps")).toBeInstanceOf(TerraformOutput);
  });
});

describe("the guardrails in a team's stack", () => {
  /** The team's own network stuff: an SSH rule open to the world and a VM with an external IP, on a network of its own. */
  function unrelated(stack: ReturnType<typeof teamStack>) {
    new ComputeFirewall(stack, "team-ssh", {
      name: "team-ssh",
      network: "team-net",
      sourceRanges: ["0.0.0.0/0"],
      allow: [{ protocol: "tcp", ports: ["22"] }],
    });
    new ComputeInstance(stack, "team-bastion", {
      name: "bastion",
      zone: "europe-west1-b",
      machineType: "e2-small",
      bootDisk: { initializeParams: { image: "debian-cloud/debian-12" } },
      networkInterface: [{ network: "team-net", accessConfig: [{}] }],
    });
  }

  it("leave the team's own resources alone", () => {
    const stack = teamStack();
    unrelated(stack);
    new PipAirlock(stack, "airlock", { config: exampleAirlockConfig() });
    expect(() => synthTeamJson(stack)).not.toThrow();
  });

  it("fail the synth on a team resource that opens the airlock: the guardrail's own line, once per violation", () => {
    const stack = teamStack();
    unrelated(stack);
    const airlock = new PipAirlock(stack, "airlock", { config: exampleAirlockConfig() });
    new ComputeFirewall(stack, "open-ssh", {
      name: "open-ssh",
      network: airlock.privateNetwork.network.id,
      sourceRanges: ["0.0.0.0/0"],
      allow: [{ protocol: "tcp", ports: ["22"] }],
    });
    new ArtifactRegistryRepositoryIamMember(stack, "ci-writer", {
      project: "airlock-example",
      location: "us-central1",
      repository: airlock.helpersRepo.repository.name,
      role: "roles/artifactregistry.writer",
      member: "serviceAccount:ci@acme-platform.iam.gserviceaccount.com",
    });
    let message = "";
    try {
      synthTeamJson(stack);
    } catch (e) {
      message = (e as Error).message;
    }
    const lines = message.split("\n").filter((l) => l.includes("guardrail "));
    expect(lines).toEqual([
      `  [platform/airlock] guardrail AIRLOCK-G5 ssh-only-from-iap: platform/open-ssh opens SSH to ["0.0.0.0/0"]: allow only IAP's 35.235.240.0/20`,
      `  [platform/airlock] guardrail AIRLOCK-G7 auth-repo-helpers-only: platform/ci-writer grants roles/artifactregistry.writer on the auth repo to serviceAccount:ci@acme-platform.iam.gserviceaccount.com: only the public host (the mirror) may write there`,
    ]);
  });

  it("take the team's suppressions, with their reasons", () => {
    const stack = teamStack();
    const airlock = new PipAirlock(stack, "airlock", { config: exampleAirlockConfig() });
    const office = new ComputeFirewall(stack, "office-ssh", {
      name: "office-ssh",
      network: airlock.privateNetwork.network.id,
      sourceRanges: ["203.0.113.0/24"],
      allow: [{ protocol: "tcp", ports: ["22"] }],
    });
    GuardrailSuppressions.addResourceSuppressions(office, [{ id: "AIRLOCK-G5", reason: "office range, reviewed in SEC-123" }]);
    expect(() => synthTeamJson(stack)).not.toThrow();
  });
});

describe("the package's startup sources", () => {
  it("are found above the compiled or source file, and a bundle that lost them is told what to pass", () => {
    expect(packageRoot(path.join(ROOT, "lib", "startup-script"))).toBe(ROOT);
    const nowhere = mkdtempSync(path.join(tmpdir(), "airlock-bundle-"));
    expect(() => packageRoot(nowhere)).toThrow(
      /cannot find the startup scripts' sources \(assets\/trampoline\.sh\.mustache and agent\/pip_airlock_agent\/\) in any folder above .*: .*pass the startupSources prop: loadStartupSources\(ASSETS_DIR, AGENT_DIR\)/,
    );
  });
});

describe("docs/library.md", () => {
  it("documents every prop of PipAirlockProps, and no other", () => {
    const source = readFileSync(path.join(ROOT, "constructs", "pip-airlock.ts"), "utf8");
    const body = /export interface PipAirlockProps \{([\s\S]*?)\n\}/.exec(source)![1];
    const props = [...body.matchAll(/^ {2}readonly (\w+)\??:/gm)].map((m) => m[1]);
    const readme = readFileSync(path.join(ROOT, "docs", "library.md"), "utf8");
    const table = readme.slice(readme.indexOf("| prop | meaning |")).split("\n\n")[0].split("\n").slice(2);
    expect(table.map((row) => /^\| `(\w+)` \|/.exec(row)?.[1])).toEqual(props);
  });
});
