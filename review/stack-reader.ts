import { createHash } from "crypto";
import { StackSnapshot } from "./snapshot";

/** One resource of a stack's Terraform. */
export interface TfResource {
  readonly type: string;
  readonly name: string;
  /** `type.name`, as Terraform addresses it. */
  readonly address: string;
  readonly config: Record<string, any>;
}

/** What a reviewer calls a resource type: `google_compute_instance` is an "instance". */
const KINDS: Record<string, string> = {
  google_compute_instance: "instance",
  google_compute_instance_template: "instance template",
  google_compute_region_instance_template: "instance template",
  google_compute_firewall: "firewall",
  google_compute_route: "route",
  google_compute_router: "router",
  google_compute_router_nat: "NAT",
  google_compute_network: "network",
  google_compute_subnetwork: "subnet",
  google_compute_address: "address",
  google_artifact_registry_repository: "repository",
  google_service_account: "service account",
  google_kms_crypto_key: "KMS key",
  google_kms_key_ring: "key ring",
  google_dns_managed_zone: "DNS zone",
  google_dns_record_set: "DNS record",
  google_dns_response_policy: "DNS response policy",
  google_dns_response_policy_rule: "DNS response policy rule",
  google_dns_policy: "DNS policy",
  google_cloud_scheduler_job: "scheduler job",
  google_project_iam_custom_role: "custom role",
  google_project: "project",
  google_storage_bucket: "bucket",
  google_compute_instance_group_manager: "instance group",
  google_compute_region_instance_group_manager: "instance group",
};

export function kindOf(type: string): string {
  return KINDS[type] ?? type.replace(/^google_/, "").replace(/_/g, " ");
}

/** A script's size and digest: how the review shows a startup script (its text is in its own diff). */
export function scriptDigest(bytes: Buffer): string {
  return `script of ${bytes.length} bytes, sha256 ${createHash("sha256").update(bytes).digest("hex").slice(0, 16)}`;
}

const REFERENCE = /\$\{([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)(?:\.([A-Za-z0-9_.[\]"-]+))?\}/g;

/**
 * A stack's Terraform as a reviewer reads it: its resources by type, and any value as text in which a
 * reference names what it refers to (`serviceAccount:${google_service_account.x.email}` becomes
 * `serviceAccount:airlock-private-host@airlock-example.iam.gserviceaccount.com`) and a startup script
 * is its size and sha256.
 */
export class StackReader {
  constructor(private readonly stack: StackSnapshot) {}

  resources(...types: string[]): TfResource[] {
    return types.flatMap((type) =>
      Object.entries(this.stack.tf.resource?.[type] ?? {}).map(([name, config]) => ({ type, name, address: `${type}.${name}`, config })),
    );
  }

  /** Every resource whose type matches. */
  resourcesMatching(pattern: RegExp): TfResource[] {
    return this.resources(
      ...Object.keys(this.stack.tf.resource ?? {})
        .filter((type) => pattern.test(type))
        .sort(),
    );
  }

  resource(address: string): TfResource | undefined {
    const [type, name] = address.split(".");
    const config = this.stack.tf.resource?.[type]?.[name];
    return config ? { type, name, address: `${type}.${name}`, config } : undefined;
  }

  /** A data source's configuration (`data.TYPE.NAME`), or undefined. */
  dataSource(type: string, name: string): Record<string, any> | undefined {
    return this.stack.tf.data?.[type]?.[name];
  }

  /** How a reviewer names the resource: `instance airlock-private-host`. */
  title(r: TfResource): string {
    return `${kindOf(r.type)} ${this.nameOf(r)}`;
  }

  /** The resource's own name: its `name`, account email, repository id, ...; its Terraform name when it has none. */
  nameOf(r: TfResource, depth = 0): string {
    const c = r.config;
    const text = (v: unknown) => this.text(v, depth + 1);
    switch (r.type) {
      case "google_service_account":
        return `${text(c.account_id)}@${text(c.project ?? this.defaultProject())}.iam.gserviceaccount.com`;
      case "google_artifact_registry_repository":
        return text(c.repository_id);
      case "google_kms_crypto_key":
        return `${text(c.key_ring)}/${text(c.name)}`;
      case "google_project_iam_custom_role":
        return `projects/${text(c.project ?? this.defaultProject())}/roles/${text(c.role_id)}`;
      case "google_dns_response_policy":
        return text(c.response_policy_name);
      default:
        if (c.name !== undefined) return text(c.name);
        if (c.name_prefix !== undefined) return `${text(c.name_prefix)}*`;
        return r.address;
    }
  }

  /**
   * `value` as text: references replaced by what they name, a script by its size and digest, a list
   * joined with ", ", an object as `key=value` pairs.
   */
  text(value: unknown, depth = 0): string {
    if (value === undefined || value === null) return "(none)";
    if (Array.isArray(value)) return value.length === 0 ? "(none)" : value.map((v) => this.text(v, depth)).join(", ");
    if (typeof value === "object") {
      return Object.entries(value as Record<string, unknown>)
        .filter(([k]) => k !== "//")
        .map(([k, v]) => `${k}=${this.text(v, depth)}`)
        .join(" ");
    }
    if (typeof value !== "string") return String(value);
    const script = this.script(value);
    if (script) return script;
    if (depth > 4) return value;
    return value.replace(REFERENCE, (whole, head: string, name: string) => {
      if (head === "local") return this.text(this.stack.tf.locals?.[name] ?? whole, depth + 1);
      if (head === "data" || head === "var" || head === "path") return whole;
      const target = this.resource(`${head}.${name}`);
      return target ? this.nameOf(target, depth + 1) : whole;
    });
  }

  /** Each entry of a list (or the one value) as text. */
  list(value: unknown): string[] {
    if (value === undefined || value === null) return [];
    return (Array.isArray(value) ? value : [value]).map((v) => this.text(v));
  }

  /** For a value that hands over a script file beside cdk.tf.json (through a local): its size and digest. */
  script(value: unknown): string | undefined {
    const local = typeof value === "string" ? /^\$\{local\.([A-Za-z0-9_]+)\}$/.exec(value) : null;
    const expression = local ? this.stack.tf.locals?.[local[1]] : value;
    const file = typeof expression === "string" ? /^\$\{file\("\$\{path\.module\}\/([A-Za-z0-9._-]+)"\)\}$/.exec(expression) : null;
    if (file) {
      const bytes = this.stack.file(file[1]);
      return bytes ? scriptDigest(Buffer.from(bytes.toString("utf8").normalize("NFC"), "utf8")) : `${file[1]} (missing beside cdk.tf.json)`;
    }
    // A synth from before the scripts moved into files holds the text, `${` escaped as `$${`.
    if (typeof expression === "string" && expression.startsWith("#!"))
      return scriptDigest(Buffer.from(expression.replace(/([$%])\1\{/g, "$1{"), "utf8"));
    return undefined;
  }

  private defaultProject(): string {
    const google = this.stack.tf.provider?.google;
    const first = Array.isArray(google) ? google[0] : google;
    return typeof first?.project === "string" ? first.project : "(the provider's project)";
  }
}
