/** IPv4 CIDR arithmetic for validating subnet ranges. */
export interface Cidr {
  readonly base: number;
  readonly prefix: number;
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parse `a.b.c.d/n`; undefined when it is not an IPv4 CIDR. */
export function parseCidr(text: string): Cidr | undefined {
  const m = CIDR.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  return { base, prefix };
}

function size(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

/** True when the address has no bits set beyond the prefix (10.0.0.0/24, not 10.0.0.1/24). */
export function isNetworkAddress(c: Cidr): boolean {
  return c.base % size(c) === 0;
}

export function networkAddress(c: Cidr): string {
  const base = c.base - (c.base % size(c));
  return `${[24, 16, 8, 0].map((s) => Math.floor(base / 2 ** s) % 256).join(".")}/${c.prefix}`;
}

/** True when every address of `inner` is in `outer`. */
export function contains(outer: Cidr, inner: Cidr): boolean {
  return inner.prefix >= outer.prefix && Math.floor(inner.base / size(outer)) === Math.floor(outer.base / size(outer));
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + size(b) && b.base < a.base + size(a);
}
