import { contains, parseCidr } from "./cidr";

/**
 * The IPv4 ranges that are no one's public addresses, which Google Cloud accepts as subnet ranges (VPC
 * "Valid IPv4 ranges"): RFC 1918, the shared address space of RFC 6598, IETF protocol assignments, the
 * documentation and benchmarking ranges, and the reserved class E. An egress allow rule of the private side
 * may open these only: anything else is a public address, and the point of the private side is none.
 */
export const PRIVATE_RANGES = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
  "192.0.0.0/24",
  "192.0.2.0/24",
  "198.18.0.0/15",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "240.0.0.0/4",
] as const;

/** True when every address of the CIDR range `range` is in one of PRIVATE_RANGES. */
export function isPrivateRange(range: string): boolean {
  const parsed = parseCidr(range);
  return parsed !== undefined && PRIVATE_RANGES.some((r) => contains(parseCidr(r)!, parsed));
}
