import { IPv4 } from "ipaddr.js";

/** An IPv4 CIDR range: an address and a prefix length. */
export interface Cidr {
  readonly address: IPv4;
  readonly prefix: number;
}

/**
 * Parse `a.b.c.d/n`, written as Google Cloud writes it back: four decimal octets and a prefix length, none
 * with a leading zero. Undefined for anything else.
 */
export function parseCidr(text: string): Cidr | undefined {
  if (!IPv4.isValidCIDRFourPartDecimal(text)) return undefined;
  const [address, prefix] = IPv4.parseCIDR(text);
  // ipaddr.js takes a prefix length with leading zeros ("/08"); the octets it already refuses with them.
  return `${address.toString()}/${prefix}` === text ? { address, prefix } : undefined;
}

/**
 * The refusal of a CIDR range written with a leading zero ("010.20.0.0/24"), naming it without: the tools that
 * read a range disagree on one (inet_aton, and so ping and curl, take "010" as octal 8; others as decimal 10).
 * Undefined for any other text.
 */
export function leadingZeroProblem(text: string): string | undefined {
  const decimal = text.replace(/(^|[./])0+(?=\d)/g, "$1");
  if (decimal === text || parseCidr(decimal) === undefined) return undefined;
  return `has a leading zero, which tools read differently (inet_aton takes 010 as octal 8, others as decimal 10): write "${decimal}"`;
}

/** True for `a.b.c.d` alone, as parseCidr takes an address: four decimal octets, none with a leading zero. */
export function isAddress(text: string): boolean {
  return IPv4.isValidFourPartDecimal(text);
}

function network(c: Cidr): IPv4 {
  return IPv4.networkAddressFromCIDR(`${c.address.toString()}/${c.prefix}`);
}

/** True when the address has no bits set beyond the prefix (10.0.0.0/24, not 10.0.0.1/24). */
export function isNetworkAddress(c: Cidr): boolean {
  return network(c).toString() === c.address.toString();
}

/** The range's network address with its prefix ("10.0.0.0/24" for 10.0.0.1/24). */
export function networkAddress(c: Cidr): string {
  return `${network(c).toString()}/${c.prefix}`;
}

/** True when every address of `inner` is in `outer`. */
export function contains(outer: Cidr, inner: Cidr): boolean {
  return inner.prefix >= outer.prefix && inner.address.match(outer.address, outer.prefix);
}

/** True when the ranges share an address: the shorter prefix's bits agree (one range holds the other). */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.address.match(b.address, Math.min(a.prefix, b.prefix));
}
