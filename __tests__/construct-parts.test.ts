// PipAirlock's parts, each built alone in a bare stack from a handful of props (what PipAirlock builds
// them from: the config's settings), as aws-cdk's composite constructs take narrow props.
import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { ServiceAccount } from "@cdktf/provider-google/lib/service-account";
import { GoogleBetaProvider } from "@cdktf/provider-google-beta/lib/provider";
import { TerraformStack, Testing } from "cdktf";
import { validateAirlockConfig } from "../config/airlock-config";
import { EnvironmentConfig, MirrorModeConfig } from "../config/schema";
import { AirlockRepositories } from "../constructs/airlock-repositories";
import { MirrorSide } from "../constructs/mirror-side";
import { MirrorSigning } from "../constructs/mirror-signing";
import { PrivateSide } from "../constructs/private-side";
import { Grantee, PythonRepository } from "../constructs/python-repository";
import { ScriptEndpoints } from "../startup-script/config-views";
import { bootstrapScript, mirrorScript } from "../startup-script/scripts";
import { exampleAirlockConfig } from "./team-stack";
import { startupSources } from "./support";

const PROJECT = "parts-alone";
const REGION = "us-central1";

/** The settings PipAirlock would build a part from: the example's, in mirror mode (every default applied). */
function settings(edit?: (c: any) => void): MirrorModeConfig {
  const { config } = validateAirlockConfig(
    exampleAirlockConfig((c) => {
      c.projectId = PROJECT;
      edit?.(c);
    }),
    { environment: "alone", source: "test" },
  );
  if (config.mode !== "mirror") throw new Error("the example is in mirror mode");
  return config;
}

/** A bare stack with nothing but a google provider. */
function bareStack(): TerraformStack {
  const stack = new TerraformStack(Testing.app({ stackTraces: false }), "bare");
  new GoogleProvider(stack, "google", { project: PROJECT });
  return stack;
}

function synth(stack: TerraformStack): {
  resource: Record<string, Record<string, any>>;
  provider?: Record<string, unknown>;
  output?: Record<string, unknown>;
} {
  return JSON.parse(Testing.synth(stack));
}

const endpoints: ScriptEndpoints = {
  arHost: `${REGION}-python.pkg.dev`,
  helpersIndexUrl: `https://${REGION}-python.pkg.dev/${PROJECT}/pip-auth-repo/simple/`,
  pipIndexUrl: `https://${REGION}-python.pkg.dev/${PROJECT}/my-private-pip-packages/simple/`,
  uploadRepoUrl: `https://${REGION}-python.pkg.dev/${PROJECT}/my-private-pip-packages/`,
};

describe("AirlockRepositories alone", () => {
  it("grants a reader the repository it reads only, and nothing on the project", () => {
    const stack = bareStack();
    const config = settings((c) => (c.repositories.access = { private: { readers: ["group:ml@acme.example"] } }));
    const repositories = new AirlockRepositories(stack, "artifact-registry", {
      project: PROJECT,
      location: REGION,
      repositories: config.repositories,
      helpers: { mode: "remote" },
      labels: {},
      betaProvider: () => new GoogleBetaProvider(stack, "google-beta", { project: PROJECT }),
    });
    const json = synth(stack);
    const grants = Object.values(json.resource.google_artifact_registry_repository_iam_member).filter(
      (g) => g.member === "group:ml@acme.example",
    );
    expect(grants.map(({ repository, role }) => ({ repository, role }))).toEqual([
      {
        repository: `\${google_artifact_registry_repository.${stack.getLogicalId(repositories.privateRepo.repository)}.name}`,
        role: "roles/artifactregistry.reader",
      },
    ]);
    expect(Object.keys(json.resource).filter((type) => /^google_project_iam/.test(type))).toEqual([]);
    // Remote mode: the helpers come from a PyPI remote repository, with no signing key.
    expect(
      Object.values(json.resource.google_artifact_registry_repository)
        .map((r) => r.mode)
        .sort(),
    ).toEqual(["REMOTE_REPOSITORY", "STANDARD_REPOSITORY"]);
    expect(json.resource.google_kms_crypto_key).toBeUndefined();
    expect(Object.keys(json.provider ?? {})).toEqual(["google"]); // google-beta is made on first use only: no CMEK, no VPC-SC policy
  });
});

describe("PrivateSide alone", () => {
  it("closes the private VPC's egress with a deny-all rule, and asks for its VMs' read grants before they boot", () => {
    const stack = bareStack();
    const config: EnvironmentConfig = settings();
    const granted: Grantee[] = [];
    const readGrant = new ServiceAccount(stack, "read-grant", { accountId: "stand-in" }); // stands in for the grants AirlockRepositories makes
    const side = new PrivateSide(stack, "private", {
      project: PROJECT,
      region: REGION,
      zone: `${REGION}-a`,
      environment: "alone",
      network: config.networks.private,
      vipNames: [`${REGION}-python.pkg.dev.`],
      privateHost: { name: "private-host", accountId: "private-host", machineType: "e2-small", image: "debian-cloud/debian-12" },
      logging: config.logging,
      labels: {},
      bootstrap: bootstrapScript(startupSources(), config, endpoints, ""),
      repositories: {
        grantReadAll: (grantee: Grantee) => {
          granted.push(grantee);
          return [readGrant];
        },
      },
    });
    const json = synth(stack);
    const egress = Object.values(json.resource.google_compute_firewall).filter((r) => r.direction === "EGRESS");
    expect(egress.filter((r) => r.deny)).toEqual([
      expect.objectContaining({
        destination_ranges: ["0.0.0.0/0"],
        deny: [{ protocol: "all" }],
        priority: 65000,
        network: `\${google_compute_network.${stack.getLogicalId(side.network.network)}.id}`,
      }),
    ]);
    expect(egress.filter((r) => r.allow).map((r) => r.destination_ranges)).toEqual([[side.network.googleApisCidr]]);
    expect(granted).toHaveLength(1);
    expect(granted[0]).toBe(side.hostIdentity);
    const [vm] = Object.values(json.resource.google_compute_instance);
    expect(vm.service_account.email).toBe(`\${google_service_account.${stack.getLogicalId(side.hostIdentity!.account)}.email}`);
    expect(vm.depends_on).toContain("google_service_account.read-grant");
    expect(side.fleet).toBeUndefined(); // no fleet given
  });
});

describe("MirrorSide alone", () => {
  it("makes the public host the auth repo's only writer and the key's only signer, behind a Cloud NAT", () => {
    const stack = bareStack();
    const config = settings((c) => delete c.mirror.schedule);
    const authRepo = new PythonRepository(stack, "auth-repo", {
      project: PROJECT,
      location: REGION,
      repositoryId: "pip-auth-repo",
      description: "auth",
      role: "auth-repo",
    });
    const signing = new MirrorSigning(stack, "signing", {
      project: PROJECT,
      location: REGION,
      keyRing: "pip-airlock",
      key: "mirror",
      protectionLevel: "SOFTWARE",
    });
    const side = new MirrorSide(stack, "mirror", {
      project: PROJECT,
      region: REGION,
      zone: `${REGION}-a`,
      stackName: "alone",
      labels: {},
      network: config.networks.public,
      publicHost: { name: "public-host", accountId: "public-host", machineType: "e2-small", image: "debian-cloud/debian-12" },
      mirror: config.mirror,
      logging: config.logging,
      authRepo,
      signing,
      script: mirrorScript(startupSources(), config, { ...endpoints, helpersUploadUrl: authRepo.uploadUrl }, ""),
      lockContent: "",
    });
    const json = synth(stack);
    const host = `serviceAccount:\${google_service_account.${stack.getLogicalId(side.identity.account)}.email}`;
    const writers = Object.values(json.resource.google_artifact_registry_repository_iam_member).filter(
      (g) => g.role === "roles/artifactregistry.writer",
    );
    expect(writers.map(({ member }) => member)).toEqual([host]);
    const signers = Object.values(json.resource.google_kms_crypto_key_iam_member).filter((g) => g.role === "roles/cloudkms.signer");
    expect(signers.map(({ member }) => member)).toEqual([host]);
    expect(Object.keys(json.resource.google_compute_router_nat)).toHaveLength(1);
    expect(side.schedule).toBeUndefined();
    expect(json.output).toHaveProperty("public_host_service_account");
  });
});
