// IPv4 CIDR ranges (config/cidr.ts, on ipaddr.js): what is a range, host bits, containment and overlap, and
// the config's refusals of a subnet or an allow-list destination that is not one, naming the field and the fix.
import { readFileSync } from "fs";
import { contains, isAddress, isNetworkAddress, leadingZeroProblem, networkAddress, overlaps, parseCidr } from "../config/cidr";
import { checkConfig } from "../config/load";
import { isPrivateRange } from "../config/private-ranges";
import { configProblems, EXAMPLE_CONFIG } from "./config-support";

const cidr = (text: string) => {
  const parsed = parseCidr(text);
  if (!parsed) throw new Error(`not a CIDR range: ${text}`);
  return parsed;
};

describe("parseCidr", () => {
  it.each(["10.0.0.0/8", "10.20.0.0/24", "192.168.1.128/25", "0.0.0.0/0", "255.255.255.255/32", "10.20.0.5/24", "100.64.0.0/10"])(
    "takes %s",
    (text) => {
      const parsed = cidr(text);
      expect(`${parsed.address.toString()}/${parsed.prefix}`).toBe(text);
    },
  );

  it.each([
    ["no prefix", "10.20.0.0"],
    ["an empty prefix", "10.20.0.0/"],
    ["a prefix over 32", "10.20.0.0/33"],
    ["a negative prefix", "10.20.0.0/-1"],
    ["an octet over 255", "10.300.0.0/24"],
    ["three octets", "10.20.0/24"],
    ["five octets", "10.20.0.0.0/24"],
    ["a hexadecimal octet", "0x0a.20.0.0/24"],
    ["one 32-bit number", "169082880/24"],
    ["an IPv6 range", "fd00::/8"],
    ["spaces", " 10.20.0.0/24"],
    ["a line break after it", "10.20.0.0/24\n"],
    ["a leading zero in an octet", "010.20.0.0/24"],
    ["a zero-padded octet", "10.020.0.0/24"],
    ["a leading zero in the prefix", "10.0.0.0/08"],
    ["nothing", ""],
  ])("refuses %s (%j)", (_what, text) => {
    expect(parseCidr(text)).toBeUndefined();
  });

  it("takes an address alone only with isAddress, and only in four decimal octets", () => {
    expect([
      isAddress("10.30.1.5"),
      isAddress("10.30.1.5/32"),
      isAddress("010.30.1.5"),
      isAddress("10.30.1"),
      isAddress("10.30.1.256"),
    ]).toEqual([true, false, false, false, false]);
  });
});

describe("host bits", () => {
  it.each([
    ["10.20.0.0/24", true, "10.20.0.0/24"],
    ["10.20.0.5/24", false, "10.20.0.0/24"],
    ["10.20.1.0/23", false, "10.20.0.0/23"],
    ["192.168.1.129/25", false, "192.168.1.128/25"],
    ["10.20.0.5/32", true, "10.20.0.5/32"],
    ["10.20.0.5/0", false, "0.0.0.0/0"],
  ])("%s: network address %s, which is %s", (text, isNetwork, network) => {
    expect([isNetworkAddress(cidr(text)), networkAddress(cidr(text))]).toEqual([isNetwork, network]);
  });
});

describe("containment and overlap", () => {
  it.each([
    ["10.0.0.0/8", "10.20.0.0/24", true],
    ["10.20.0.0/24", "10.20.0.0/24", true],
    ["10.20.0.0/24", "10.20.0.128/25", true],
    ["10.20.0.0/24", "10.20.1.0/24", false],
    ["10.20.0.0/24", "10.0.0.0/8", false],
    ["0.0.0.0/0", "203.0.113.7/32", true],
    ["172.16.0.0/12", "172.32.0.0/16", false],
  ])("%s contains %s: %s", (outer, inner, expected) => {
    expect(contains(cidr(outer), cidr(inner))).toBe(expected);
  });

  it.each([
    ["10.10.0.0/24", "10.10.0.128/25", true],
    ["10.10.0.0/24", "10.10.1.0/24", false],
    ["10.10.0.0/23", "10.10.1.0/24", true],
    ["10.10.1.0/24", "10.10.0.0/23", true],
    ["10.10.0.0/25", "10.10.0.128/25", false],
    ["0.0.0.0/0", "192.168.0.0/16", true],
  ])("%s and %s overlap: %s (either way round)", (a, b, expected) => {
    expect([overlaps(cidr(a), cidr(b)), overlaps(cidr(b), cidr(a))]).toEqual([expected, expected]);
  });

  it("compares a range with host bits as the range its network address denotes", () => {
    // 10.10.1.5/23 is 10.10.0.0/23, which holds 10.10.0.0/24.
    expect(overlaps(cidr("10.10.1.5/23"), cidr("10.10.0.0/24"))).toBe(true);
    expect(overlaps(cidr("10.10.0.200/25"), cidr("10.10.1.0/24"))).toBe(false);
  });

  it("knows the internal ranges, and no range with a leading zero is one", () => {
    expect(["10.30.0.0/24", "100.64.0.0/16", "192.168.0.0/16", "8.8.8.0/24", "10.0.0.0/7", "010.30.0.0/24"].map(isPrivateRange)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
  });
});

describe("a leading zero", () => {
  it("is refused with the range written without it, whatever the octal reading", () => {
    expect(leadingZeroProblem("010.20.0.0/24")).toBe(
      'has a leading zero, which tools read differently (inet_aton takes 010 as octal 8, others as decimal 10): write "10.20.0.0/24"',
    );
    expect(leadingZeroProblem("10.020.000.0/24")).toMatch(/write "10\.20\.0\.0\/24"$/);
    expect(leadingZeroProblem("10.0.0.0/08")).toMatch(/write "10\.0\.0\.0\/8"$/);
    expect(leadingZeroProblem("09.0.0.0/8")).toMatch(/write "9\.0\.0\.0\/8"$/);
  });

  it("is not what refuses anything else", () => {
    for (const text of ["10.20.0.0/24", "0.0.0.0/0", "100.64.0.0/10", "10.300.0.0/24", "010.300.0.0/24", "010.20.0.0", "hello"])
      expect([text, leadingZeroProblem(text)]).toEqual([text, undefined]);
  });
});

describe("the config's ranges", () => {
  const example = JSON.parse(readFileSync(EXAMPLE_CONFIG, "utf8"));
  const problems = (edit: (c: any) => void) =>
    configProblems(() => {
      const c = structuredClone(example);
      edit(c);
      checkConfig(c, "airlock.json", { read: () => "", where: "" });
    });

  it("takes the example's subnets", () => {
    expect(problems(() => undefined)).toEqual([]);
  });

  it.each<[string, (c: any) => void, string]>([
    [
      "a leading zero in a subnet's octet",
      (c) => (c.networks.private.subnetCidr = "10.020.0.0/24"),
      'networks.private.subnetCidr: has a leading zero, which tools read differently (inet_aton takes 010 as octal 8, others as decimal 10): write "10.20.0.0/24"',
    ],
    [
      "a leading zero in a subnet's prefix",
      (c) => (c.networks.public.subnetCidr = "10.10.0.0/024"),
      'networks.public.subnetCidr: has a leading zero, which tools read differently (inet_aton takes 010 as octal 8, others as decimal 10): write "10.10.0.0/24"',
    ],
    [
      "no prefix",
      (c) => (c.networks.public.subnetCidr = "10.10.0.0"),
      'networks.public.subnetCidr: must be an IPv4 CIDR range such as "10.10.0.0/24"',
    ],
    [
      "an octet over 255",
      (c) => (c.networks.public.subnetCidr = "10.300.0.0/24"),
      'networks.public.subnetCidr: must be an IPv4 CIDR range such as "10.10.0.0/24"',
    ],
    [
      "a prefix Google Cloud refuses for a subnet",
      (c) => (c.networks.private.subnetCidr = "10.20.0.0/30"),
      "networks.private.subnetCidr: must have a prefix length from /8 to /29 (a subnet range Google Cloud accepts)",
    ],
    [
      "host bits",
      (c) => (c.networks.private.subnetCidr = "10.20.0.5/24"),
      'networks.private.subnetCidr: has host bits set: use the network address "10.20.0.0/24"',
    ],
    [
      "subnets that overlap",
      (c) => (c.networks.private.subnetCidr = "10.10.0.0/16"),
      "networks.private.subnetCidr: overlaps networks.public.subnetCidr (10.10.0.0/24): choose a range outside it",
    ],
  ])("refuses %s, naming the field and the fix", (_what, edit, problem) => {
    expect(problems(edit)).toEqual([problem]);
  });

  it("refuses an allow-list destination with a leading zero, an address without its prefix, and host bits", () => {
    const allow = (destinations: string[]) => (c: any) =>
      (c.networks.private.allowEgress = [{ name: "nfs", destinations, protocol: "tcp", ports: [2049] }]);
    expect(problems(allow(["10.30.0.0/24", "010.30.0.0/24", "10.30.1.5", "10.30.1.5/24"]))).toEqual([
      'networks.private.allowEgress.0.destinations.1: has a leading zero, which tools read differently (inet_aton takes 010 as octal 8, others as decimal 10): write "10.30.0.0/24"',
      'networks.private.allowEgress.0.destinations.2: is an address, not a range: write "10.30.1.5/32"',
      'networks.private.allowEgress.0.destinations.3: has host bits set: use the network address "10.30.1.0/24"',
    ]);
  });
});
