// What the deploying identity needs, in code: every Terraform type the stack can create (and each data source it
// reads), the predefined role(s) that allow it and where. docs/security.md's tables are generated from this
// (`npm run docs:security`), and __tests__/deployer-roles.test.ts synthesizes every shipped config, fixture and
// shape and fails on a type this map does not name, or one it places or scopes wrongly.
import type { EnvironmentConfig } from "../../config/schema";

/** The shapes of an environment that decide what the stack creates, in the order the doc lists them. */
export const SHAPES = {
  every: { label: "every environment", when: "always" },
  mirror: { label: "mirror mode", when: '`mode: "mirror"`' },
  remote: { label: "remote mode", when: '`mode: "remote"`', none: "the PyPI remote repository, one of every environment's repositories" },
  "private-host": { label: "private host", when: "`hosts.createPrivateHost`, the default" },
  fleet: { label: "fleet", when: "`fleet`" },
  "created-vpc": {
    label: "a VPC the stack creates",
    when: "mirror mode's public VPC; the private VPC without `networks.private.existing`",
  },
  "existing-vpc": { label: "an existing VPC in the project", when: "`networks.*.existing` without another `project`" },
  "shared-vpc": { label: "Shared VPC", when: "`networks.private.existing.project`: the host project" },
  cmek: { label: "CMEK", when: "`repositories.kmsKeyName`" },
  schedule: { label: "schedule", when: "`mirror.schedule`" },
  "vpcsc-manage": { label: "VPC-SC policy", when: '`repositories.vpcscPolicy: "manage"`, remote mode' },
} as const;

export type Shape = keyof typeof SHAPES;

/** The shapes one environment has (`every` included). */
export function shapesOf(config: EnvironmentConfig): Shape[] {
  const nets = [config.networks.private, ...(config.mode === "mirror" ? [config.networks.public] : [])];
  const inOtherProject = (net: { existing?: { project?: string } }) =>
    net.existing?.project !== undefined && net.existing.project !== config.projectId;
  const has: Record<Shape, boolean> = {
    every: true,
    mirror: config.mode === "mirror",
    remote: config.mode === "remote",
    "private-host": config.hosts.createPrivateHost,
    fleet: config.fleet !== undefined,
    "created-vpc": nets.some((net) => !net.existing),
    "existing-vpc": nets.some((net) => net.existing !== undefined && !inOtherProject(net)),
    "shared-vpc": nets.some(inOtherProject),
    cmek: config.repositories.kmsKeyName !== undefined,
    schedule: config.mode === "mirror" && config.schedule !== undefined,
    "vpcsc-manage": config.mode === "remote" && config.repositories.vpcscPolicy === "manage",
  };
  return (Object.keys(SHAPES) as Shape[]).filter((shape) => has[shape]);
}

/**
 * Where a resource of a type lands: the environment's `projectId`, the project of an existing VPC in another project
 * (the Shared VPC host), or inside a resource it names (no `project` argument: a key in its key ring, a grant on a key).
 */
export type Placement = "project" | "host project" | "in its parent";

export interface RoleNeed {
  readonly role: string;
  /** Where the deploying identity holds it. */
  readonly on: string;
  /** Needed only in this shape (e.g. the Shared VPC's Network User); otherwise whenever the type is created. */
  readonly only?: Shape;
  /** Set when no page we could read confirms that this role carries the permission: what is unconfirmed. */
  readonly unconfirmed?: string;
}

export interface DeployedType {
  /** The Terraform type (`google_*`), `data.google_*` for a data source the stack reads. */
  readonly type: string;
  /** What the stack makes of it. */
  readonly what: string;
  /** The shapes in which the stack creates it (it may still need a setting within the shape, `what` says which). */
  readonly shapes: readonly Shape[];
  readonly placement: readonly Placement[];
  /** The permission the create (or read) call checks. */
  readonly permission: string;
  /** Every role the deploying identity needs for it (all of them). */
  readonly roles: readonly RoleNeed[];
  /** Where the role's permissions are listed (Google's IAM roles reference for the product), or the fact is stated. */
  readonly source: string;
}

const ROLES_REF = (product: string) => `https://cloud.google.com/iam/docs/roles-permissions/${product}`;
const VPC_PROJECT = "the VPC's project (the host project with a Shared VPC)";
const NETWORKS: readonly Shape[] = ["created-vpc", "existing-vpc", "shared-vpc"];
const EXISTING: readonly Shape[] = ["existing-vpc", "shared-vpc"];
const SA_USER = (whose: string): RoleNeed => ({ role: "roles/iam.serviceAccountUser", on: `${whose} (or the project)` });
const SHARED_SUBNET: RoleNeed = { role: "roles/compute.networkUser", on: "the shared subnet (or the host project)", only: "shared-vpc" };

/** Every type the stack can create or read, in the order the doc lists them. */
export const DEPLOYED_TYPES: readonly DeployedType[] = [
  {
    type: "google_project_service",
    what: "the Google APIs the stack uses, enabled (left enabled on destroy)",
    shapes: ["every"],
    placement: ["project"],
    permission: "serviceusage.services.enable",
    roles: [{ role: "roles/serviceusage.serviceUsageAdmin", on: "project" }],
    source: ROLES_REF("serviceusage"),
  },
  {
    type: "google_project_service_identity",
    what: "Artifact Registry's service agent, so that the key can be granted to it before any repository exists",
    shapes: ["cmek"],
    placement: ["project"],
    permission: "the one `services.generateServiceIdentity` checks",
    roles: [
      {
        role: "roles/serviceusage.serviceUsageAdmin",
        on: "project",
        unconfirmed: "Google's pages we read name no permission for services.generateServiceIdentity, so no role is confirmed to carry it",
      },
    ],
    source: "https://cloud.google.com/sdk/gcloud/reference/beta/services/identity/create",
  },
  {
    type: "google_artifact_registry_repository",
    what: "the private repository, the auth repo (mirror mode) or the PyPI remote (remote mode), the virtual one (`repositories.virtual.enabled`)",
    shapes: ["every"],
    placement: ["project"],
    permission: "artifactregistry.repositories.create",
    roles: [{ role: "roles/artifactregistry.admin", on: "project" }],
    source: ROLES_REF("artifactregistry"),
  },
  {
    type: "google_artifact_registry_repository_iam_member",
    what: "read and write grants on each repository (the hosts, the fleet, `repositories.access`, consumers)",
    shapes: ["every"],
    placement: ["project"],
    permission: "artifactregistry.repositories.setIamPolicy",
    roles: [{ role: "roles/artifactregistry.admin", on: "project (or each repository)" }],
    source: ROLES_REF("artifactregistry"),
  },
  {
    type: "google_artifact_registry_vpcsc_config",
    what: "Artifact Registry's VPC-SC policy in the region set to ALLOW, so the remote repository reaches PyPI from inside a perimeter",
    shapes: ["vpcsc-manage"],
    placement: ["project"],
    permission: "artifactregistry.vpcscconfigs.update (gcloud's reference also names accesscontextmanager.policies.update)",
    roles: [
      {
        role: "roles/artifactregistry.admin",
        on: "project",
        unconfirmed:
          "the predefined role definitions we checked list artifactregistry.vpcscconfigs.update in no role; if this role is refused, ask for a custom role with that permission",
      },
    ],
    source: "https://cloud.google.com/sdk/gcloud/reference/artifacts/vpcsc-config/allow",
  },
  {
    type: "google_kms_key_ring",
    what: "the signing key's key ring (`mirror.signing.keyRing`)",
    shapes: ["mirror"],
    placement: ["project"],
    permission: "cloudkms.keyRings.create",
    roles: [{ role: "roles/cloudkms.admin", on: "project" }],
    source: ROLES_REF("cloudkms"),
  },
  {
    type: "google_kms_crypto_key",
    what: "the mirror's asymmetric signing key",
    shapes: ["mirror"],
    placement: ["in its parent"],
    permission: "cloudkms.cryptoKeys.create",
    roles: [{ role: "roles/cloudkms.admin", on: "project (or the key ring)" }],
    source: ROLES_REF("cloudkms"),
  },
  {
    type: "google_kms_crypto_key_iam_member",
    what: "`signer` on the signing key for the public host, `publicKeyViewer` for the bootstrapping identities; with CMEK, `cryptoKeyEncrypterDecrypter` on `kmsKeyName` for Artifact Registry's service agent",
    shapes: ["mirror", "cmek"],
    placement: ["in its parent"],
    permission: "cloudkms.cryptoKeys.setIamPolicy",
    roles: [
      { role: "roles/cloudkms.admin", on: "project (or the signing key)", only: "mirror" },
      { role: "roles/cloudkms.admin", on: "the `kmsKeyName` key (or its project, which may be another)", only: "cmek" },
    ],
    source: ROLES_REF("cloudkms"),
  },
  {
    type: "google_service_account",
    what: "one account per identity: the public host, the private host, the fleet, the schedule",
    shapes: ["mirror", "private-host", "fleet", "schedule"],
    placement: ["project"],
    permission: "iam.serviceAccounts.create",
    roles: [{ role: "roles/iam.serviceAccountAdmin", on: "project (roles/iam.serviceAccountCreator suffices to create)" }],
    source: ROLES_REF("iam"),
  },
  {
    type: "google_compute_instance",
    what: "the public host (mirror mode) and the private host, each running as its own account",
    shapes: ["mirror", "private-host"],
    placement: ["project"],
    permission: "compute.instances.create, and iam.serviceAccounts.actAs on its account",
    roles: [{ role: "roles/compute.instanceAdmin.v1", on: "project" }, SA_USER("the host's account"), SHARED_SUBNET],
    source: "https://cloud.google.com/compute/docs/access/create-enable-service-accounts-for-instances",
  },
  {
    type: "google_compute_instance_template",
    what: "the fleet's template, which names the fleet's account and the subnet",
    shapes: ["fleet"],
    placement: ["project"],
    permission: "compute.instanceTemplates.create",
    roles: [
      { role: "roles/compute.instanceAdmin.v1", on: "project" },
      {
        ...SA_USER("the fleet's account"),
        unconfirmed:
          "Google documents actAs for creating a VM that runs as an account; that creating a template checks it too is not confirmed",
      },
      SHARED_SUBNET,
    ],
    source: ROLES_REF("compute"),
  },
  {
    type: "google_compute_instance_group_manager",
    what: "the fleet's zonal group (`fleet.size` > 0 or `fleet.autoscaling`)",
    shapes: ["fleet"],
    placement: ["project"],
    permission: "compute.instanceGroupManagers.create",
    roles: [{ role: "roles/compute.instanceAdmin.v1", on: "project" }],
    source: ROLES_REF("compute"),
  },
  {
    type: "google_compute_region_instance_group_manager",
    what: "the fleet's regional group (`fleet.zones`)",
    shapes: ["fleet"],
    placement: ["project"],
    permission: "compute.instanceGroupManagers.create",
    roles: [{ role: "roles/compute.instanceAdmin.v1", on: "project" }],
    source: ROLES_REF("compute"),
  },
  {
    type: "google_compute_autoscaler",
    what: "the zonal group's autoscaler (`fleet.autoscaling`)",
    shapes: ["fleet"],
    placement: ["project"],
    permission: "compute.autoscalers.create",
    roles: [{ role: "roles/compute.instanceAdmin.v1", on: "project" }],
    source: ROLES_REF("compute"),
  },
  {
    type: "google_compute_region_autoscaler",
    what: "the regional group's autoscaler (`fleet.zones` and `fleet.autoscaling`)",
    shapes: ["fleet"],
    placement: ["project"],
    permission: "compute.autoscalers.create",
    roles: [{ role: "roles/compute.instanceAdmin.v1", on: "project" }],
    source: ROLES_REF("compute"),
  },
  {
    type: "google_compute_health_check",
    what: "the fleet's health check (`fleet.healthCheck`), which its group's auto-healing uses (compute.healthChecks.useReadOnly: not in Instance Admin)",
    shapes: ["fleet"],
    placement: ["project"],
    permission: "compute.healthChecks.create",
    roles: [{ role: "roles/compute.networkAdmin", on: "project (roles/compute.loadBalancerAdmin also carries both)" }],
    source: ROLES_REF("compute"),
  },
  {
    type: "google_compute_instance_iam_member",
    what: "the schedule's account may start the public host: the custom role, bound on that one instance",
    shapes: ["schedule"],
    placement: ["project"],
    permission: "compute.instances.setIamPolicy",
    roles: [{ role: "roles/compute.instanceAdmin.v1", on: "project (or the public host)" }],
    source: ROLES_REF("compute"),
  },
  {
    type: "google_project_iam_custom_role",
    what: "a role with compute.instances.start only",
    shapes: ["schedule"],
    placement: ["project"],
    permission: "iam.roles.create",
    roles: [{ role: "roles/iam.roleAdmin", on: "project" }],
    source: ROLES_REF("iam"),
  },
  {
    type: "google_cloud_scheduler_job",
    what: "the job that starts the stopped public host, with an OAuth token of the schedule's account",
    shapes: ["schedule"],
    placement: ["project"],
    permission: "cloudscheduler.jobs.create, and iam.serviceAccounts.actAs on the schedule's account",
    roles: [{ role: "roles/cloudscheduler.admin", on: "project" }, SA_USER("the schedule's account")],
    source: "https://cloud.google.com/scheduler/docs/http-target-auth",
  },
  {
    type: "google_compute_network",
    what: "mirror mode's public VPC; the private VPC (no default routes)",
    shapes: ["created-vpc"],
    placement: ["project"],
    permission: "compute.networks.create",
    roles: [{ role: "roles/compute.networkAdmin", on: "project" }],
    source: ROLES_REF("compute"),
  },
  {
    type: "google_compute_subnetwork",
    what: "one subnet per VPC the stack creates, with flow logs and Private Google Access",
    shapes: ["created-vpc"],
    placement: ["project"],
    permission: "compute.subnetworks.create",
    roles: [{ role: "roles/compute.networkAdmin", on: "project" }],
    source: ROLES_REF("compute"),
  },
  {
    type: "google_compute_router",
    what: "the public VPC's Cloud Router, for its NAT",
    shapes: ["mirror"],
    placement: ["project"],
    permission: "compute.routers.create",
    roles: [{ role: "roles/compute.networkAdmin", on: "project" }],
    source: ROLES_REF("compute"),
  },
  {
    type: "google_compute_router_nat",
    what: "Cloud NAT for the public subnet only (part of the router)",
    shapes: ["mirror"],
    placement: ["project"],
    permission: "compute.routers.update",
    roles: [{ role: "roles/compute.networkAdmin", on: "project" }],
    source: ROLES_REF("compute"),
  },
  {
    type: "google_compute_route",
    what: "the route to the Google APIs VIP (an existing VPC: `networks.private.manage.googleApisRoute`)",
    shapes: NETWORKS,
    placement: ["project", "host project"],
    permission: "compute.routes.create (and compute.networks.updatePolicy)",
    roles: [{ role: "roles/compute.networkAdmin", on: VPC_PROJECT }],
    source: ROLES_REF("compute"),
  },
  {
    type: "google_compute_firewall",
    what: "egress deny, Google APIs, IAP SSH, `allowEgress`, health-check rules; the public VPC's rules (an existing VPC: `networks.private.manage`). Network Admin does not carry firewall rules",
    shapes: NETWORKS,
    placement: ["project", "host project"],
    permission: "compute.firewalls.create (and compute.networks.updatePolicy)",
    roles: [{ role: "roles/compute.securityAdmin", on: VPC_PROJECT }],
    source: ROLES_REF("compute"),
  },
  {
    type: "google_dns_managed_zone",
    what: 'private zones for googleapis.com and pkg.dev bound to the private VPC (`networks.private.dns: "zones"`)',
    shapes: NETWORKS,
    placement: ["project", "host project"],
    permission: "dns.managedZones.create and dns.networks.bindPrivateDNSZone",
    roles: [{ role: "roles/dns.admin", on: VPC_PROJECT }],
    source: ROLES_REF("dns"),
  },
  {
    type: "google_dns_record_set",
    what: "the zones' records, to the VIP",
    shapes: NETWORKS,
    placement: ["project", "host project"],
    permission: "dns.resourceRecordSets.create (and dns.changes.create)",
    roles: [{ role: "roles/dns.admin", on: VPC_PROJECT }],
    source: ROLES_REF("dns"),
  },
  {
    type: "google_dns_response_policy",
    what: 'a response policy bound to the private VPC (`networks.private.dns: "response-policy"`)',
    shapes: NETWORKS,
    placement: ["project", "host project"],
    permission: "dns.responsePolicies.create and dns.networks.bindDNSResponsePolicy",
    roles: [{ role: "roles/dns.admin", on: VPC_PROJECT }],
    source: ROLES_REF("dns"),
  },
  {
    type: "google_dns_response_policy_rule",
    what: "the response policy's rules, one per name the VMs need",
    shapes: NETWORKS,
    placement: ["project", "host project"],
    permission: "dns.responsePolicyRules.create",
    roles: [{ role: "roles/dns.admin", on: VPC_PROJECT }],
    source: ROLES_REF("dns"),
  },
  {
    type: "data.google_compute_network",
    what: "an existing VPC, read (nothing is created); Network Admin, Security Admin and Instance Admin carry the permission too",
    shapes: EXISTING,
    placement: ["project", "host project"],
    permission: "compute.networks.get",
    roles: [{ role: "roles/compute.networkViewer", on: VPC_PROJECT }],
    source: ROLES_REF("compute"),
  },
  {
    type: "data.google_compute_subnetwork",
    what: "an existing subnet, read; Network Admin, Security Admin and Instance Admin carry the permission too",
    shapes: EXISTING,
    placement: ["project", "host project"],
    permission: "compute.subnetworks.get",
    roles: [{ role: "roles/compute.networkViewer", on: VPC_PROJECT }],
    source: ROLES_REF("compute"),
  },
];
