// Keys earlier releases accepted and this one replaced: a config that still has one gets the exact
// replacement, not "unknown key".

type Retired = (value: unknown) => string;

const RETIRED: Record<string, Retired> = {
  "networks.private.manage.dnsZones": (value) =>
    `was replaced by networks.private.dns: remove it and set "dns": ${value === false ? "\"external\" (the network team's DNS, or another environment's on the same VPC)" : '"zones" (the default: the same private zones as before)'}. ` +
    '"response-policy" resolves only the names pip-airlock needs instead (docs/configuration.md: Environments that share a VPC)',
};

/** The message for `key` of the object at `path` (dotted), when it is a retired key; else undefined. */
export function retiredKey(path: readonly PropertyKey[], key: string, container: unknown): string | undefined {
  const retired = RETIRED[[...path.map(String), key].join(".")];
  if (!retired) return undefined;
  const value = typeof container === "object" && container !== null ? (container as Record<string, unknown>)[key] : undefined;
  return retired(value);
}
