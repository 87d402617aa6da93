// Environments of one config on one VPC: what exists once per VPC (the VIP route, the DNS that sends
// Google APIs to the VIP) has one owner; the others depend on it. Also the names the stack gives what
// it adds to a VPC, which must fit Compute Engine's limit.
import { GOOGLE_APIS_VIPS } from "../constructs/google-apis-access";
import { egressRuleName } from "./egress-allow";
import { HEALTH_CHECK_SUFFIX, LONGEST_SUFFIX, NAME_MAX, plumbingBase, vipDnsNames } from "./network-names";
import { EnvironmentConfig } from "./schema";

/** How an environment's private VPC is shared with the other environments of its config. */
export interface VpcSharing {
  /** Environments whose route and DNS this one's VMs use: its stack depends on theirs (deployed first, destroyed last). */
  readonly dependsOn: readonly string[];
  /** Environments that use this one's route and DNS: they depend on its stack, which refuses to destroy them while they do. */
  readonly dependents: readonly string[];
  /** Every name the VMs of all environments on this VPC must resolve into the VIP (what an owner's response policy answers). */
  readonly vipNames: readonly string[];
}

export const UNSHARED: VpcSharing = { dependsOn: [], dependents: [], vipNames: [] };

interface Environment {
  readonly name: string;
  readonly config: EnvironmentConfig;
}

/** `networks.private.namePrefix` (or a created VPC's name) must leave room for the environment and the longest name's suffix. */
export function nameLengthProblems(environment: string, c: EnvironmentConfig, prefix: string): string[] {
  const net = c.networks.private;
  const base = plumbingBase(environment, net);
  const suffixes: Array<[string, string | undefined]> = [
    [LONGEST_SUFFIX, undefined],
    ...(c.fleet?.healthCheck ? [[HEALTH_CHECK_SUFFIX, undefined] as [string, undefined]] : []),
    ...net.allowEgress.map((e, i): [string, string] => [egressRuleName("", e.name).slice(1), `networks.private.allowEgress.${i}.name`]),
  ];
  const [suffix, entryField] = suffixes.reduce((a, b) => (b[0].length > a[0].length ? b : a));
  const longest = `${base}-${suffix}`;
  if (longest.length <= NAME_MAX) return [];
  const room = NAME_MAX - suffix.length - 1;
  const orEntry = entryField ? `, or shorten ${entryField}` : "";
  if (!net.existing) {
    return [
      `${prefix}networks.private.name: "${net.name}" makes the firewall rule "${longest}" (${longest.length} characters); Compute Engine allows ${NAME_MAX}: use a VPC name of at most ${Math.max(room, 1)} characters${orEntry}`,
    ];
  }
  return [
    `${prefix}networks.private.namePrefix: "${net.namePrefix}" with the environment "${environment}" makes the firewall rule "${longest}" (${longest.length} characters); ` +
      `Compute Engine allows ${NAME_MAX}: shorten networks.private.namePrefix to at most ${Math.max(room - environment.length - 1, 0)} characters (or the environment's name)${orEntry}`,
  ];
}

function vpcOf(c: EnvironmentConfig): string {
  const net = c.networks.private;
  return `VPC ${net.name} of project ${net.existing?.project ?? c.projectId}`;
}

const ownsRoute = (c: EnvironmentConfig) => !c.networks.private.existing || c.networks.private.manage.googleApisRoute;
const ownsDns = (c: EnvironmentConfig) => !c.networks.private.existing || c.networks.private.dns !== "external";

/**
 * One owner per VPC for the route and for the DNS, the same environment for both (else each would wait
 * for the other), one VIP for all: refused otherwise, each line naming the field to change and where.
 * Every other environment on that VPC depends on the owner.
 */
export function vpcSharing(
  envs: readonly Environment[],
  named: boolean,
): { problems: string[]; sharing: Map<string, VpcSharing>; notes: Map<string, string[]> } {
  const field = (env: string, f: string) => `${named ? `environments.${env}.` : ""}networks.private.${f}`;
  const problems: string[] = [];
  const sharing = new Map<string, VpcSharing>();
  const notes = new Map<string, string[]>();
  const byVpc = new Map<string, Environment[]>();
  for (const env of envs) byVpc.set(vpcOf(env.config), [...(byVpc.get(vpcOf(env.config)) ?? []), env]);
  for (const [vpc, group] of byVpc) {
    const vipNames = [...new Set(group.flatMap((e) => vipDnsNames(e.config)))].sort();
    const routeOwners = group.filter((e) => ownsRoute(e.config));
    const dnsOwners = group.filter((e) => ownsDns(e.config));
    // Two environments creating one VPC: the loader's name claims refuse that already.
    if (group.filter((e) => !e.config.networks.private.existing).length > 1) continue;
    for (const extra of routeOwners.slice(1)) {
      problems.push(
        `${field(extra.name, "manage.googleApisRoute")}: the route of the Google APIs VIP on ${vpc} is also environment "${routeOwners[0].name}"'s, and a VPC needs one: ` +
          `set networks.private.manage.googleApisRoute to false in "${extra.name}": its VMs use "${routeOwners[0].name}"'s route, and its stack depends on "${routeOwners[0].name}"'s (deployed after it)`,
      );
    }
    for (const extra of dnsOwners.slice(1)) {
      problems.push(
        `${field(extra.name, "dns")}: "${extra.config.networks.private.dns}" on ${vpc}, where environment "${dnsOwners[0].name}" already resolves Google APIs to the VIP ("${dnsOwners[0].config.networks.private.dns}"), and a VPC takes one: ` +
          `set networks.private.dns to "external" in "${extra.name}": its VMs use "${dnsOwners[0].name}"'s DNS, and its stack depends on "${dnsOwners[0].name}"'s (deployed after it)`,
      );
    }
    const routeOwner = routeOwners[0];
    const dnsOwner = dnsOwners[0];
    if (routeOwner && dnsOwner && routeOwner !== dnsOwner) {
      problems.push(
        `${field(dnsOwner.name, "dns")}: "${dnsOwner.config.networks.private.dns}" on ${vpc}, whose route is environment "${routeOwner.name}"'s: one environment owns both and the others depend on it ` +
          `(two owners would each wait for the other). Set networks.private.dns to "external" in "${dnsOwner.name}" and to "zones" or "response-policy" in "${routeOwner.name}"`,
      );
    }
    const owner = routeOwner ?? dnsOwner;
    for (const env of group) {
      const vip = env.config.networks.private.googleApis;
      if (owner && env !== owner && vip !== owner.config.networks.private.googleApis) {
        problems.push(
          `${field(env.name, "googleApis")}: "${vip}" differs from environment "${owner.name}"'s "${owner.config.networks.private.googleApis}", whose route and DNS its VMs use on ${vpc}: set the same VIP in both`,
        );
      }
    }
    for (const env of group) {
      const others = group.filter((e) => e !== env).map((e) => e.name);
      sharing.set(env.name, {
        dependsOn: owner && env !== owner ? [owner.name] : [],
        dependents: env === owner ? others : [],
        vipNames: env === owner ? vipNames : vipDnsNames(env.config),
      });
      if (env === owner) notes.set(env.name, dnsNotes(env, vpc, vipNames, field(env.name, "dns")));
    }
  }
  return { problems, sharing, notes };
}

/** What an owner's DNS does to the rest of an existing VPC, said at every synth. */
function dnsNotes(env: Environment, vpc: string, vipNames: readonly string[], field: string): string[] {
  const net = env.config.networks.private;
  if (!net.existing || net.dns === "external") return [];
  const vip = GOOGLE_APIS_VIPS[net.googleApis];
  const at = `${vip.hostName} (${vip.cidr})`;
  if (net.dns === "zones") {
    return [
      `${field}: "zones" on the existing ${vpc}: the private zones googleapis.com. and pkg.dev. change DNS for every VM on that VPC (every service project's, on a Shared VPC), not only the airlock's: ` +
        `every *.googleapis.com and *.pkg.dev name resolves to ${at} there, and a zone the network team already has for either name clashes with them. ` +
        `"response-policy" answers only ${vipNames.join(", ")}; "external" leaves DNS to the network team (docs/configuration.md: Environments that share a VPC)`,
    ];
  }
  return [
    `${field}: "response-policy" on the existing ${vpc}: its rules answer ${vipNames.join(", ")} with the addresses of ${at} for every VM on that VPC (every service project's, on a Shared VPC), not only the airlock's, ` +
      `overriding any zone for those names. A VPC takes one response policy: if the network team has one, the apply fails; then use "external" and add these names to theirs (docs/configuration.md: Environments that share a VPC)`,
  ];
}
