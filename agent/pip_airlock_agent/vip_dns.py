"""Whether the names this host reaches resolve into the Google APIs VIP range (GOOGLE_APIS_RANGE): its egress
allows tcp/443 to that range only, so a name the VPC's DNS answers with anything else (a public Google address, a
Private Service Connect endpoint) cannot be reached, and every step that needs it ends unreachable. The names are
Artifact Registry's host (AR_HOST) and, when the host verifies a signed set, Cloud KMS's (KMS_ENDPOINT); the
metadata server needs no DNS of the VPC's. Checked once per run, at the start; a host whose names resolve
elsewhere says so in its log, and a step that then cannot reach a service names the cause."""
from __future__ import annotations

import ipaddress
import socket
import urllib.parse
from typing import Callable, List, Tuple


def resolve_ipv4(name: str) -> List[str]:
    """The IPv4 addresses `name` resolves to (the VIP ranges are IPv4; the stack's zones hold A records only)."""
    return sorted({info[4][0] for info in socket.getaddrinfo(name, 443, socket.AF_INET, socket.SOCK_STREAM)})


def names(settings) -> List[str]:
    hosts = [settings.ar_host]
    if settings.signing_key:
        hosts.append(urllib.parse.urlsplit(settings.kms_endpoint).hostname or "")
    return hosts


def check(settings, resolve: Callable[[str], List[str]] = resolve_ipv4) -> Tuple[List[str], List[str]]:
    """(lines to log, problems): one line per name; a problem per name that does not resolve into the range."""
    vip = ipaddress.ip_network(settings.google_apis_range)
    lines: List[str] = []
    problems: List[str] = []
    for name in names(settings):
        try:
            addresses = resolve(name)
        except OSError as err:
            problems.append(f"dns: {name} does not resolve ({err}): the VPC's DNS must answer it with an address of the Google APIs VIP range {vip}")
            continue
        outside = [a for a in addresses if ipaddress.ip_address(a) not in vip]
        if outside or not addresses:
            problems.append(f"dns: {name} resolves to {', '.join(addresses) or 'no IPv4 address'}, outside the Google APIs VIP range {vip}, "
                            f"the only one this host's egress reaches: the VPC's DNS must answer it with the VIP "
                            f"(networks.private.dns; the stack's output google_apis_dns lists the names)")
        else:
            lines.append(f"dns: {name} resolves to {', '.join(addresses)}, in the Google APIs VIP range {vip}")
    return lines + problems, problems
