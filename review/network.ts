import { AccessItem } from "./access-item";
import { StackReader, TfResource } from "./stack-reader";

function item(reader: StackReader, r: TfResource, summary: string, fields: AccessItem["fields"]): AccessItem {
  return { key: r.address, title: reader.title(r), summary, fields, address: r.address };
}

const joined = (list: readonly string[]) => (list.length ? list.join(", ") : "(none)");

/** `tcp:22,443`, `all`: what an allow or deny block lets through. */
function protocols(blocks: unknown): string {
  return ((blocks ?? []) as Array<{ protocol: string; ports?: string[] }>)
    .map((b) => (b.ports?.length ? `${b.protocol}:${b.ports.join(",")}` : b.protocol))
    .join(" ");
}

/** Every firewall rule: direction, allow or deny, ports, ranges, the VMs it holds for, priority. */
export function firewallRules(reader: StackReader): AccessItem[] {
  return reader.resources("google_compute_firewall").map((r) => {
    const c = r.config;
    const direction = String(c.direction ?? "INGRESS");
    const action = c.allow ? `allow ${protocols(c.allow)}` : `deny ${protocols(c.deny)}`;
    const ingress = direction === "INGRESS";
    const sources = [
      ...reader.list(c.source_ranges),
      ...reader.list(c.source_tags).map((t) => `tag ${t}`),
      ...reader.list(c.source_service_accounts),
    ];
    const ends = ingress ? sources : reader.list(c.destination_ranges);
    const targets = [...reader.list(c.target_service_accounts), ...reader.list(c.target_tags).map((t) => `tag ${t}`)];
    const priority = String(c.priority ?? 1000);
    const network = reader.text(c.network);
    const fields: AccessItem["fields"] = {
      direction,
      action,
      [ingress ? "from" : "to"]: ends,
      targets,
      priority,
      network,
      ...(c.disabled ? { disabled: "true" } : {}),
    };
    const held = targets.length ? joined(targets) : "every VM of the network";
    return item(
      reader,
      r,
      `${direction} ${action} ${ingress ? "from" : "to"} ${joined(ends)}, for ${held}, priority ${priority} (network ${network})${c.disabled ? ", disabled" : ""}`,
      fields,
    );
  });
}

/** Every route: where it sends which destination, on which network. */
export function routes(reader: StackReader): AccessItem[] {
  return reader.resources("google_compute_route").map((r) => {
    const c = r.config;
    const hop = ["next_hop_gateway", "next_hop_ip", "next_hop_instance", "next_hop_ilb", "next_hop_vpn_tunnel"].find(
      (k) => c[k] !== undefined,
    );
    const fields: AccessItem["fields"] = {
      destination: reader.text(c.dest_range),
      "next hop": hop ? reader.text(c[hop]) : "(none)",
      priority: String(c.priority ?? 1000),
      network: reader.text(c.network),
      ...(c.tags ? { tags: reader.list(c.tags) } : {}),
    };
    return item(
      reader,
      r,
      `${fields.destination} via ${fields["next hop"]}, priority ${fields.priority} (network ${fields.network})${c.tags ? `, tags ${joined(reader.list(c.tags))}` : ""}`,
      fields,
    );
  });
}

/** Private zones, their records, response policies and their rules, server policies: what names resolve to, for which networks. */
export function dns(reader: StackReader): AccessItem[] {
  const zones = reader.resources("google_dns_managed_zone").map((r) => {
    const c = r.config;
    const networks = reader.list((c.private_visibility_config?.networks ?? []).map((n: any) => n.network_url));
    const visibility = reader.text(c.visibility ?? "public");
    const fields: AccessItem["fields"] = {
      "dns name": reader.text(c.dns_name),
      visibility,
      networks,
      ...(c.forwarding_config
        ? { forwarding: reader.list((c.forwarding_config.target_name_servers ?? []).map((t: any) => t.ipv4_address)) }
        : {}),
      ...(c.peering_config ? { peering: reader.text(c.peering_config.target_network?.network_url) } : {}),
    };
    return item(reader, r, `${fields["dns name"]} ${visibility}, for ${joined(networks)}`, fields);
  });
  const records = reader.resources("google_dns_record_set").map((r) => {
    const c = r.config;
    const data = reader.list(c.rrdatas);
    const fields = { zone: reader.text(c.managed_zone), data };
    return {
      ...item(reader, r, `${reader.text(c.type)} ${joined(data)} (zone ${fields.zone})`, fields),
      title: `DNS record ${reader.text(c.name)} ${reader.text(c.type)}`,
    };
  });
  const policies = reader.resources("google_dns_response_policy", "google_dns_policy").map((r) => {
    const networks = reader.list((r.config.networks ?? []).map((n: any) => n.network_url));
    return item(reader, r, `for ${joined(networks)}`, { networks });
  });
  const rules = reader.resources("google_dns_response_policy_rule").map((r) => {
    const c = r.config;
    const answer = c.behavior
      ? [reader.text(c.behavior)]
      : ((c.local_data?.local_datas ?? []) as any[]).map((d) => `${d.type} ${joined(reader.list(d.rrdatas))}`);
    const fields = { policy: reader.text(c.response_policy), answer };
    return {
      ...item(reader, r, `${joined(answer)} (policy ${fields.policy})`, fields),
      title: `DNS response policy rule ${reader.text(c.dns_name)}`,
    };
  });
  return [...zones, ...records, ...policies, ...rules];
}

/** Cloud NAT: which subnets of which network reach the internet. */
export function nat(reader: StackReader): AccessItem[] {
  return reader.resources("google_compute_router_nat").map((r) => {
    const c = r.config;
    const router = reader.resource(String(c.router ?? "").replace(/^\$\{([^}]+)\.name\}$/, "$1"));
    const subnets =
      c.source_subnetwork_ip_ranges_to_nat === "LIST_OF_SUBNETWORKS"
        ? reader.list((c.subnetwork ?? []).map((s: any) => s.name))
        : [reader.text(c.source_subnetwork_ip_ranges_to_nat)];
    const fields: AccessItem["fields"] = {
      router: reader.text(c.router),
      network: router ? reader.text(router.config.network) : "(unknown)",
      subnets,
      addresses: reader.text(c.nat_ip_allocate_option),
    };
    return item(reader, r, `internet egress for ${joined(subnets)} (network ${fields.network}, router ${fields.router})`, fields);
  });
}

/** External addresses: reserved ones, and every VM or template whose interface has an access config. */
export function externalAddresses(reader: StackReader): AccessItem[] {
  const reserved = reader
    .resources("google_compute_address", "google_compute_global_address")
    .filter((r) => (r.config.address_type ?? "EXTERNAL") === "EXTERNAL")
    .map((r) =>
      item(reader, r, `reserved external address ${reader.text(r.config.address ?? "(allocated)")}`, {
        address: reader.text(r.config.address),
      }),
    );
  const interfaces = reader
    .resources("google_compute_instance", "google_compute_instance_template", "google_compute_region_instance_template")
    .flatMap((r) => {
      const nics = (r.config.network_interface ?? []) as any[];
      const ipv4 = nics.flatMap((n) => n.access_config ?? []).map((a: any) => (a.nat_ip ? reader.text(a.nat_ip) : "ephemeral IPv4"));
      const ipv6 = nics.flatMap((n) => n.ipv6_access_config ?? []).map(() => "IPv6");
      if (ipv4.length + ipv6.length === 0) return [];
      const external = [...ipv4, ...ipv6];
      return [item(reader, r, `external IP ${joined(external)}`, { "external IP": external })];
    });
  return [...reserved, ...interfaces];
}
