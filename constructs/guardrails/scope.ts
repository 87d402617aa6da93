import { dataSources, Resource, resources, TerraformJson } from "./terraform-json";

/**
 * The construct paths the guardrails judge when they check what the construct at `within` builds inside
 * a larger stack: its own resources and data sources, and every other one whose configuration names one
 * of them (a firewall rule on its network, a grant on its repository or key, a VM on its subnet, a route
 * or NAT on its VPC). Whatever names none of them is the stack owner's own business.
 */
export function judgedPaths(tf: TerraformJson, within: string): Set<string> {
  const all = [...resources(tf, ...Object.keys(tf.resource ?? {})), ...dataSources(tf, ...Object.keys(tf.data ?? {}))];
  const own = all.filter((r) => r.path === within || r.path.startsWith(`${within}/`));
  const ownAddresses = own.map((r) => new RegExp(`(?<![\\w.-])${escapeRegExp(r.address)}(?![\\w-])`));
  const namesOwn = (r: Resource) => {
    const text = JSON.stringify(r.config);
    return ownAddresses.some((address) => address.test(text));
  };
  return new Set([...own, ...all.filter((r) => !own.includes(r) && namesOwn(r))].map((r) => r.path));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
