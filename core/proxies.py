"""Which address a request comes from, when proxies stand in front: X-Forwarded-For is believed
only from the proxies a studio configured (the portal and the studio server's API alike)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
FORWARDED_MAX = 32  # hops of X-Forwarded-For looked at, from the right


@dataclass(frozen=True)
class TrustedProxies:
    """The proxies in front of the portal (addresses or CIDR networks): only their
    X-Forwarded-For is believed."""

    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, specs: Iterable[str]) -> TrustedProxies:
        networks = []
        for spec in specs:
            try:
                networks.append(ipaddress.ip_network(spec.strip(), strict=False))
            except ValueError:
                raise ValueError(
                    f"{spec!r} is not an address or a network such as 10.0.0.0/8 or ::1."
                ) from None
        return cls(tuple(networks))

    def trusts(self, address: str | None) -> bool:
        if not self.networks or not address:
            return False
        try:
            ip = ipaddress.ip_address(address.strip().strip("[]"))
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return any(ip in net for net in self.networks)

    def client_of(self, peer: str | None, forwarded_for: list[str]) -> str:
        """The client's address: the peer itself, unless the peer is a trusted proxy; then the
        right-most address of X-Forwarded-For that is not a trusted proxy (each proxy appends
        the address it was reached from, so whatever stands left of that is the client's say)."""
        address = peer or "unknown"
        if not self.trusts(peer):
            return address
        hops = [h.strip() for line in forwarded_for for h in line.split(",")]
        for hop in reversed(hops[-FORWARDED_MAX:]):
            if not _is_address(hop):
                break  # not an address that a proxy of ours wrote: stop at the last one that was
            address = hop
            if not self.trusts(hop):
                break
        return address


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True
