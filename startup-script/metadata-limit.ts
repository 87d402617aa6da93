import { TerraformStack } from "cdktf";
import { IConstruct, IValidation } from "constructs";
import { StartupScript } from "./scripts";

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
    if (bytes <= METADATA_VALUE_LIMIT_BYTES) return [];
    const { grownBy, description } = this.script;
    return [
      `${grownBy} (stack "${TerraformStack.of(this.host).node.id}"): ${description} renders to ${Math.ceil(bytes / 1024)} KB, over GCE's 256 KB limit for one metadata value: mirror fewer packages or a shorter lock`,
    ];
  }
}

/** Adds the size check to the construct carrying the script (cdktf runs it at synth), and returns the script's text. */
export function carryStartupScript(host: IConstruct, script: StartupScript): string {
  const check = new MetadataValueLimit(host, script);
  host.node.addValidation(check);
  checksOf.set(host, [...(checksOf.get(host) ?? []), check]);
  return script.text;
}

/**
 * What the size checks below `scope` find, once each (the private host and the fleet carry the same
 * bootstrap): cdktf reports them in an error of its own, the synth as a problem of the config.
 */
export function startupScriptProblems(scope: IConstruct): string[] {
  return [...new Set(scope.node.findAll().flatMap((c) => (checksOf.get(c) ?? []).flatMap((check) => check.validate())))];
}
