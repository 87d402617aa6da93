import { StackReader, TfResource } from "./stack-reader";

/** A resource's configuration as the review compares it: references and scripts as text, without cdktf's metadata. */
function comparable(reader: StackReader, r: TfResource): string {
  const { "//": _meta, depends_on: _order, ...config } = r.config;
  const walk = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(walk)
      : v && typeof v === "object"
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]))
        : typeof v === "string"
          ? reader.text(v)
          : v;
  return JSON.stringify(walk(config));
}

/** What a group running the template does with the new one, by its update policy. */
function rollout(template: string, groups: readonly TfResource[]): string {
  const group = groups.find((g) => JSON.stringify(g.config.version ?? []).includes(`\${${template}.`));
  if (!group) return "no group runs it";
  return group.config.update_policy?.type === "OPPORTUNISTIC"
    ? "its group's update policy is opportunistic: running VMs keep the old one, VMs created from now on get the new one"
    : "its group rolls its VMs to the new one";
}

/**
 * What `after` replaces of what `before` has, with why: an instance template that changed in any way
 * (it cannot change in place: the group rolls its VMs to the new one), and whatever names a replaced
 * resource or a changed fingerprint (`terraform_data`) in its `lifecycle.replace_triggered_by`, e.g. a
 * host whose startup script changed.
 */
export function replacements(before: StackReader, after: StackReader): Map<string, string> {
  const reasons = new Map<string, string>();
  const changed = (address: string): boolean => {
    const [was, now] = [before.resource(address), after.resource(address)];
    return !!was && !!now && comparable(before, was) !== comparable(after, now);
  };
  const templates = after.resources("google_compute_instance_template", "google_compute_region_instance_template");
  const groups = after.resources("google_compute_instance_group_manager", "google_compute_region_instance_group_manager");
  for (const t of templates)
    if (changed(t.address)) reasons.set(t.address, `replaced: a template cannot change in place; ${rollout(t.address, groups)}`);
  // Fingerprints first, then what names what they replace, until nothing new is replaced.
  const all = after.resourcesMatching(/./);
  for (let grew = true; grew;) {
    grew = false;
    for (const r of all) {
      if (reasons.has(r.address) || !before.resource(r.address)) continue;
      for (const trigger of (r.config.lifecycle?.replace_triggered_by ?? []) as string[]) {
        const target = trigger.split(".").slice(0, 2).join(".");
        // A fingerprint's spec holds the host's startup script: it changes whenever the script does.
        const why =
          target.startsWith("terraform_data.") && changed(target)
            ? "replaced: its startup script changed"
            : reasons.has(target)
              ? `replaced with ${after.title(after.resource(target)!)}`
              : undefined;
        if (why) {
          reasons.set(r.address, why);
          grew = true;
          break;
        }
      }
    }
  }
  return reasons;
}
