import { ArtifactRegistryRepositoryIamBinding } from "@cdktf/provider-google/lib/artifact-registry-repository-iam-binding";
import { ArtifactRegistryRepositoryIamMember } from "@cdktf/provider-google/lib/artifact-registry-repository-iam-member";
import { ArtifactRegistryRepositoryIamPolicy } from "@cdktf/provider-google/lib/artifact-registry-repository-iam-policy";
import { ComputeFirewall } from "@cdktf/provider-google/lib/compute-firewall";
import { ComputeInstance, ComputeInstanceConfig } from "@cdktf/provider-google/lib/compute-instance";
import { ComputeInstanceTemplate } from "@cdktf/provider-google/lib/compute-instance-template";
import { ComputeNetwork } from "@cdktf/provider-google/lib/compute-network";
import { ComputeRoute } from "@cdktf/provider-google/lib/compute-route";
import { ComputeRouter } from "@cdktf/provider-google/lib/compute-router";
import { ComputeRouterNat } from "@cdktf/provider-google/lib/compute-router-nat";
import { DataGoogleComputeNetwork } from "@cdktf/provider-google/lib/data-google-compute-network";
import { DataGoogleIamPolicy } from "@cdktf/provider-google/lib/data-google-iam-policy";
import { KmsCryptoKeyIamMember } from "@cdktf/provider-google/lib/kms-crypto-key-iam-member";
import { KmsCryptoKeyIamPolicy } from "@cdktf/provider-google/lib/kms-crypto-key-iam-policy";
import { KmsKeyRingIamMember } from "@cdktf/provider-google/lib/kms-key-ring-iam-member";
import { ProjectIamBinding } from "@cdktf/provider-google/lib/project-iam-binding";
import { ProjectIamMember } from "@cdktf/provider-google/lib/project-iam-member";
import { AnnotationMetadataEntryType, App } from "cdktf";
import { Construct, IConstruct } from "constructs";
import { mkdtempSync, readFileSync, rmSync } from "fs";
import * as os from "os";
import * as path from "path";
import { loadConfig } from "../config/load";
import { EnvironmentConfig } from "../config/schema";
import { AirlockStack } from "../constructs/airlock-stack";
import { checkGuardrails, GUARDRAIL_RULES, GuardrailError, GuardrailViolation } from "../constructs/guardrails";
import { HostIdentity } from "../constructs/host-identity";
import { PythonRepository } from "../constructs/python-repository";
import { airlockStack, StackFactory, synthesize } from "../synth/synthesize";
import { ASSETS, buildStack, EXAMPLE_CONFIG, exampleConfig, fileTree, FIXTURES, grantee, ROOT, startupSources } from "./support";

/** The rule names are a contract: operators grep for them and docs/security.md documents them. */
const RULE = {
  G1: "AIRLOCK-G1 no-external-ip",
  G2: "AIRLOCK-G2 no-default-compute-service-account",
  G3: "AIRLOCK-G3 no-project-level-host-roles",
  G4: "AIRLOCK-G4 no-private-internet-egress",
  G5: "AIRLOCK-G5 ssh-only-from-iap",
  G6: "AIRLOCK-G6 no-public-repository",
  G7: "AIRLOCK-G7 auth-repo-helpers-only",
  G8: "AIRLOCK-G8 signing-key-least-privilege",
} as const;

const PROJECT = "airlock-example";
const PRIVATE_HOST_SA = `airlock-private-host@${PROJECT}.iam.gserviceaccount.com`;

const remoteVirtual = (c: EnvironmentConfig) => {
  c.mode = "remote";
  c.repositories.virtual.enabled = true;
};

/**
 * Build the real example stack, let `breakIt` add resources to it, run the guardrails once (no synthesis;
 * the tests of the App and synthesize() below synthesize too).
 */
function broken(breakIt: (stack: AirlockStack) => IConstruct, edit?: (c: EnvironmentConfig) => void, config = exampleConfig(edit)) {
  const { stack } = buildStack(config);
  const offending = breakIt(stack);
  const guardrails = checkGuardrails([stack]);
  return { stack, offending, violations: guardrails.violations, guardrails };
}

function found(violations: readonly GuardrailViolation[]): Array<[string, string]> {
  return violations.map((v) => [v.rule, v.path]);
}

function privateIdentity(stack: AirlockStack): HostIdentity {
  return stack.privateSide.hostIdentity!;
}

/** A VM that keeps every default: on the private subnet, no external IP, the private host's own SA. */
function vm(stack: AirlockStack, id: string, overrides: Partial<ComputeInstanceConfig> = {}): ComputeInstance {
  return new ComputeInstance(stack, id, {
    name: id,
    zone: "us-central1-a",
    machineType: "e2-small",
    bootDisk: { initializeParams: { image: "debian-cloud/debian-12" } },
    networkInterface: [{ subnetwork: stack.privateNetwork.subnet.id }],
    serviceAccount: { email: privateIdentity(stack).email, scopes: ["cloud-platform"] },
    ...overrides,
  });
}

function errorAnnotations(root: IConstruct): Array<[string, string]> {
  return root.node
    .findAll()
    .flatMap((c) =>
      c.node.metadata
        .filter((m) => m.type === AnnotationMetadataEntryType.ERROR)
        .map((m) => [c.node.path, String(m.data)] as [string, string]),
    );
}

describe("the real stacks break no guardrail", () => {
  it.each([
    ["mirror mode", undefined],
    ["mirror mode + virtual repo", (c: EnvironmentConfig) => void (c.repositories.virtual.enabled = true)],
    ["remote mode", (c: EnvironmentConfig) => void (c.mode = "remote")],
    ["remote mode + virtual repo", remoteVirtual],
    ["restricted Google APIs VIP", (c: EnvironmentConfig) => void (c.networks.private.googleApis = "restricted")],
  ])("%s: zero violations, no error annotation, assertClean passes", (_, edit) => {
    const { stack } = buildStack(exampleConfig(edit));
    const guardrails = checkGuardrails([stack]);
    expect(guardrails.violations).toEqual([]);
    expect(errorAnnotations(stack)).toEqual([]);
    expect(() => guardrails.assertClean()).not.toThrow();
  });

  it("the controls are real: a compliant extra VM, IAP SSH, a VIP route and a user's project role stay quiet", () => {
    const { violations } = broken((stack) => {
      vm(stack, "compliant-vm");
      new ComputeFirewall(stack, "iap-https", {
        name: "iap-https",
        network: stack.privateNetwork.network.id,
        sourceRanges: ["35.235.240.0/20"],
        allow: [{ protocol: "tcp", ports: ["22", "443"] }],
      });
      new ComputeFirewall(stack, "https-from-anywhere", {
        name: "https-from-anywhere",
        network: stack.privateNetwork.network.id,
        sourceRanges: ["0.0.0.0/0"],
        allow: [{ protocol: "tcp", ports: ["443", "8000-8080"] }],
      });
      new ComputeFirewall(stack, "deny-ssh", {
        name: "deny-ssh",
        network: stack.privateNetwork.network.id,
        sourceRanges: ["0.0.0.0/0"],
        deny: [{ protocol: "tcp", ports: ["22"] }],
      });
      new ComputeRoute(stack, "restricted-vip", {
        name: "restricted-vip",
        network: stack.privateNetwork.network.id,
        destRange: "199.36.153.4/30",
        nextHopGateway: "default-internet-gateway",
      });
      new ProjectIamMember(stack, "operator", { project: PROJECT, role: "roles/viewer", member: "user:ops@example.com" });
      return stack.privateRepo.grantRead(grantee("team-reader", "group:devs@example.com"));
    });
    expect(violations).toEqual([]);
  });
});

describe("AIRLOCK-G1: no external IP", () => {
  it("fires on an instance with an access_config, naming its path", () => {
    const { offending, violations } = broken((stack) =>
      vm(stack, "exposed-vm", { networkInterface: [{ subnetwork: stack.privateNetwork.subnet.id, accessConfig: [{}] }] }),
    );
    expect(offending.node.path).toBe("airlock/exposed-vm");
    expect(found(violations)).toEqual([[RULE.G1, "airlock/exposed-vm"]]);
    expect(violations[0].message).toMatch(/external IP/);
  });

  it("fires on an IPv6 access_config too", () => {
    const { violations } = broken((stack) =>
      vm(stack, "ipv6-vm", {
        networkInterface: [
          { subnetwork: stack.privateNetwork.subnet.id, stackType: "IPV4_IPV6", ipv6AccessConfig: [{ networkTier: "PREMIUM" }] },
        ],
      }),
    );
    expect(found(violations)).toEqual([[RULE.G1, "airlock/ipv6-vm"]]);
  });

  it("fires on the real private host when an escape hatch gives it an external IP", () => {
    const { violations } = broken((stack) => {
      stack.privateHost!.instance.addOverride("network_interface.0.access_config", [{}]);
      return stack.privateHost!.instance;
    });
    expect(found(violations)).toEqual([[RULE.G1, "airlock/pip-airlock/private/private-host/instance"]]);
  });

  it("fires on an instance template with an access_config", () => {
    const { violations } = broken(
      (stack) =>
        new ComputeInstanceTemplate(stack, "exposed-template", {
          machineType: "e2-small",
          disk: [{ sourceImage: "debian-cloud/debian-12" }],
          networkInterface: [{ subnetwork: stack.privateNetwork.subnet.id, accessConfig: [{}] }],
          serviceAccount: { email: privateIdentity(stack).email, scopes: ["cloud-platform"] },
        }),
      remoteVirtual,
    );
    expect(found(violations)).toEqual([[RULE.G1, "airlock/exposed-template"]]);
  });
});

describe("AIRLOCK-G2: no default compute service account", () => {
  it.each([
    ["the default compute SA", { email: "123-compute@developer.gserviceaccount.com", scopes: ["cloud-platform"] }],
    ['"default"', { email: "default", scopes: ["cloud-platform"] }],
    ["no service account at all", undefined],
  ])("fires on an instance with %s", (_, serviceAccount) => {
    const { violations } = broken((stack) => vm(stack, "lazy-vm", { serviceAccount }));
    expect(found(violations)).toEqual([[RULE.G2, "airlock/lazy-vm"]]);
    expect(violations[0].message).toMatch(/default compute service account/);
  });

  it("fires in remote mode too, and one VM breaking two rules gets both, same path", () => {
    const { violations } = broken(
      (stack) =>
        vm(stack, "bad-vm", {
          networkInterface: [{ subnetwork: stack.privateNetwork.subnet.id, accessConfig: [{}] }],
          serviceAccount: { email: "123-compute@developer.gserviceaccount.com", scopes: ["cloud-platform"] },
        }),
      remoteVirtual,
    );
    expect(found(violations).sort()).toEqual([
      [RULE.G1, "airlock/bad-vm"],
      [RULE.G2, "airlock/bad-vm"],
    ]);
  });
});

describe("AIRLOCK-G3: no project-level role for a host account", () => {
  it("fires on a project IAM member granting the stack's own private host SA (its .email token) a role", () => {
    const { violations } = broken((stack) => {
      const email = privateIdentity(stack).email;
      expect(email).toMatch(/^\$\{TfToken\[/); // really the token, not a literal
      return new ProjectIamMember(stack, "host-admin", {
        project: PROJECT,
        role: "roles/artifactregistry.admin",
        member: `serviceAccount:${email}`,
      });
    });
    expect(found(violations)).toEqual([[RULE.G3, "airlock/host-admin"]]);
    expect(violations[0].message).toMatch(/project-level role/);
  });

  it("fires on a literal host SA email", () => {
    const { violations } = broken(
      (stack) =>
        new ProjectIamMember(stack, "literal-host-role", {
          project: PROJECT,
          role: "roles/storage.admin",
          member: `serviceAccount:${PRIVATE_HOST_SA}`,
        }),
    );
    expect(found(violations)).toEqual([[RULE.G3, "airlock/literal-host-role"]]);
  });

  it("fires on a project IAM binding listing the public host's SA among others", () => {
    const { violations } = broken((stack) => {
      const publicIdentity = stack.mirrorSide!.identity;
      return new ProjectIamBinding(stack, "editors", {
        project: PROJECT,
        role: "roles/editor",
        members: ["user:ops@example.com", publicIdentity.member],
      });
    });
    expect(found(violations)).toEqual([[RULE.G3, "airlock/editors"]]);
  });
});

describe("AIRLOCK-G4: no internet egress from the private network", () => {
  it("fires on a 0.0.0.0/0 route on the private network", () => {
    const { violations } = broken(
      (stack) =>
        new ComputeRoute(stack, "internet-route", {
          name: "internet",
          network: stack.privateNetwork.network.id,
          destRange: "0.0.0.0/0",
          nextHopGateway: "default-internet-gateway",
        }),
    );
    expect(found(violations)).toEqual([[RULE.G4, "airlock/internet-route"]]);
    expect(violations[0].message).toContain("0.0.0.0/0");
  });

  it("fires on a route wider than the VIP even when it covers it, referenced by self_link, in remote mode", () => {
    const { violations } = broken(
      (stack) =>
        new ComputeRoute(stack, "wide-route", {
          name: "wide",
          network: stack.privateNetwork.network.selfLink,
          destRange: "199.36.0.0/16",
          nextHopGateway: "default-internet-gateway",
        }),
      remoteVirtual,
    );
    expect(found(violations)).toEqual([[RULE.G4, "airlock/wide-route"]]);
  });

  it("fires on a Cloud Router + NAT on the private network (the NAT is named)", () => {
    const { violations } = broken((stack) => {
      const router = new ComputeRouter(stack, "private-router", {
        name: "private-router",
        network: stack.privateNetwork.network.id,
        region: "us-central1",
      });
      return new ComputeRouterNat(stack, "private-nat", {
        name: "private-nat",
        router: router.name,
        region: "us-central1",
        natIpAllocateOption: "AUTO_ONLY",
        sourceSubnetworkIpRangesToNat: "ALL_SUBNETWORKS_ALL_IP_RANGES",
      });
    });
    expect(found(violations)).toEqual([[RULE.G4, "airlock/private-nat"]]);
    expect(violations[0].message).toMatch(/NAT/);
  });

  it("fires when the private network keeps its default internet route", () => {
    const { violations } = broken((stack) => {
      stack.privateNetwork.network.addOverride("delete_default_routes_on_create", false);
      return stack.privateNetwork.network;
    });
    expect(found(violations)).toEqual([[RULE.G4, "airlock/pip-airlock/private/private-network/network"]]);
  });

  it("fires on a 0.0.0.0/0 route that names the private network literally", () => {
    const { violations } = broken(
      (stack) =>
        new ComputeRoute(stack, "literal-route", {
          name: "literal",
          network: "airlock-private",
          destRange: "0.0.0.0/0",
          nextHopGateway: "default-internet-gateway",
        }),
    );
    expect(found(violations)).toEqual([[RULE.G4, "airlock/literal-route"]]);
  });

  it("stays quiet on the same route and NAT on the public network", () => {
    const { violations } = broken((stack) => {
      const router = new ComputeRouter(stack, "second-router", {
        name: "second-router",
        network: stack.publicNetwork!.network.id,
        region: "us-central1",
      });
      new ComputeRouterNat(stack, "second-nat", {
        name: "second-nat",
        router: router.name,
        region: "us-central1",
        natIpAllocateOption: "AUTO_ONLY",
        sourceSubnetworkIpRangesToNat: "ALL_SUBNETWORKS_ALL_IP_RANGES",
      });
      return new ComputeRoute(stack, "public-route", {
        name: "public",
        network: stack.publicNetwork!.network.id,
        destRange: "0.0.0.0/0",
        nextHopGateway: "default-internet-gateway",
      });
    });
    expect(violations).toEqual([]);
  });
});

describe("AIRLOCK-G5: SSH only from IAP", () => {
  it("fires on a firewall opening tcp:22 to 0.0.0.0/0", () => {
    const { violations } = broken(
      (stack) =>
        new ComputeFirewall(stack, "open-ssh", {
          name: "open-ssh",
          network: stack.privateNetwork.network.id,
          direction: "INGRESS",
          sourceRanges: ["0.0.0.0/0"],
          allow: [{ protocol: "tcp", ports: ["22"] }],
        }),
    );
    expect(found(violations)).toEqual([[RULE.G5, "airlock/open-ssh"]]);
    expect(violations[0].message).toContain("0.0.0.0/0");
    expect(violations[0].message).toContain("35.235.240.0/20");
  });

  it('fires on protocol "all" from 10.0.0.0/8 (no ports means every port)', () => {
    const { violations } = broken(
      (stack) =>
        new ComputeFirewall(stack, "allow-all-internal", {
          name: "allow-all-internal",
          network: stack.privateNetwork.network.id,
          sourceRanges: ["10.0.0.0/8"],
          allow: [{ protocol: "all" }],
        }),
      remoteVirtual,
    );
    expect(found(violations)).toEqual([[RULE.G5, "airlock/allow-all-internal"]]);
  });

  it.each([
    ["a port range covering 22", { sourceRanges: ["0.0.0.0/0"], allow: [{ protocol: "tcp", ports: ["20-30"] }] }],
    ["tcp with no ports", { sourceRanges: ["192.168.0.0/16"], allow: [{ protocol: "tcp" }] }],
    ["IAP plus one more range", { sourceRanges: ["35.235.240.0/20", "203.0.113.0/24"], allow: [{ protocol: "tcp", ports: ["22"] }] }],
    ["a range wider than IAP's", { sourceRanges: ["35.235.0.0/16"], allow: [{ protocol: "tcp", ports: ["22"] }] }],
    ["no source range (source tags only)", { sourceTags: ["bastion"], allow: [{ protocol: "tcp", ports: ["22"] }] }],
  ])("fires on %s", (_, rule) => {
    const { violations } = broken(
      (stack) => new ComputeFirewall(stack, "leaky", { name: "leaky", network: stack.publicNetwork!.network.id, ...rule }),
    );
    expect(found(violations)).toEqual([[RULE.G5, "airlock/leaky"]]);
  });
});

it('AIRLOCK-G5 fires on protocol "TCP" (upper case) to 0.0.0.0/0', () => {
  const { violations } = broken(
    (stack) =>
      new ComputeFirewall(stack, "upper-ssh", {
        name: "upper-ssh",
        network: stack.privateNetwork.network.id,
        sourceRanges: ["0.0.0.0/0"],
        allow: [{ protocol: "TCP", ports: ["22"] }],
      }),
  );
  expect(found(violations)).toEqual([[RULE.G5, "airlock/upper-ssh"]]);
});

describe("AIRLOCK-G6: no public repository", () => {
  it.each(["allUsers", "allAuthenticatedUsers"])("fires on a repository IAM member %s", (member) => {
    const { violations } = broken(
      (stack) =>
        new ArtifactRegistryRepositoryIamMember(stack, "public-read", {
          project: PROJECT,
          location: "us-central1",
          repository: stack.privateRepo.repository.name,
          role: "roles/artifactregistry.reader",
          member,
        }),
    );
    expect(found(violations)).toEqual([[RULE.G6, "airlock/public-read"]]);
    expect(violations[0].message).toMatch(/allUsers/);
  });

  it("fires through the construct's own grantRead on the virtual repo, naming the grant's path", () => {
    const { violations } = broken((stack) => stack.virtualRepo!.grantRead(grantee("everyone", "allAuthenticatedUsers")), remoteVirtual);
    expect(found(violations)).toEqual([[RULE.G6, "airlock/pip-airlock/artifact-registry/virtual-repo/everyone"]]);
  });

  it("fires on a repository IAM binding with allUsers among its members", () => {
    const { violations } = broken(
      (stack) =>
        new ArtifactRegistryRepositoryIamBinding(stack, "binding", {
          project: PROJECT,
          location: "us-central1",
          repository: stack.helpersRepo.repository.name,
          role: "roles/artifactregistry.reader",
          members: ["group:devs@example.com", "allUsers"],
        }),
    );
    expect(found(violations)).toEqual([[RULE.G6, "airlock/binding"]]);
  });

  it("fires on a repository IAM policy whose literal policy_data grants allUsers", () => {
    const { violations } = broken(
      (stack) =>
        new ArtifactRegistryRepositoryIamPolicy(stack, "literal-policy", {
          project: PROJECT,
          location: "us-central1",
          repository: stack.privateRepo.repository.name,
          policyData: JSON.stringify({ bindings: [{ role: "roles/artifactregistry.reader", members: ["allUsers"] }] }),
        }),
    );
    expect(found(violations)).toEqual([[RULE.G6, "airlock/literal-policy"]]);
  });
});

it("AIRLOCK-G6 fires on a repository IAM policy built from a google_iam_policy data source", () => {
  const { violations } = broken((stack) => {
    const policy = new DataGoogleIamPolicy(stack, "public-policy", {
      binding: [{ role: "roles/artifactregistry.reader", members: ["allUsers"] }],
    });
    return new ArtifactRegistryRepositoryIamPolicy(stack, "public-policy-attachment", {
      project: PROJECT,
      location: "us-central1",
      repository: stack.privateRepo.repository.name,
      policyData: policy.policyData,
    });
  });
  expect(found(violations)).toEqual([[RULE.G6, "airlock/public-policy-attachment"]]);
});

describe("how a violation is reported", () => {
  it("puts an error annotation, with the rule, on the offending construct only", () => {
    const { stack, offending, violations } = broken(
      (stack) =>
        new ComputeFirewall(stack, "open-ssh", {
          name: "open-ssh",
          network: stack.privateNetwork.network.id,
          sourceRanges: ["0.0.0.0/0"],
          allow: [{ protocol: "tcp", ports: ["22"] }],
        }),
    );
    expect(violations).toHaveLength(1);
    const mine = offending.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.ERROR);
    expect(mine.map((m) => m.data)).toEqual([`[${RULE.G5}] ${violations[0].message}`]);
    expect(errorAnnotations(stack)).toEqual([["airlock/open-ssh", `[${RULE.G5}] ${violations[0].message}`]]);
  });

  it("annotates a nested construct at its own path, not its parent", () => {
    const { stack } = broken((stack) => stack.privateRepo.grantRead(grantee("leak", "allUsers")));
    expect(errorAnnotations(stack).map(([p]) => p)).toEqual(["airlock/pip-airlock/artifact-registry/private-repo/leak"]);
  });

  it("GuardrailError: one line per violation, `guardrail ID name: PATH message`, violations kept", () => {
    const { guardrails } = broken((stack) => {
      vm(stack, "exposed-vm", { networkInterface: [{ subnetwork: stack.privateNetwork.subnet.id, accessConfig: [{}] }] });
      return stack.privateRepo.grantRead(grantee("leak", "allUsers"));
    });
    let error: unknown;
    try {
      guardrails.assertClean();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GuardrailError);
    const e = error as GuardrailError;
    expect(e.name).toBe("GuardrailError");
    expect(e.violations).toEqual(guardrails.violations);
    const lines = e.message.split("\n");
    expect(lines).toHaveLength(2);
    expect(lines).toContain(`guardrail ${RULE.G1}: airlock/exposed-vm ${guardrails.violations.find((v) => v.rule === RULE.G1)!.message}`);
    expect(lines).toContain(
      `guardrail ${RULE.G6}: airlock/pip-airlock/artifact-registry/private-repo/leak ${guardrails.violations.find((v) => v.rule === RULE.G6)!.message}`,
    );
    for (const line of lines) expect(line).toMatch(/^guardrail AIRLOCK-G[1-6] [a-z-]+: airlock\/\S+ \S.*$/);
  });

  it("a real App's synth fails, once checked, with the rule and the construct path (cdktf error annotations)", () => {
    const outdir = mkdtempSync(path.join(os.tmpdir(), "airlock-guardrail-app-"));
    const saved = process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
    delete process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
    try {
      const app = new App({ outdir, stackTraces: false });
      const stack = new AirlockStack(app, "airlock", { config: exampleConfig(), lockContent: "", startupSources: startupSources() });
      new ComputeFirewall(stack, "open-ssh", {
        name: "open-ssh",
        network: stack.privateNetwork.network.id,
        sourceRanges: ["0.0.0.0/0"],
        allow: [{ protocol: "tcp", ports: ["22"] }],
      });
      checkGuardrails([stack]);
      expect(() => app.synth()).toThrow(/\[airlock\/open-ssh\] \[AIRLOCK-G5 ssh-only-from-iap\]/);
    } finally {
      if (saved !== undefined) process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS = saved;
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe("synthesize() refuses a stack that breaks a guardrail", () => {
  /** The product's stack, plus a firewall rule that opens SSH to the world. */
  const openSsh: StackFactory = (app, environment, sources) => {
    const stack = airlockStack(app, environment, sources);
    new ComputeFirewall(stack, "open-ssh", {
      name: "open-ssh",
      network: stack.privateNetwork.network.id,
      sourceRanges: ["0.0.0.0/0"],
      allow: [{ protocol: "tcp", ports: ["22"] }],
    });
    return stack;
  };
  let work: string;
  let outdir: string;
  const saved = process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;

  beforeEach(() => {
    work = mkdtempSync(path.join(os.tmpdir(), "airlock-guardrail-synth-"));
    outdir = path.join(work, "out");
    // A previous good synth: it must survive the failed one byte for byte.
    synthesize({ configFile: EXAMPLE_CONFIG, outdir, assetsDir: ASSETS });
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
    else process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS = saved;
    rmSync(work, { recursive: true, force: true });
  });

  function expectGuardrailErrorAndNothingWritten() {
    const before = fileTree(work);
    expect(Object.keys(before)).toContain(path.join("out", "stacks", "airlock", "cdk.tf.json"));
    let error: unknown;
    try {
      synthesize({ configFile: EXAMPLE_CONFIG, outdir, assetsDir: ASSETS, stackFactory: openSsh });
    } catch (e) {
      error = e;
    }
    expect(fileTree(work)).toEqual(before); // no scratch folder left behind either
    expect(error).toBeInstanceOf(GuardrailError);
    expect(found((error as GuardrailError).violations)).toEqual([[RULE.G5, "airlock/open-ssh"]]);
    expect((error as Error).message).toMatch(/^guardrail AIRLOCK-G5 ssh-only-from-iap: airlock\/open-ssh opens SSH/);
  }

  it("as `cdktf synth` runs it (CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS set): GuardrailError, outdir untouched", () => {
    process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS = "true";
    expectGuardrailErrorAndNothingWritten();
  });

  it("called directly (no cdktf CLI env): still a GuardrailError, outdir untouched", () => {
    delete process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
    expectGuardrailErrorAndNothingWritten();
  });
});

describe("AIRLOCK-G7: the auth repo stays helpers-only", () => {
  const CI = "serviceAccount:ci@acme-build.iam.gserviceaccount.com";

  it("fires on a writer grant on the auth repo to anyone but the public host", () => {
    const { violations } = broken((stack) => stack.helpersRepo.grantWrite(grantee("ci-writer", CI)));
    expect(found(violations)).toEqual([[RULE.G7, "airlock/pip-airlock/artifact-registry/auth-repo/ci-writer"]]);
    expect(violations[0].message).toContain(`grants roles/artifactregistry.writer on the auth repo to ${CI}`);
  });

  it("fires on an admin binding and on a whole IAM policy of the auth repo", () => {
    const { violations } = broken((stack) => {
      new ArtifactRegistryRepositoryIamBinding(stack, "admins", {
        project: PROJECT,
        location: "us-central1",
        repository: stack.helpersRepo.repository.name,
        role: "roles/artifactregistry.repoAdmin",
        members: ["group:platform@acme.example"],
      });
      return new ArtifactRegistryRepositoryIamPolicy(stack, "auth-policy", {
        project: PROJECT,
        location: "us-central1",
        repository: stack.helpersRepo.repository.name,
        policyData: JSON.stringify({ bindings: [] }),
      });
    });
    expect(found(violations).sort()).toEqual([
      [RULE.G7, "airlock/admins"],
      [RULE.G7, "airlock/auth-policy"],
    ]);
  });

  it("stays quiet on readers of the auth repo and on writers of the private repo", () => {
    const { violations } = broken((stack) => {
      stack.helpersRepo.grantRead(grantee("auditor", "user:auditor@acme.example"));
      return stack.privateRepo.grantWrite(grantee("ci-writer", CI));
    });
    expect(violations).toEqual([]);
  });
});

describe("AIRLOCK-G8: the mirror signs with the signing key, anyone else only reads its public key", () => {
  const CI = "serviceAccount:ci@acme-build.iam.gserviceaccount.com";

  it("fires on a signer grant to anyone but the public host, and on any other role on the key", () => {
    const { violations } = broken((stack) => {
      stack.repositories.signing!.grantSign(grantee("ci-signer", CI));
      return new KmsCryptoKeyIamMember(stack, "key-admin", {
        cryptoKeyId: stack.repositories.signing!.cryptoKey.id,
        role: "roles/cloudkms.admin",
        member: "group:platform@acme.example",
      });
    });
    expect(found(violations).sort()).toEqual([
      [RULE.G8, "airlock/key-admin"],
      [RULE.G8, "airlock/pip-airlock/artifact-registry/mirror-signing/ci-signer"],
    ]);
    expect(violations.find((v) => v.path.endsWith("ci-signer"))!.message).toContain(
      `grants roles/cloudkms.signer on the mirror's signing key to ${CI}: only the public host (the mirror) may sign with it`,
    );
  });

  it("fires on a whole IAM policy of the key and on any grant on its key ring (it reaches the key)", () => {
    const { violations } = broken((stack) => {
      const signing = stack.repositories.signing!;
      new KmsCryptoKeyIamPolicy(stack, "key-policy", { cryptoKeyId: signing.cryptoKey.id, policyData: JSON.stringify({ bindings: [] }) });
      return new KmsKeyRingIamMember(stack, "ring-viewer", {
        keyRingId: signing.keyRing.id,
        role: "roles/cloudkms.publicKeyViewer",
        member: CI,
      });
    });
    expect(found(violations).sort()).toEqual([
      [RULE.G8, "airlock/key-policy"],
      [RULE.G8, "airlock/ring-viewer"],
    ]);
  });

  it("stays quiet on public key viewers of the signing key and on grants on another key (a customer-managed key)", () => {
    const { violations } = broken((stack) => {
      stack.repositories.signing!.grantVerify(grantee("auditor", "user:auditor@acme.example"));
      return new KmsCryptoKeyIamMember(stack, "cmek-user", {
        cryptoKeyId: "projects/acme-kms/locations/us-central1/keyRings/ar/cryptoKeys/pip",
        role: "roles/cloudkms.admin",
        member: CI,
      });
    });
    expect(violations).toEqual([]);
  });
});

describe("the rules find resources by the role their constructs declare, not by construct path", () => {
  const CI = "serviceAccount:ci@acme-build.iam.gserviceaccount.com";
  const existingNetworks = () => structuredClone(loadConfig(path.join(FIXTURES, "existing-network.json"))[0].config);
  const teamRepo = (scope: IConstruct, id: string, role?: "auth-repo") =>
    new PythonRepository(scope, id, { project: PROJECT, location: "us-central1", repositoryId: id, description: "a team's", role });

  it("AIRLOCK-G7: a repository declared the auth repo is one wherever it sits; one merely at an `auth-repo` path is not", () => {
    const { violations } = broken((stack) => {
      teamRepo(new Construct(stack, "team"), "auth-repo").grantWrite(grantee("ci-writer", CI));
      return teamRepo(stack, "second-helpers", "auth-repo").grantWrite(grantee("ci-writer", CI));
    });
    expect(found(violations)).toEqual([[RULE.G7, "airlock/second-helpers/ci-writer"]]);
  });

  it("AIRLOCK-G4: the private network keeps its role under another logical id; a network merely at a `private-network` path is not private", () => {
    const { violations } = broken((stack) => {
      const lookalike = new ComputeNetwork(new Construct(new Construct(stack, "lab"), "private-network"), "network", {
        name: "lab",
        autoCreateSubnetworks: false,
      });
      new ComputeRoute(stack, "lab-route", {
        name: "lab",
        network: lookalike.id,
        destRange: "0.0.0.0/0",
        nextHopGateway: "default-internet-gateway",
      });
      stack.privateNetwork.network.overrideLogicalId("renamed_private_network");
      stack.privateNetwork.network.addOverride("delete_default_routes_on_create", false);
      return stack.privateNetwork.network;
    });
    expect(found(violations)).toEqual([[RULE.G4, "airlock/pip-airlock/private/private-network/network"]]);
  });

  it("AIRLOCK-G4 fires on a route and a NAT the stack adds to an existing private network (a data source), not on the existing public one", () => {
    const { violations } = broken(
      (stack) => {
        const network = stack.privateNetwork.network;
        expect(network).toBeInstanceOf(DataGoogleComputeNetwork);
        new ComputeRoute(stack, "internet-route", {
          name: "internet",
          network: network.id,
          destRange: "0.0.0.0/0",
          nextHopGateway: "default-internet-gateway",
        });
        const router = new ComputeRouter(stack, "router", { name: "router", network: network.name, region: "europe-west4" });
        new ComputeRouterNat(stack, "nat", {
          name: "nat",
          router: router.name,
          region: "europe-west4",
          natIpAllocateOption: "AUTO_ONLY",
          sourceSubnetworkIpRangesToNat: "ALL_SUBNETWORKS_ALL_IP_RANGES",
        });
        return new ComputeRoute(stack, "public-route", {
          name: "public",
          network: stack.publicNetwork!.network.id,
          destRange: "0.0.0.0/0",
          nextHopGateway: "default-internet-gateway",
        });
      },
      undefined,
      existingNetworks(),
    );
    expect(found(violations).sort()).toEqual([
      [RULE.G4, "airlock/internet-route"],
      [RULE.G4, "airlock/nat"],
    ]);
  });

  it("blind spots: an existing network declared public gets the public note, any other existing network the private one", () => {
    const { guardrails } = broken(
      (stack) => new DataGoogleComputeNetwork(stack, "team-network", { name: "team-vpc" }),
      undefined,
      existingNetworks(),
    );
    const notes = guardrails.blindSpots.map((n) => [n.path, /AIRLOCK-G4/.test(n.message) ? "private" : "public"]);
    expect(notes.sort()).toEqual([
      ["airlock/pip-airlock/mirror/public-network/network", "public"],
      ["airlock/pip-airlock/private/private-network/network", "private"],
      ["airlock/team-network", "private"],
    ]);
  });
});

it("docs/security.md's guardrails table lists every rule, by id and name, in order", () => {
  const readme = readFileSync(path.join(ROOT, "docs", "security.md"), "utf8");
  const documented = [...readme.matchAll(/^\| (AIRLOCK-G\d+ [a-z-]+) \|/gm)].map((m) => m[1]);
  expect(documented).toEqual(GUARDRAIL_RULES.map((r) => `${r.id} ${r.name}`));
  expect(documented).toEqual(Object.values(RULE));
});
