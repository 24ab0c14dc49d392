"""Where a pair may send its token: the host of `jira.baseUrl` judged (pure, no DNS).

- **Refused**, whatever the file says: link-local addresses (169.254.0.0/16, fe80::/10), where
  the cloud's instance metadata service answers (169.254.169.254 on AWS, GCP, Azure), the other
  metadata addresses (Alibaba's 100.100.100.200, AWS's fd00:ec2::254) and the metadata host
  names; and the unspecified address (0.0.0.0, ::), which no Jira site has. A worker sends its
  token with every request; there it would hand the token, and answers, to the wrong service.
- **Warned**, unless the file says `"allowPrivateAddress": true`: loopback (127.0.0.0/8, ::1,
  `localhost`, `*.localhost`) and private ranges (10/8, 172.16/12, 192.168/16, 100.64/10,
  fc00::/7). A Data Center site on the company network is a private address; a test site on
  this machine is loopback; both are fine when meant, and a surprise otherwise.

Host names are not resolved: `validate --offline` must not, a check at load time proves nothing
about the address the worker later connects to (DNS may answer differently), and pinning the
address at connect time belongs to the transport. So only literal addresses and names that are
what they say (`localhost`, the metadata names) are judged; any other name passes.
"""

from __future__ import annotations

import ipaddress

METADATA_HOSTS = frozenset({
    "metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal",
})
METADATA_ADDRESSES = frozenset({ipaddress.ip_address("100.100.100.200"), ipaddress.ip_address("fd00:ec2::254")})
CGNAT = ipaddress.ip_network("100.64.0.0/10")  # shared address space: not "private" to ipaddress, yet not public

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def literal_address(host: str) -> Address | None:
    """The IP address `host` spells (IPv6 without brackets, an IPv4-mapped one as IPv4), else None."""
    try:
        address = ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def refused_host(host: str) -> str | None:
    """Why a pair must never send its token to `host`, else None."""
    name = host.lower().rstrip(".")
    address = literal_address(name)
    if name in METADATA_HOSTS or address in METADATA_ADDRESSES:
        return f"{host} is a cloud metadata service, not a Jira site: a pair must not send its token there"
    if address is not None and address.is_link_local:
        return (f"{host} is a link-local address (the cloud metadata service answers at 169.254.169.254), not a "
                "Jira site: a pair must not send its token there")
    if address is not None and address.is_unspecified:
        return f"{host} is the unspecified address, which names no host"
    return None


def private_host(host: str) -> str | None:
    """What kind of address `host` is when it is loopback or private (worth a warning), else None."""
    name = host.lower().rstrip(".")
    address = literal_address(name)
    if name == "localhost" or name.endswith(".localhost") or (address is not None and address.is_loopback):
        return "loopback"
    if address is not None and (address.is_private or address in CGNAT):
        return "private"
    return None
