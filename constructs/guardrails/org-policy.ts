// Organization policy constraints against what the stack deploys: which it meets as deployed, which need an
// exception, which depend on the config, and how. docs/security.md's table is generated from this (`npm run
// docs:security`); where a row's claim is about the synthesized Terraform, `check` states it as a predicate, and
// __tests__/org-policy.test.ts holds every shipped config and fixture to it, so the doc cannot claim what the stack
// does not do.
import { parseImage } from "../../config/images";
import type { EnvironmentConfig } from "../../config/schema";

/** A stack's synthesized Terraform JSON (cdk.tf.json), the parts the checks read. */
export interface SynthesizedTerraform {
  readonly resource?: Record<string, Record<string, Record<string, any>>>;
  readonly data?: Record<string, Record<string, Record<string, any>>>;
}

/** One environment: its resolved config and its synthesized Terraform. */
export interface SynthesizedEnvironment {
  readonly config: EnvironmentConfig;
  readonly tf: SynthesizedTerraform;
}

/** `met`: the stack as deployed satisfies it; `exception`: it does not, and no setting changes that; `config`: it depends on settings. */
export type ConstraintStatus = "met" | "exception" | "config";

export const STATUS_TEXT: Record<ConstraintStatus, string> = {
  met: "met as deployed",
  exception: "needs an exception",
  config: "depends on the config",
};

export interface OrgConstraint {
  /** Without `constraints/`. */
  readonly constraint: string;
  readonly status: ConstraintStatus;
  /** How the stack meets it, or what an enforced policy does to it. */
  readonly how: string;
  /** The config settings that matter, or "none". */
  readonly setting: string;
  /** Pages that confirm the constraint's name and effect. */
  readonly sources: readonly string[];
  /** What no page we could read confirms. */
  readonly unconfirmed?: string;
  /** The claim `how` makes about the synthesized Terraform: one line per place the Terraform contradicts it. */
  readonly check?: (env: SynthesizedEnvironment) => string[];
}

interface Block {
  readonly type: string;
  readonly address: string;
  readonly config: Record<string, any>;
}

function blocks(tf: SynthesizedTerraform, ...types: string[]): Block[] {
  return types.flatMap((type) =>
    Object.entries(tf.resource?.[type] ?? {}).map(([name, config]) => ({ type, address: `${type}.${name}`, config })),
  );
}

function dataBlocks(tf: SynthesizedTerraform, ...types: string[]): Block[] {
  return types.flatMap((type) =>
    Object.entries(tf.data?.[type] ?? {}).map(([name, config]) => ({ type, address: `data.${type}.${name}`, config })),
  );
}

/** The VMs and templates the stack creates. */
function vms(tf: SynthesizedTerraform): Block[] {
  return blocks(tf, "google_compute_instance", "google_compute_instance_template");
}

/** Every VM and template whose metadata `key` is not `value`. */
function metadataIsNot(tf: SynthesizedTerraform, key: string, value: string): string[] {
  return vms(tf)
    .filter((vm) => vm.config.metadata?.[key] !== value)
    .map((vm) => `${vm.address}: metadata ${key} is ${JSON.stringify(vm.config.metadata?.[key])}, not "${value}"`);
}

/** The images a VM's boot disk or a template's boot disk is made from. */
function bootImages(vm: Block): string[] {
  if (vm.type === "google_compute_instance") return [vm.config.boot_disk?.initialize_params?.image].filter(Boolean);
  return (vm.config.disk ?? []).filter((d: any) => d.boot).map((d: any) => d.source_image);
}

function imageProject(image: string): string {
  return parseImage(image)?.project ?? image.split("/")[0];
}

/** The projects the config's VM images come from (`hosts.image`, `hosts.publicImage`, `fleet.image`), for the VMs it creates. */
export function configImageProjects(config: EnvironmentConfig): string[] {
  const images = [
    ...(config.hosts.createPrivateHost ? [config.hosts.image] : []),
    ...(config.mode === "mirror" ? [config.hosts.publicImage] : []),
    ...(config.fleet ? [config.fleet.image] : []),
  ];
  return [...new Set(images.map(imageProject))].sort();
}

/** The image projects of the VMs the stack synthesized. */
export function synthesizedImageProjects(tf: SynthesizedTerraform): string[] {
  return [...new Set(vms(tf).flatMap(bootImages).map(imageProject))].sort();
}

/** The image projects of the shipped configs and fixtures, as the doc states them (a test keeps this true). */
export const SHIPPED_IMAGE_PROJECTS = ["debian-cloud", "ubuntu-os-cloud"] as const;

/** Whether the stack creates service accounts for this config: a host, a fleet or a schedule runs as one. */
export function createsServiceAccounts(config: EnvironmentConfig): boolean {
  return config.mode === "mirror" || config.hosts.createPrivateHost || config.fleet !== undefined;
}

/** Every member the stack's IAM grants name. */
function grantedMembers(tf: SynthesizedTerraform): Array<{ address: string; member: string }> {
  const types = Object.keys(tf.resource ?? {}).filter((t) => /_iam_(member|binding)$/.test(t));
  return blocks(tf, ...types).flatMap((b) =>
    [b.config.member, ...(b.config.members ?? [])].filter(Boolean).map((member: string) => ({ address: b.address, member })),
  );
}

/** The principals the config names: `repositories.access.*` and the consumers' accounts. */
export function configMembers(config: EnvironmentConfig): string[] {
  const access = Object.values(config.repositories.access).flatMap((a) => [
    ...a.readers,
    ...((a as { writers?: readonly string[] }).writers ?? []),
  ]);
  const consumers = Object.values(config.consumers).flatMap((c) => c.serviceAccounts.map((email) => `serviceAccount:${email}`));
  return [...new Set([...access, ...consumers])];
}

/** A member that is one of the stack's own identities: an account it creates, or Artifact Registry's service agent. */
const OWN_MEMBER = /^(serviceAccount:\$\{google_service_account\.[^.}]+\.email\}|\$\{google_project_service_identity\.[^.}]+\.member\})$/;

function networkNames(value: unknown): boolean {
  return typeof value === "string" && (value === "default" || /\/networks\/default$/.test(value));
}

/** Top-level location arguments of every resource: `location` and `region` (a region), `zone` (a zone). */
function locations(tf: SynthesizedTerraform): Array<{ address: string; key: string; value: string }> {
  return blocks(tf, ...Object.keys(tf.resource ?? {}))
    .flatMap((b) =>
      ["location", "region", "zone"]
        .filter((key) => typeof b.config[key] === "string")
        .map((key) => ({ address: b.address, key, value: b.config[key] as string })),
    )
    .concat(
      blocks(tf, "google_compute_region_instance_group_manager").flatMap((b) =>
        (b.config.distribution_policy_zones ?? []).map((zone: string) => ({
          address: b.address,
          key: "distribution_policy_zones",
          value: zone,
        })),
      ),
    );
}

const MANAGED = "https://cloud.google.com/compute/docs/access/managed-constraints";
const ASSET_LIST = "https://cloud.google.com/asset-inventory/docs/reference/rest/v1/TopLevel/analyzeOrgPolicyGovernedAssets";
const CMEK = "https://cloud.google.com/kms/docs/cmek-org-policy";
const SERVICE_ACCOUNTS = "https://cloud.google.com/resource-manager/docs/organization-policy/restricting-service-accounts";

/** The constraints, in the order the doc lists them. */
export const ORG_CONSTRAINTS: readonly OrgConstraint[] = [
  {
    constraint: "compute.vmExternalIpAccess",
    status: "met",
    how: "No VM or template has an access config, so none has an external IP (guardrail AIRLOCK-G1); the public host reaches PyPI through Cloud NAT.",
    setting: "none",
    sources: [MANAGED, ASSET_LIST],
    check: ({ tf }) =>
      vms(tf)
        .filter((vm) =>
          (vm.config.network_interface ?? []).some(
            (ni: any) => (ni.access_config ?? []).length > 0 || (ni.ipv6_access_config ?? []).length > 0,
          ),
        )
        .map((vm) => `${vm.address}: has an access config`),
  },
  {
    constraint: "compute.requireOsLogin",
    status: "met",
    how: "Every VM and template sets `enable-oslogin` to `TRUE` (and `block-project-ssh-keys`); the constraint rejects requests that set it to false, which the stack never sends.",
    setting: "none",
    sources: ["https://cloud.google.com/compute/docs/oslogin/manage-oslogin-in-an-org", MANAGED],
    check: ({ tf }) => metadataIsNot(tf, "enable-oslogin", "TRUE"),
  },
  {
    constraint: "compute.requireShieldedVm",
    status: "met",
    how: "Every VM and template has Secure Boot, vTPM and integrity monitoring on; a custom image (`hosts.image`, `fleet.image`) must support Shielded VM.",
    setting: "`hosts.image`, `hosts.publicImage`, `fleet.image` (a custom image)",
    sources: [ASSET_LIST, "https://cloud.google.com/compute/shielded-vm/docs/shielded-vm"],
    unconfirmed:
      "the constraint's own description (new VMs must use Shielded images with Secure Boot, vTPM and integrity monitoring on) we read only in third-party copies, not on a Google page",
    check: ({ tf }) =>
      vms(tf)
        .filter((vm) => {
          const s = vm.config.shielded_instance_config ?? {};
          return !(s.enable_secure_boot === true && s.enable_vtpm === true && s.enable_integrity_monitoring === true);
        })
        .map((vm) => `${vm.address}: shielded_instance_config is ${JSON.stringify(vm.config.shielded_instance_config)}`),
  },
  {
    constraint: "compute.trustedImageProjects",
    status: "config",
    how: `The VMs boot from the images of \`hosts.image\` (the private host), \`hosts.publicImage\` (the public host, mirror mode) and \`fleet.image\`, and from no other project: allow those images' projects. The shipped configs use ${SHIPPED_IMAGE_PROJECTS.map((p) => `\`${p}\``).join(" and ")}. (\`mirror.targets\` only names what wheels to mirror: no VM boots from them.)`,
    setting: "`hosts.image`, `hosts.publicImage`, `fleet.image`",
    sources: ["https://cloud.google.com/compute/docs/images/restricting-image-access"],
    check: ({ tf, config }) => {
      const allowed = configImageProjects(config);
      return synthesizedImageProjects(tf)
        .filter((p) => !allowed.includes(p))
        .map((p) => `a VM boots from an image of ${p}, which the config's images do not name (${allowed.join(", ")})`);
    },
  },
  {
    constraint: "compute.disableSerialPortLogging",
    status: "exception",
    how: "Every VM and template sets `serial-port-logging-enable` to `TRUE`, so the scripts' step-by-step log (the `*_log` outputs) outlives the VM in Cloud Logging. Logging is off by default and this metadata turns it on only where the organization does not restrict it; no setting turns it off. Under the constraint the log is not kept (read it with `get-serial-port-output` while the VM runs), and status still comes from guest attributes; or exempt the airlock's VMs (the managed constraint takes tag-based conditions).",
    setting: "none",
    sources: ["https://cloud.google.com/compute/docs/troubleshooting/viewing-serial-port-output", MANAGED],
    unconfirmed:
      "whether Compute Engine refuses to create a VM whose metadata sets `serial-port-logging-enable` to `TRUE` under the constraint, or creates it without the logging",
    check: ({ tf }) => metadataIsNot(tf, "serial-port-logging-enable", "TRUE"),
  },
  {
    constraint: "compute.disableSerialPortAccess",
    status: "met",
    how: "Every VM and template sets `serial-port-enable` to `FALSE`: no interactive serial console (the constraint's managed form refuses only `TRUE`).",
    setting: "none",
    sources: [MANAGED, ASSET_LIST],
    check: ({ tf }) => metadataIsNot(tf, "serial-port-enable", "FALSE"),
  },
  {
    constraint: "compute.disableGuestAttributesAccess",
    status: "exception",
    how: "Every VM and template sets `enable-guest-attributes` to `TRUE`: the bootstrap and the mirror report `status`, `step`, `failed-step` and the installed set there, and the `*_progress` outputs read them through the Compute Engine API, which the constraint disables. No setting turns guest attributes off; exempt the airlock's VMs, or follow the hosts through the serial log instead.",
    setting: "none",
    sources: [MANAGED, ASSET_LIST],
    unconfirmed:
      "whether the enforced constraint also refuses a VM whose metadata sets `enable-guest-attributes` to `TRUE` (Google lists that key for the managed constraint's evaluation), or only blocks reading them",
    check: ({ tf }) => metadataIsNot(tf, "enable-guest-attributes", "TRUE"),
  },
  {
    constraint: "gcp.restrictNonCmekServices",
    status: "config",
    how: "With `repositories.kmsKeyName`, every repository is created with that key (after its grant to Artifact Registry's service agent); without it, none is. Not CMEK-protected in any case: the VMs' boot disks (the stack sets no disk key), and the mirror's signing key itself (a Cloud KMS key). With Compute Engine among the restricted services, the VMs need an exception.",
    setting: "`repositories.kmsKeyName`",
    sources: [CMEK],
    unconfirmed: "which services the constraint covers (Google's list of supported services we did not read)",
    check: ({ tf, config }) => [
      ...blocks(tf, "google_artifact_registry_repository")
        .filter((r) => r.config.kms_key_name !== config.repositories.kmsKeyName)
        .map(
          (r) =>
            `${r.address}: kms_key_name is ${JSON.stringify(r.config.kms_key_name)}, not the config's ${JSON.stringify(config.repositories.kmsKeyName)}`,
        ),
      ...vms(tf)
        .filter((vm) =>
          vm.type === "google_compute_instance"
            ? vm.config.boot_disk?.kms_key_self_link !== undefined || vm.config.boot_disk?.disk_encryption_key_raw !== undefined
            : (vm.config.disk ?? []).some((d: any) => d.disk_encryption_key !== undefined),
        )
        .map((vm) => `${vm.address}: a boot disk has a key, which the doc says the stack never sets`),
    ],
  },
  {
    constraint: "gcp.restrictCmekCryptoKeyProjects",
    status: "config",
    how: "The only key used for CMEK is `repositories.kmsKeyName`: its project must be allowed. The signing key the stack creates (mirror mode) protects nothing; it signs.",
    setting: "`repositories.kmsKeyName`",
    sources: [CMEK],
    check: ({ tf, config }) =>
      blocks(tf, ...Object.keys(tf.resource ?? {}))
        .filter((b) => typeof b.config.kms_key_name === "string" && b.config.kms_key_name !== config.repositories.kmsKeyName)
        .map((b) => `${b.address}: uses ${b.config.kms_key_name} for CMEK`),
  },
  {
    constraint: "cloudkms.allowedProtectionLevels",
    status: "config",
    how: "Mirror mode creates one key, at `mirror.signing.protectionLevel` (`SOFTWARE` by default, or `HSM`): allow that level. Remote mode creates no key.",
    setting: "`mirror.signing.protectionLevel`",
    sources: ["https://cloud.google.com/kms/docs/org-policy-constraints"],
    check: ({ tf, config }) =>
      blocks(tf, "google_kms_crypto_key")
        .filter((k) => config.mode !== "mirror" || k.config.version_template?.protection_level !== config.mirror.signing.protectionLevel)
        .map((k) => `${k.address}: protection level ${k.config.version_template?.protection_level}`),
  },
  {
    constraint: "iam.disableServiceAccountCreation",
    status: "exception",
    how: "The stack creates a service account for each identity (public host, private host, fleet, schedule) and cannot use existing ones: the project needs an exception. Only remote mode with `hosts.createPrivateHost: false` and no fleet creates none.",
    setting: "`mode`, `hosts.createPrivateHost`, `fleet`",
    sources: [SERVICE_ACCOUNTS, ASSET_LIST],
    check: ({ tf, config }) => {
      const creates = blocks(tf, "google_service_account").length > 0;
      return creates === createsServiceAccounts(config)
        ? []
        : [
            `the stack ${creates ? "creates" : "creates no"} service account, which the doc's rule says it ${creates ? "does not" : "does"}`,
          ];
    },
  },
  {
    constraint: "iam.disableServiceAccountKeyCreation",
    status: "met",
    how: "The stack creates no service account key: the VMs use their attached accounts and the metadata server's tokens.",
    setting: "none",
    sources: [SERVICE_ACCOUNTS, ASSET_LIST],
    check: ({ tf }) => blocks(tf, "google_service_account_key").map((k) => `${k.address}: a service account key`),
  },
  {
    constraint: "iam.allowedPolicyMemberDomains",
    status: "config",
    how: "The stack's grants name only its own service accounts (in the project), Artifact Registry's service agent (with `kmsKeyName`) and the principals of `repositories.access.*` and `consumers.*.serviceAccounts`: those must belong to allowed domains or organizations. The constraint applies to every IAM policy change, a service agent's included; nothing is granted to `allUsers` (guardrail AIRLOCK-G6).",
    setting: "`repositories.access.*`, `consumers.*.serviceAccounts`",
    sources: ["https://cloud.google.com/resource-manager/docs/organization-policy/restricting-domains"],
    unconfirmed: "how the constraint treats `principalSet://` members (workload identity pools) and Google's service agents",
    check: ({ tf, config }) => {
      const named = configMembers(config);
      return grantedMembers(tf)
        .filter(({ member }) => !OWN_MEMBER.test(member) && !named.includes(member))
        .map(({ address, member }) => `${address}: grants to ${member}, which the config does not name`);
    },
  },
  {
    constraint: "iam.automaticIamGrantsForDefaultServiceAccounts",
    status: "met",
    how: "The stack needs nothing of the Compute Engine default service account: every VM runs as its own account (guardrail AIRLOCK-G2), so the default account's Editor grant can stay off.",
    setting: "none",
    sources: [SERVICE_ACCOUNTS, ASSET_LIST],
    check: ({ tf }) =>
      vms(tf)
        .filter((vm) => {
          const email = vm.config.service_account?.email;
          return typeof email !== "string" || email === "default" || email.endsWith("-compute@developer.gserviceaccount.com");
        })
        .map((vm) => `${vm.address}: runs as the default service account`),
  },
  {
    constraint: "compute.skipDefaultNetworkCreation",
    status: "met",
    how: "The stack creates its VPCs or uses the ones the config names, never the `default` network.",
    setting: "`networks.*.name`",
    sources: [ASSET_LIST],
    unconfirmed: "the constraint's description (new projects get no `default` network) we did not read on a Google page",
    check: ({ tf }) =>
      [...blocks(tf, ...Object.keys(tf.resource ?? {})), ...dataBlocks(tf, ...Object.keys(tf.data ?? {}))]
        .filter((b) => networkNames(b.config.network) || (/google_compute_network$/.test(b.type) && b.config.name === "default"))
        .map((b) => `${b.address}: uses the default network`),
  },
  {
    constraint: "compute.vmCanIpForward",
    status: "met",
    how: "No VM or template enables IP forwarding (`can_ip_forward` unset).",
    setting: "none",
    sources: [MANAGED, ASSET_LIST],
    check: ({ tf }) =>
      vms(tf)
        .filter((vm) => vm.config.can_ip_forward === true)
        .map((vm) => `${vm.address}: can_ip_forward`),
  },
  {
    constraint: "compute.restrictCloudNATUsage",
    status: "config",
    how: "Mirror mode's Cloud NAT serves the public subnet only (`LIST_OF_SUBNETWORKS`), never a subnet a private host or the fleet sits on: allow the public subnet the stack creates (`<networks.public.name>-<region>`). With `networks.public.existing` the stack adds no NAT (that subnet reaches the internet through the network team's own), and remote mode has none.",
    setting: "`mode`, `networks.public`",
    sources: ["https://cloud.google.com/nat/docs/org-policy-constraints"],
    check: ({ tf }) => {
      const privateSubnets = vms(tf)
        .filter((vm) => vm.config.labels?.["airlock-role"] === "bootstrap")
        .flatMap((vm) => (vm.config.network_interface ?? []).map((ni: any) => String(ni.subnetwork)));
      return blocks(tf, "google_compute_router_nat").flatMap((nat) => {
        const subnets: string[] = (nat.config.subnetwork ?? []).map((s: any) => String(s.name));
        if (nat.config.source_subnetwork_ip_ranges_to_nat !== "LIST_OF_SUBNETWORKS")
          return [`${nat.address}: serves ${nat.config.source_subnetwork_ip_ranges_to_nat}, not a list of subnets`];
        return subnets
          .filter((s) => !/^\$\{google_compute_subnetwork\.[^.}]+\.id\}$/.test(s) || privateSubnets.includes(s))
          .map((s) => `${nat.address}: serves ${s}, not the public subnet the stack creates`);
      });
    },
  },
  {
    constraint: "compute.restrictSharedVpcHostProjects",
    status: "config",
    how: "With a Shared VPC, the service project must be attached to `networks.private.existing.project` (a prerequisite, not done by the stack): that host project must be allowed.",
    setting: "`networks.private.existing.project`",
    sources: ["https://cloud.google.com/vpc/docs/shared-vpc"],
    unconfirmed: "the constraint's name and effect we found only in third-party copies, not on a Google page we could read",
    check: ({ tf, config }) =>
      dataBlocks(tf, "google_compute_network", "google_compute_subnetwork")
        .filter(
          (d) =>
            ![
              config.networks.private.existing?.project ?? config.projectId,
              ...(config.mode === "mirror" ? [config.networks.public.existing?.project ?? config.projectId] : []),
            ].includes(d.config.project),
        )
        .map((d) => `${d.address}: reads a network in ${d.config.project}, which the config does not name`),
  },
  {
    constraint: "compute.restrictSharedVpcSubnetworks",
    status: "config",
    how: "The VMs and the fleet's template use one shared subnet, `networks.private.existing.subnet` (and the public host the subnet the stack creates, or `networks.public.existing.subnet`): allow it.",
    setting: "`networks.private.existing.subnet`",
    sources: ["https://cloud.google.com/vpc/docs/shared-vpc"],
    unconfirmed: "the constraint's name and effect we found only in third-party copies, not on a Google page we could read",
    check: ({ tf, config }) => {
      const named = [
        config.networks.private.existing?.subnet,
        ...(config.mode === "mirror" ? [config.networks.public.existing?.subnet] : []),
      ].filter(Boolean);
      return dataBlocks(tf, "google_compute_subnetwork")
        .filter((d) => !named.includes(d.config.name))
        .map((d) => `${d.address}: uses subnet ${d.config.name}, which the config does not name`);
    },
  },
  {
    constraint: "gcp.resourceLocations",
    status: "config",
    how: "Everything located is in `region` or its zones (repositories, key ring and key, subnets, router and NAT, the schedule's job, VMs, the fleet's group over `fleet.zones`): allow that region. Networks, firewall rules, routes, DNS zones, service accounts and roles are global, which the constraint does not restrict.",
    setting: "`region`, `zone`, `fleet.zones`",
    sources: [
      "https://cloud.google.com/resource-manager/docs/organization-policy/defining-locations",
      "https://cloud.google.com/kms/docs/org-policy-constraints",
    ],
    check: ({ tf, config }) =>
      locations(tf)
        .filter(({ key, value }) =>
          key === "zone" || key === "distribution_policy_zones" ? !value.startsWith(`${config.region}-`) : value !== config.region,
        )
        .map(({ address, key, value }) => `${address}: ${key} ${value} is outside ${config.region}`),
  },
];
