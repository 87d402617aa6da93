// docs/security.md's "Organization policy constraints" is generated from constructs/guardrails/org-policy.ts; a row's
// claim about the synthesized Terraform is its `check`, held here against every environment of every shipped config,
// fixture and shape variant, so the doc cannot say the stack does what it does not. Each check is shown to bite too.
import {
  configImageProjects,
  ORG_CONSTRAINTS,
  SHIPPED_IMAGE_PROJECTS,
  SynthesizedEnvironment,
  synthesizedImageProjects,
} from "../constructs/guardrails/org-policy";
import { synthesizedShapes } from "./synthesized-shapes";

const shapes = synthesizedShapes();
const constraint = (name: string) => ORG_CONSTRAINTS.find((c) => c.constraint === name)!;

/** A deep copy of an environment whose Terraform `mutate` changes. */
function broken(env: SynthesizedEnvironment, mutate: (tf: any) => void): SynthesizedEnvironment {
  const tf = structuredClone(env.tf);
  mutate(tf);
  return { config: env.config, tf };
}

const first = (tf: any, type: string) => Object.values<any>(tf.resource[type])[0];
const example = shapes.find((s) => s.label === "__tests__/fixtures/example.json [airlock]")!;
const fleet = shapes.find((s) => s.label.includes("zonal fleet"))!;
const cmek = shapes.find((s) => s.label.includes("CMEK"))!;
const sharedVpc = shapes.find((s) => s.label === "__tests__/fixtures/shared-vpc.json [airlock]")!;

describe("what docs/security.md says of each organization policy constraint holds for the synthesized Terraform", () => {
  it.each(shapes.map((s) => [s.label, s] as const))("%s: every row's synth check finds nothing", (_, env) => {
    const problems = ORG_CONSTRAINTS.flatMap((c) => (c.check ? c.check(env).map((p) => `${c.constraint}: ${p}`) : []));
    expect(problems).toEqual([]);
  });

  it("the shipped configs' and fixtures' VMs boot from the image projects the doc names, and only from the config's own", () => {
    const shipped = shapes.filter((s) => s.shipped);
    expect([...new Set(shipped.flatMap((s) => synthesizedImageProjects(s.tf)))].sort()).toEqual([...SHIPPED_IMAGE_PROJECTS]);
    expect(configImageProjects(example.config)).toEqual(["debian-cloud"]);
  });

  it("every row names its status, a setting and a Google page; a row without a synth check is one whose claim is not about the Terraform", () => {
    for (const c of ORG_CONSTRAINTS) {
      expect([c.constraint, c.sources.every((url) => /^https:\/\/cloud\.google\.com\//.test(url)), c.setting.length > 0]).toEqual([
        c.constraint,
        true,
        true,
      ]);
    }
    expect(ORG_CONSTRAINTS.filter((c) => !c.check).map((c) => c.constraint)).toEqual([]);
    expect(new Set(ORG_CONSTRAINTS.map((c) => c.constraint)).size).toBe(ORG_CONSTRAINTS.length);
  });

  it("covers the constraints the security team asked about", () => {
    expect(ORG_CONSTRAINTS.map((c) => c.constraint)).toEqual(
      expect.arrayContaining([
        "compute.vmExternalIpAccess",
        "compute.requireOsLogin",
        "compute.requireShieldedVm",
        "compute.trustedImageProjects",
        "compute.disableSerialPortLogging",
        "compute.disableSerialPortAccess",
        "compute.disableGuestAttributesAccess",
        "gcp.restrictNonCmekServices",
        "gcp.restrictCmekCryptoKeyProjects",
        "iam.disableServiceAccountCreation",
        "iam.disableServiceAccountKeyCreation",
        "iam.allowedPolicyMemberDomains",
        "iam.automaticIamGrantsForDefaultServiceAccounts",
        "compute.skipDefaultNetworkCreation",
        "compute.vmCanIpForward",
        "compute.restrictCloudNATUsage",
        "compute.restrictSharedVpcHostProjects",
        "compute.restrictSharedVpcSubnetworks",
        "gcp.resourceLocations",
        "cloudkms.allowedProtectionLevels",
      ]),
    );
  });
});

describe("each synth check bites: a Terraform that contradicts the doc's row fails it", () => {
  const cases: Array<[string, SynthesizedEnvironment, (tf: any) => void]> = [
    [
      "compute.vmExternalIpAccess",
      example,
      (tf: any) => void (first(tf, "google_compute_instance").network_interface[0].access_config = [{}]),
    ],
    [
      "compute.requireOsLogin",
      fleet,
      (tf: any) => void (first(tf, "google_compute_instance_template").metadata["enable-oslogin"] = "FALSE"),
    ],
    [
      "compute.requireShieldedVm",
      example,
      (tf: any) => void (first(tf, "google_compute_instance").shielded_instance_config.enable_secure_boot = false),
    ],
    [
      "compute.trustedImageProjects",
      example,
      (tf: any) =>
        void (first(tf, "google_compute_instance").boot_disk.initialize_params.image = "projects/acme-golden/global/images/family/base"),
    ],
    [
      "compute.disableSerialPortLogging",
      example,
      (tf: any) => void delete first(tf, "google_compute_instance").metadata["serial-port-logging-enable"],
    ],
    [
      "compute.disableSerialPortAccess",
      example,
      (tf: any) => void (first(tf, "google_compute_instance").metadata["serial-port-enable"] = "TRUE"),
    ],
    [
      "compute.disableGuestAttributesAccess",
      fleet,
      (tf: any) => void (first(tf, "google_compute_instance_template").metadata["enable-guest-attributes"] = "FALSE"),
    ],
    ["gcp.restrictNonCmekServices", cmek, (tf: any) => void delete first(tf, "google_artifact_registry_repository").kms_key_name],
    [
      "gcp.restrictNonCmekServices",
      example,
      (tf: any) =>
        void (first(tf, "google_compute_instance").boot_disk.kms_key_self_link = "projects/p/locations/l/keyRings/r/cryptoKeys/k"),
    ],
    [
      "gcp.restrictCmekCryptoKeyProjects",
      cmek,
      (tf: any) =>
        void (first(tf, "google_artifact_registry_repository").kms_key_name =
          "projects/elsewhere/locations/us-central1/keyRings/r/cryptoKeys/k"),
    ],
    [
      "cloudkms.allowedProtectionLevels",
      example,
      (tf: any) => void (first(tf, "google_kms_crypto_key").version_template.protection_level = "HSM"),
    ],
    ["iam.disableServiceAccountCreation", example, (tf: any) => void delete tf.resource.google_service_account],
    [
      "iam.disableServiceAccountKeyCreation",
      example,
      (tf: any) => void (tf.resource.google_service_account_key = { k: { service_account_id: "x" } }),
    ],
    [
      "iam.allowedPolicyMemberDomains",
      example,
      (tf: any) => void (first(tf, "google_artifact_registry_repository_iam_member").member = "user:someone@gmail.com"),
    ],
    [
      "iam.automaticIamGrantsForDefaultServiceAccounts",
      example,
      (tf: any) => void (first(tf, "google_compute_instance").service_account.email = "123-compute@developer.gserviceaccount.com"),
    ],
    ["compute.skipDefaultNetworkCreation", example, (tf: any) => void (first(tf, "google_compute_firewall").network = "default")],
    ["compute.vmCanIpForward", example, (tf: any) => void (first(tf, "google_compute_instance").can_ip_forward = true)],
    [
      "compute.restrictCloudNATUsage",
      example,
      (tf: any) => void (first(tf, "google_compute_router_nat").source_subnetwork_ip_ranges_to_nat = "ALL_SUBNETWORKS_ALL_IP_RANGES"),
    ],
    [
      "compute.restrictSharedVpcHostProjects",
      sharedVpc,
      (tf: any) => void (Object.values<any>(tf.data.google_compute_network)[0].project = "another-host"),
    ],
    [
      "compute.restrictSharedVpcSubnetworks",
      sharedVpc,
      (tf: any) => void (Object.values<any>(tf.data.google_compute_subnetwork)[0].name = "other-subnet"),
    ],
    ["gcp.resourceLocations", example, (tf: any) => void (first(tf, "google_artifact_registry_repository").location = "europe-west1")],
    ["gcp.resourceLocations", example, (tf: any) => void (first(tf, "google_compute_instance").zone = "europe-west1-b")],
  ];
  it.each(cases)("%s", (name, env, mutate) => {
    expect(constraint(name).check!(env)).toEqual([]);
    expect(constraint(name).check!(broken(env, mutate))).not.toEqual([]);
  });

  it("compute.restrictCloudNATUsage: a NAT that serves a private host's subnet fails it", () => {
    const nat = constraint("compute.restrictCloudNATUsage");
    const privateSubnet = Object.values<any>(example.tf.resource!.google_compute_instance).find(
      (i) => i.labels["airlock-role"] === "bootstrap",
    ).network_interface[0].subnetwork;
    expect(nat.check!(broken(example, (tf) => void (first(tf, "google_compute_router_nat").subnetwork[0].name = privateSubnet)))).toEqual([
      expect.stringMatching(/not the public subnet/),
    ]);
  });
});
