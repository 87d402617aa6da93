import { AccessSection } from "./access-item";
import { diffItems } from "./diff";
import { hosts } from "./hosts";
import { customRoles, iamGrants } from "./iam";
import { labels } from "./labels";
import { dns, externalAddresses, firewallRules, nat, routes } from "./network";
import { replacements } from "./replacement";
import { StackSnapshot, SynthSnapshot } from "./snapshot";
import { StackReader } from "./stack-reader";

/** The sections of a review, each what one kind of access is made of in a stack. */
export function accessSections(reader: StackReader): AccessSection[] {
  return [
    { heading: "IAM grants", items: iamGrants(reader) },
    { heading: "Custom roles", items: customRoles(reader) },
    { heading: "Firewall rules", items: firewallRules(reader) },
    { heading: "Routes", items: routes(reader) },
    { heading: "DNS", items: dns(reader) },
    { heading: "NAT", items: nat(reader) },
    { heading: "External IPs", items: externalAddresses(reader) },
    { heading: "Hosts and templates: service accounts, metadata", items: hosts(reader) },
    { heading: "Labels", items: labels(reader) },
  ];
}

const EMPTY: StackSnapshot = { tf: {}, file: () => undefined };

/** The review of one stack: each section's changed lines, and what is replaced that no line says. */
function stackReview(before: StackSnapshot, after: StackSnapshot): string[] {
  const [old, now] = [new StackReader(before), new StackReader(after)];
  const notes = replacements(old, now);
  const [was, is] = [accessSections(old), accessSections(now)];
  const lines: string[] = [];
  const noted = new Set<string>();
  is.forEach((section, i) => {
    const changed = diffItems(was[i].items, section.items, notes);
    if (changed.length === 0) return;
    lines.push(`  ${section.heading}:`, ...changed.map((line) => `    ${line}`));
    for (const item of section.items)
      if (item.address && changed.some((line) => line.startsWith(`~ ${item.title}:`))) noted.add(item.address);
  });
  // What is replaced with no changed line of its own (a grant replaced with its instance), by the title a section gives it.
  const titles = new Map(
    is.flatMap((section) => section.items.flatMap((item) => (item.address ? [[item.address, item.title] as const] : []))).reverse(),
  );
  const unsaid = [...notes].filter(([address]) => !noted.has(address));
  if (unsaid.length > 0)
    lines.push(
      "  Replaced:",
      ...unsaid.map(([address, why]) => `    ~ ${titles.get(address) ?? now.title(now.resource(address)!)}: ${why}`).sort(),
    );
  return lines;
}

/**
 * What going from the synth `before` to `after` does to access, as lines a reviewer reads in a pull
 * request: per stack, the IAM grants, custom roles, firewall rules, routes, DNS, NAT, external IPs,
 * hosts' and templates' service accounts and metadata, and labels that were added (+), removed (-) or
 * changed (~ a → b), with what gets replaced. "no change to access" when there is none.
 */
export function reviewAccess(before: SynthSnapshot, after: SynthSnapshot): string[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const lines = names.flatMap((name) => {
    const stackLines = stackReview(before[name] ?? EMPTY, after[name] ?? EMPTY);
    if (stackLines.length === 0) return [];
    const state = !before[name] ? " (new)" : !after[name] ? " (removed)" : "";
    return [`stack ${name}${state}:`, ...stackLines];
  });
  return lines.length > 0 ? lines : ["no change to access"];
}
