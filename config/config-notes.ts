import { consumerOutputName } from "./consumers";
import { lookupImage } from "./images";
import { EnvironmentConfig } from "./schema";
import { regionNote } from "./zones";

/** What a valid config may still get wrong where no table here can tell: a new region, a custom image. */
export function configNotes(c: EnvironmentConfig, prefix: string): string[] {
  const images: Array<[string, string]> = [
    ...(c.hosts.createPrivateHost ? [["hosts.image", c.hosts.image] as [string, string]] : []),
    ...(c.fleet ? [["fleet.image", c.fleet.image] as [string, string]] : []),
  ];
  const custom = images
    .filter(([, image]) => lookupImage(image).kind === "custom")
    .map(
      ([field, image]) =>
        `${prefix}${field}: "${image}" is a custom image: its VMs get what mirror.targets declares (${c.mirror.targets.map((t) => `CPython ${t.python}, glibc ${t.glibc}, ${t.arch}`).join("; ") || "no mirror: remote mode"}); make sure that is what it runs`,
    );
  const region = regionNote(c.region);
  return [...(region ? [`${prefix}region: ${region}`] : []), ...custom, ...consumersStateNote(c, prefix)];
}

/**
 * Consumers read the stack's outputs from its state (terraform_remote_state): with local state (no stateBucket)
 * that state is a file on the deploying machine, which their Terraform cannot read. Noted, not refused: the
 * grants, targets and rules still hold, and the values can be handed over by hand.
 */
function consumersStateNote(c: EnvironmentConfig, prefix: string): string[] {
  const names = Object.keys(c.consumers);
  if (names.length === 0 || c.stateBucket) return [];
  return [
    `${prefix}consumers: the stack's state is local (no stateBucket), a file on the machine that deploys: the consumers' Terraform cannot read ` +
      `${names.map(consumerOutputName).join(", ")} with terraform_remote_state. Set stateBucket (docs/configuration.md, Consumers), or hand each its output ("terraform output -json OUTPUT") after every deploy`,
  ];
}
