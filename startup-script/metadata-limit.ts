import { TerraformStack } from "cdktf";
import { IConstruct, IValidation } from "constructs";
import { scriptReference } from "./script-reference";
import { StartupScript } from "./scripts";
import { changedByTerraform } from "./terraform-text";

/** GCE refuses a metadata value over 256 KB (and all of an instance's metadata over 512 KB). */
export const METADATA_VALUE_LIMIT_BYTES = 256 * 1024;

/** The limit checks added to each construct, so the synth can report them as a config error (startupScriptProblems). */
const checksOf = new WeakMap<IConstruct, MetadataValueLimit[]>();

/** A validation of the construct whose metadata carries the script: it must fit one metadata value. */
class MetadataValueLimit implements IValidation {
  constructor(
    private readonly host: IConstruct,
    private readonly script: StartupScript,
  ) {}

  validate(): string[] {
    const bytes = Buffer.byteLength(this.script.text);
    const { grownBy, description } = this.script;
    const stack = TerraformStack.of(this.host).node.id;
    const changed = changedByTerraform(this.script.text);
    return [
      ...(bytes > METADATA_VALUE_LIMIT_BYTES
        ? [
            `${grownBy} (stack "${stack}"): ${description} renders to ${Math.ceil(bytes / 1024)} KB, over GCE's 256 KB limit for one metadata value: mirror fewer packages or a shorter lock`,
          ]
        : []),
      ...(changed ? [`stack "${stack}": ${description}: ${changed}: write that text of the config composed (NFC)`] : []),
    ];
  }
}

/**
 * Adds the size check (and that Terraform hands the text over unchanged) to the construct carrying the
 * script (cdktf runs it at synth), and returns how its metadata references the script: `${local.NAME}`,
 * read from `<name>.sh` beside cdk.tf.json.
 */
export function carryStartupScript(host: IConstruct, script: StartupScript): string {
  const check = new MetadataValueLimit(host, script);
  host.node.addValidation(check);
  checksOf.set(host, [...(checksOf.get(host) ?? []), check]);
  return scriptReference(host, script);
}

/**
 * What the size checks below `scope` find, once each (the private host and the fleet carry the same
 * bootstrap): cdktf reports them in an error of its own, the synth as a problem of the config.
 */
export function startupScriptProblems(scope: IConstruct): string[] {
  return [...new Set(scope.node.findAll().flatMap((c) => (checksOf.get(c) ?? []).flatMap((check) => check.validate())))];
}
