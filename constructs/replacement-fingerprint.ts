import { createHash } from "crypto";
import { TerraformResource } from "cdktf";
import { Construct } from "constructs";

export interface ReplacementFingerprintProps {
  /** Everything that decides what a host's startup script does (the mirror spec, or the bootstrap itself). */
  readonly spec: Record<string, unknown>;
  /** The trigger's key in `triggers_replace` (`mirror_spec_sha256` for the mirror). */
  readonly key?: string;
}

/**
 * A `terraform_data` resource (built into Terraform, no provider) replaced whenever the sha256 of a spec
 * changes. A host is replaced with it, so a changed startup script really runs again: GCE updates a
 * changed `startup-script` metadata value in place, and it runs only at the next boot.
 */
export class ReplacementFingerprint extends Construct {
  readonly resource: TerraformResource;
  readonly sha256: string;

  constructor(scope: Construct, id: string, props: ReplacementFingerprintProps) {
    super(scope, id);
    this.sha256 = createHash("sha256").update(stableJson(props.spec)).digest("hex");
    this.resource = new ReplacedWhenChanged(this, "fingerprint", { [props.key ?? "mirror_spec_sha256"]: this.sha256 });
  }
}

/**
 * `terraform_data` with only `triggers_replace`. Not cdktf's DataResource: that one runs `terraform
 * version` on every synth (a ~50 ms subprocess, and a synth failure where terraform is not installed).
 */
class ReplacedWhenChanged extends TerraformResource {
  constructor(
    scope: Construct,
    id: string,
    private readonly triggers: Record<string, string>,
  ) {
    super(scope, id, { terraformResourceType: "terraform_data", terraformGeneratorMetadata: { providerName: "terraform" } });
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    return { triggers_replace: this.triggers };
  }
}

/** JSON with object keys sorted, so the same spec always hashes the same. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
