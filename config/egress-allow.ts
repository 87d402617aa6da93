import { z } from "zod";
import { isAddress, isNetworkAddress, leadingZeroProblem, networkAddress, parseCidr } from "./cidr";
import { isPrivateRange, PRIVATE_RANGES } from "./private-ranges";

/** The firewall rule of one allow-list entry, in the VPC's project: `<prefix>-allow-egress-<name>`. */
export function egressRuleName(prefix: string, name: string): string {
  return `${prefix}-allow-egress-${name}`;
}

const PORTED = ["tcp", "udp", "sctp"];

// A destination: one internal range. A bare address is refused with its /32, so a range is never guessed.
const destination = z.string().superRefine((value, ctx) => {
  const parsed = parseCidr(value);
  if (!parsed) {
    ctx.addIssue({
      code: "custom",
      message: isAddress(value)
        ? `is an address, not a range: write "${value}/32"`
        : (leadingZeroProblem(value) ?? 'must be an IPv4 CIDR range such as "10.30.0.0/16" or "10.30.1.5/32"'),
    });
  } else if (!isNetworkAddress(parsed)) {
    ctx.addIssue({ code: "custom", message: `has host bits set: use the network address "${networkAddress(parsed)}"` });
  } else if (!isPrivateRange(value)) {
    ctx.addIssue({
      code: "custom",
      message:
        `is not an internal range: the private side reaches no public address (that is what keeps it off the internet), so an allow-list opens internal destinations only (${PRIVATE_RANGES.join(", ")}). ` +
        "Reach a public service through Private Google Access or a proxy on your own network",
    });
  }
});

const port = z.union([
  z.number().int().min(1, "must be a port from 1 to 65535").max(65535, "must be a port from 1 to 65535"),
  z.string().regex(/^[1-9][0-9]{0,4}(-[1-9][0-9]{0,4})?$/, 'must be a port such as 2049 or a range such as "8000-8100"'),
]);

/** One egress allow rule of the private side: internal destinations, a protocol and its ports. */
export const egressAllowEntry = z
  .strictObject({
    name: z
      .string()
      .regex(
        /^[a-z]([-a-z0-9]{0,28}[a-z0-9])?$/,
        "must be 1-30 lowercase letters, digits or hyphens, starting with a letter, not ending with a hyphen",
      )
      .describe("Part of the rule's name (`<network>-allow-egress-<name>`), so each entry has its own."),
    destinations: z
      .array(destination)
      .min(1, "must list at least one destination range")
      .describe(
        "Internal ranges only (RFC 1918, 100.64.0.0/10 and the other non-public ranges Google Cloud takes for subnets, `config/private-ranges.ts`): " +
          "a public one is refused, and guardrail AIRLOCK-G4 catches one added in code.",
      ),
    protocol: z
      .enum(["tcp", "udp", "sctp", "icmp", "esp", "ah", "all"])
      .describe("`tcp`, `udp`, `sctp` (these with `ports`), `icmp`, `esp`, `ah` or `all`."),
    ports: z.array(port).default([]).describe('tcp, udp and sctp: ports or ranges (`2049`, `"8000-8100"`); none means all.'),
  })
  .superRefine((entry, ctx) => {
    if (entry.ports.length > 0 && !PORTED.includes(entry.protocol)) {
      ctx.addIssue({
        code: "custom",
        path: ["ports"],
        message: `does not apply to protocol "${entry.protocol}", which has no ports: remove it, or use tcp, udp or sctp`,
      });
    }
    entry.ports.forEach((p, i) => {
      const [low, high = low] = String(p).split("-").map(Number);
      if (high > 65535 || low > high)
        ctx.addIssue({ code: "custom", path: ["ports", i], message: "must be a port from 1 to 65535, or a range low-high within it" });
    });
  })
  .describe("One egress allow rule of the private side: internal destinations, a protocol and its ports.");

export type EgressAllowEntry = z.infer<typeof egressAllowEntry>;

/** The allow-list: entries with distinct names. */
export const egressAllowList = z
  .array(egressAllowEntry)
  .refine(
    (entries) => new Set(entries.map((e) => e.name)).size === entries.length,
    "names an entry twice: each entry's name is part of its rule's name, so each needs its own",
  )
  .default([]);
