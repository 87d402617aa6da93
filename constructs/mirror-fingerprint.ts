import { createHash } from "crypto";
import { TerraformResource } from "cdktf";
import { Construct } from "constructs";

export interface MirrorFingerprintProps {
  /** Everything that decides what the mirror uploads: packages, Python versions, platforms, lock, the script. */
  readonly spec: Record<string, unknown>;
}

/**
 * A `terraform_data` resource (built into Terraform, no provider) replaced whenever the sha256 of the
 * mirror spec changes. The public host is replaced with it, so a changed package list or script really
 * runs again (a metadata change alone would wait for a reboot).
 */
export class MirrorFingerprint extends Construct {
  readonly resource: TerraformResource;
  readonly sha256: string;

  constructor(scope: Construct, id: string, props: MirrorFingerprintProps) {
    super(scope, id);
    this.sha256 = createHash("sha256").update(stableJson(props.spec)).digest("hex");
    this.resource = new ReplacedWhenChanged(this, "fingerprint", { mirror_spec_sha256: this.sha256 });
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
