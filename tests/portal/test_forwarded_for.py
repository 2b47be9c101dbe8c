"""Behind a proxy: the client's address (what wrong PINs are counted by, what the audit log
shows) comes from X-Forwarded-For only when the peer is a proxy the portal was told to trust."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from core.proxies import TrustedProxies
from portal.server import PortalHandle, start_portal
from tests.portal.conftest import Portal, Visitor


@pytest.fixture
async def behind_proxy(portal: Portal) -> AsyncIterator[PortalHandle]:
    """A second portal on the same studio that trusts this machine (127.0.0.1) as its proxy."""
    handle = await start_portal(
        portal.services, "127.0.0.1", 0, trusted_proxies=["127.0.0.1/32", "10.0.0.0/8"]
    )
    try:
        yield handle
    finally:
        await handle.stop()


async def wrong_pins(visitor: Visitor, link: str, forwarded: str, times: int) -> list[int]:
    r = await visitor.get(link)
    visitor.csrf = (await r.text()).split('name="csrf" value="')[1].split('"')[0]
    statuses = []
    for n in range(times):
        r = await visitor.http.post(
            visitor.base + "/pin",
            data={"csrf": visitor.csrf, "pin": f"000{n}"},
            headers={"Origin": visitor.base, "X-Forwarded-For": forwarded},
        )
        statuses.append(r.status)
    return statuses


async def client_addresses(portal: Portal) -> list[str]:
    rows = await portal.services.audit.events(portal.actor, action="link.pin_failed")
    return [row.detail["client"] for row in rows]


async def test_a_forged_header_from_an_untrusted_peer_is_ignored(portal: Portal):
    """A guesser who makes up a new X-Forwarded-For for every try is still one address."""
    first, second = portal.client(), portal.client()
    try:
        statuses = []
        for n in range(5):
            statuses += await wrong_pins(first, await portal.link(pin="1111"), f"198.51.100.{n}", 1)
        assert statuses == [403, 403, 403, 403, 429]  # five links, one address: locked
        assert await wrong_pins(second, await portal.link(pin="2222"), "203.0.113.50", 1) == [429]
        assert set(await client_addresses(portal)) == {"127.0.0.1"}
    finally:
        await first.close()
        await second.close()


async def test_behind_a_trusted_proxy_the_client_is_the_right_most_untrusted_address(
    portal: Portal, behind_proxy: PortalHandle
):
    base = behind_proxy.url
    guesser, other = Visitor(base), Visitor(base)
    try:
        # What the client wrote itself (the left-most entry) is its own say: not believed.
        chain = "192.0.2.1, 198.51.100.7, 10.1.2.3"
        assert await wrong_pins(guesser, await portal.link(pin="1111"), chain, 5) == [403] * 4 + [
            429
        ]
        assert set(await client_addresses(portal)) == {"198.51.100.7"}
        # The same client on another link is locked out; another client is not.
        assert await wrong_pins(other, await portal.link(pin="2222"), "198.51.100.8", 1) == [403]
        assert await wrong_pins(other, await portal.link(pin="3333"), "198.51.100.7", 1) == [429]
        # A proxy that says nothing leaves the peer as the client.
        r = await other.http.post(
            base + "/pin", data={"csrf": other.csrf, "pin": "9"}, headers={"Origin": base}
        )
        assert r.status == 403
        assert "127.0.0.1" in await client_addresses(portal)
    finally:
        await guesser.close()
        await other.close()


def test_the_client_of_a_forwarded_chain() -> None:
    proxies = TrustedProxies.parse(["10.0.0.0/8", "::1"])
    assert proxies.client_of("203.0.113.9", ["1.2.3.4"]) == "203.0.113.9"  # untrusted peer
    assert proxies.client_of("10.0.0.5", ["1.2.3.4, 10.9.9.9"]) == "1.2.3.4"
    assert proxies.client_of("10.0.0.5", ["6.6.6.6, 1.2.3.4", "10.9.9.9"]) == "1.2.3.4"
    assert proxies.client_of("::1", ["2001:db8::7"]) == "2001:db8::7"
    assert proxies.client_of("10.0.0.5", []) == "10.0.0.5"
    assert proxies.client_of("10.0.0.5", ["nonsense, 10.9.9.9"]) == "10.9.9.9"
    assert proxies.client_of("10.0.0.5", ["10.1.1.1"]) == "10.1.1.1"  # every hop ours
    with pytest.raises(ValueError, match="not an address or a network"):
        TrustedProxies.parse(["10.0.0.0/33"])
