import { contains, parseCidr } from "../config/cidr";
import { GOOGLE_APIS_VIPS, IAP_SSH_SOURCE_RANGE } from "./google-apis-access";

/** A security default a synthesized stack must keep. `check` reads the stack's resolved Terraform JSON. */
export interface GuardrailRule {
  readonly id: string;
  readonly name: string;
  readonly check: (tf: TerraformJson) => Finding[];
}

/** A resource that breaks a rule: its construct path and what to change. */
export interface Finding {
  readonly path: string;
  readonly message: string;
}

export interface TerraformJson {
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
}

interface Resource {
  readonly type: string;
  readonly name: string;
  readonly config: Record<string, any>;
  readonly path: string;
}

function resources(tf: TerraformJson, ...types: string[]): Resource[] {
  return types.flatMap((type) =>
    Object.entries(tf.resource?.[type] ?? {}).map(([name, config]) => ({
      type,
      name,
      config,
      path: (config as any)["//"]?.metadata?.path ?? `${type}.${name}`,
    })),
  );
}

/** The references by which other resources may name `r` (its id, name or self link). */
function refs(r: Resource): string[] {
  return [ref(r, "id"), ref(r, "name"), ref(r, "self_link")];
}

/** Terraform reference to a resource's attribute, as cdktf renders it inside a string. */
function ref(r: Resource, attribute: string): string {
  return "${" + `${r.type}.${r.name}.${attribute}` + "}";
}

function members(config: Record<string, any>): string[] {
  return [config.member, ...(config.members ?? [])].filter((m): m is string => typeof m === "string");
}

/**
 * Members an IAM policy resource grants: from literal `policy_data` JSON, or by following a
 * `${data.google_iam_policy.X.policy_data}` reference into that data source's bindings.
 */
function policyMembers(tf: TerraformJson, policyData: unknown): string[] {
  const text = String(policyData ?? "");
  const reference = /^\$\{data\.google_iam_policy\.([^.}]+)\.policy_data\}$/.exec(text);
  if (reference) {
    const bindings: any[] = (tf.data?.google_iam_policy?.[reference[1]] as any)?.binding ?? [];
    return bindings.flatMap((b) => b.members ?? []);
  }
  try {
    return (JSON.parse(text).bindings ?? []).flatMap((b: any) => b.members ?? []);
  } catch {
    return [text];
  }
}

/** True when `inner` is a CIDR range that lies inside the CIDR range `outer`. */
function within(inner: string, outer: string): boolean {
  const a = parseCidr(inner);
  const b = parseCidr(outer);
  return a !== undefined && b !== undefined && contains(b, a);
}

function portsInclude(ports: unknown, port: number): boolean {
  if (!Array.isArray(ports) || ports.length === 0) return true;
  return ports.some((p) => {
    const [lo, hi] = String(p).split("-").map(Number);
    return port >= lo && port <= (hi ?? lo);
  });
}

/**
 * The private networks: those bootstrap VMs and templates (role `bootstrap`) sit on, found through their
 * subnets, and the one the stack builds as its private network (PrivateNetwork), host or not.
 */
function privateNetworks(tf: TerraformJson): Resource[] {
  const hostSubnets = resources(tf, "google_compute_instance", "google_compute_instance_template")
    .filter((i) => i.config.labels?.["airlock-role"] === "bootstrap")
    .flatMap((i) => (i.config.network_interface ?? []).map((ni: any) => String(ni.subnetwork ?? "")));
  const networkRefs = resources(tf, "google_compute_subnetwork")
    .filter((s) => refs(s).some((r) => hostSubnets.includes(r)))
    .map((s) => String(s.config.network));
  return resources(tf, "google_compute_network").filter((n) => refs(n).some((r) => networkRefs.includes(r)) || /\/private-network\/network$/.test(n.path));
}

const VIP_RANGES = Object.values(GOOGLE_APIS_VIPS).map((vip) => vip.cidr);
const HOST_ACCOUNT = /serviceAccount:(\$\{google_service_account\.|[a-z][-a-z0-9]*@[a-z0-9-]+\.iam\.gserviceaccount\.com)/;
const PUBLIC_MEMBERS = ["allUsers", "allAuthenticatedUsers"];

export const GUARDRAIL_RULES: readonly GuardrailRule[] = [
  {
    id: "AIRLOCK-G1",
    name: "no-external-ip",
    check: (tf) =>
      resources(tf, "google_compute_instance", "google_compute_instance_template")
        .filter((r) => (r.config.network_interface ?? []).some((ni: any) => (ni.access_config ?? []).length > 0 || (ni.ipv6_access_config ?? []).length > 0))
        .map((r) => ({ path: r.path, message: "has an external IP (access_config): remove it; egress goes through Cloud NAT, SSH through IAP" })),
  },
  {
    id: "AIRLOCK-G2",
    name: "no-default-compute-service-account",
    check: (tf) =>
      resources(tf, "google_compute_instance", "google_compute_instance_template")
        .filter((r) => {
          const email = r.config.service_account?.email;
          return typeof email !== "string" || email === "default" || email.endsWith("-compute@developer.gserviceaccount.com");
        })
        .map((r) => ({ path: r.path, message: "runs as the default compute service account: give it a dedicated one (HostIdentity)" })),
  },
  {
    id: "AIRLOCK-G3",
    name: "no-project-level-host-roles",
    check: (tf) =>
      resources(tf, "google_project_iam_member", "google_project_iam_binding")
        .filter((r) => members(r.config).some((m) => HOST_ACCOUNT.test(m)))
        .concat(resources(tf, "google_project_iam_policy").filter((r) => policyMembers(tf, r.config.policy_data).some((m) => HOST_ACCOUNT.test(m))))
        .map((r) => ({ path: r.path, message: "grants a host's service account a project-level role: grant it on the repository instead (grantRead/grantWrite)" })),
  },
  {
    id: "AIRLOCK-G4",
    name: "no-private-internet-egress",
    check: (tf) => {
      const findings: Finding[] = [];
      const privateRefs = privateNetworks(tf).flatMap((n) => [...refs(n), String(n.config.name)]);
      // A network may also be named literally, or by URL (.../global/networks/NAME).
      const inPrivate = (network: unknown) => privateRefs.some((r) => String(network) === r || String(network).endsWith(`/networks/${r}`));
      for (const route of resources(tf, "google_compute_route").filter((r) => inPrivate(r.config.network))) {
        const toVip = VIP_RANGES.some((vip) => within(String(route.config.dest_range), vip));
        if (!toVip) {
          findings.push({ path: route.path, message: `routes ${route.config.dest_range} out of the private network: only the Google APIs VIP range may be routed` });
        }
      }
      const routers = resources(tf, "google_compute_router").filter((r) => inPrivate(r.config.network));
      const privateRouterRefs = routers.flatMap((r) => [ref(r, "name"), ref(r, "id")]);
      for (const nat of resources(tf, "google_compute_router_nat").filter((n) => privateRouterRefs.includes(String(n.config.router)))) {
        findings.push({ path: nat.path, message: "puts Cloud NAT on the private network: remove it; private hosts reach only Google APIs" });
      }
      for (const network of privateNetworks(tf).filter((n) => n.config.delete_default_routes_on_create !== true)) {
        findings.push({ path: network.path, message: "keeps the default internet route on the private network: set deleteDefaultRoutesOnCreate" });
      }
      return findings;
    },
  },
  {
    id: "AIRLOCK-G5",
    name: "ssh-only-from-iap",
    check: (tf) =>
      resources(tf, "google_compute_firewall")
        .filter((r) => (r.config.direction ?? "INGRESS") === "INGRESS")
        .filter((r) => (r.config.allow ?? []).some((a: any) => ["tcp", "all", "6"].includes(String(a.protocol).toLowerCase()) && portsInclude(a.ports, 22)))
        .filter((r) => {
          const sources: unknown[] = r.config.source_ranges ?? [];
          return sources.length === 0 || sources.some((s) => !within(String(s), IAP_SSH_SOURCE_RANGE));
        })
        .map((r) => ({ path: r.path, message: `opens SSH to ${JSON.stringify(r.config.source_ranges ?? "any source")}: allow only IAP's ${IAP_SSH_SOURCE_RANGE}` })),
  },
  {
    id: "AIRLOCK-G6",
    name: "no-public-repository",
    check: (tf) =>
      resources(tf, "google_artifact_registry_repository_iam_member", "google_artifact_registry_repository_iam_binding")
        .filter((r) => members(r.config).some((m) => PUBLIC_MEMBERS.includes(m)))
        .concat(
          resources(tf, "google_artifact_registry_repository_iam_policy").filter((r) =>
            policyMembers(tf, r.config.policy_data).some((m) => PUBLIC_MEMBERS.some((p) => m.includes(p))),
          ),
        )
        .map((r) => ({ path: r.path, message: "makes a repository readable by allUsers/allAuthenticatedUsers: grant named principals only" })),
  },
  {
    id: "AIRLOCK-G7",
    name: "auth-repo-helpers-only",
    // Every private host trusts what the auth repo serves: only the mirror (the public host) may put it there.
    check: (tf) => {
      const authRepos = resources(tf, "google_artifact_registry_repository").filter((r) => /\/auth-repo\/repository$/.test(r.path));
      const authRefs = authRepos.flatMap(refs);
      const mirrorAccounts = resources(tf, "google_compute_instance")
        .filter((i) => i.config.labels?.["airlock-role"] === "mirror")
        .map((i) => `serviceAccount:${i.config.service_account?.email}`);
      const writes = (role: unknown) => !/^roles\/artifactregistry\.(reader|reader\w*)$/.test(String(role));
      const onAuth = (r: Resource) => authRefs.includes(String(r.config.repository));
      return [
        ...resources(tf, "google_artifact_registry_repository_iam_member", "google_artifact_registry_repository_iam_binding")
          .filter((r) => onAuth(r) && writes(r.config.role) && members(r.config).some((m) => !mirrorAccounts.includes(m)))
          .map((r) => ({ path: r.path, message: `grants ${r.config.role} on the auth repo to ${members(r.config).filter((m) => !mirrorAccounts.includes(m)).join(", ")}: only the public host (the mirror) may write there` })),
        ...resources(tf, "google_artifact_registry_repository_iam_policy")
          .filter(onAuth)
          .map((r) => ({ path: r.path, message: "replaces the auth repo's whole IAM policy: grant readers with iam_member instead, so the mirror stays its only writer" })),
      ];
    },
  },
];

/**
 * What the guardrails cannot check: the parts of an existing VPC this stack does not create. Said at
 * every synth instead of passing silently.
 */
export function blindSpots(tf: TerraformJson): Finding[] {
  return Object.entries(tf.data?.google_compute_network ?? {}).map(([name, config]: [string, any]) => {
    const path: string = config["//"]?.metadata?.path ?? `data.google_compute_network.${name}`;
    const isPublic = path.includes("/public-network/");
    return {
      path,
      message:
        `uses the existing network "${config.name}" (project ${config.project}): the guardrails check only what this stack creates there; check that ` +
        (isPublic
          ? "nothing else opens SSH beyond IAP (AIRLOCK-G5)"
          : "nothing else routes it to the internet, by a 0.0.0.0/0 route or a Cloud NAT (AIRLOCK-G4), or opens SSH beyond IAP (AIRLOCK-G5)"),
    };
  });
}