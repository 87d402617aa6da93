import { contains, parseCidr } from "../../config/cidr";

/** True when `inner` is a CIDR range that lies inside the CIDR range `outer`. */
export function within(inner: string, outer: string): boolean {
  const a = parseCidr(inner);
  const b = parseCidr(outer);
  return a !== undefined && b !== undefined && contains(b, a);
}
