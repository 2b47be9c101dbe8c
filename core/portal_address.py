"""Whether clients can open a link at the studio's portal address, and this computer's address on
the local network to offer instead.

`http://127.0.0.1:8470` (the default) means "this computer": a link made with it opens only on the
photographer's own machine. Nothing here sends a packet.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from urllib.parse import urlsplit

LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def unreachable_reason(base_url: str) -> str | None:
    """A sentence saying why clients cannot open links at `base_url`, or None when they may."""
    try:
        host = (urlsplit(base_url.strip()).hostname or "").lower()
    except ValueError:
        host = ""
    if not host:
        return f"The portal address {base_url!r} is not a web address clients can open."
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        return _local(base_url)
    with contextlib.suppress(ValueError):
        ip = ipaddress.ip_address(host)
        if ip.is_loopback or ip.is_unspecified:
            return _local(base_url)
        if ip.is_link_local:
            return (
                f"The portal address {base_url} is a link-local address: only devices on the "
                "same cable or Wi-Fi segment can open links made with it, and it changes."
            )
    return None


def _local(base_url: str) -> str:
    return (
        f"The portal address {base_url} means 'this computer', so clients cannot open links "
        "made with it."
    )


def lan_address() -> str | None:
    """This computer's address on its local network, or None.

    Connecting a UDP socket only chooses the route and the source address; nothing is sent, and
    the target (from TEST-NET-1, never routed on the internet) need not exist.
    """
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("192.0.2.1", 9))
        address = s.getsockname()[0]
        ip = ipaddress.ip_address(address)
        if not (ip.is_loopback or ip.is_unspecified or ip.is_link_local):
            return address
    return None


def lan_base_url(port: int, address: str | None = None) -> str | None:
    """`http://<LAN address>:<port>`, or None when this computer has no network address."""
    address = address or lan_address()
    return f"http://{address}:{port}" if address else None
