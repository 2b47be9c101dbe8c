"""The studio server believes X-Forwarded-For only from a proxy it was told to trust."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from core.proxies import TrustedProxies
from sync.server.auth import TRUSTED_PROXIES, client_address


def _request(peer: str, forwarded: str | None, trusted: tuple[str, ...]) -> web.Request:
    app = web.Application()
    app[TRUSTED_PROXIES] = TrustedProxies.parse(trusted)
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    request = make_mocked_request("POST", "/api/v1/sign-in", headers=headers, app=app)
    request._transport_peername = (peer, 5000)  # type: ignore[attr-defined]
    return request


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "client"),
    [
        ("203.0.113.9", "198.51.100.1", (), "203.0.113.9"),  # no proxy trusted: the peer
        ("203.0.113.9", "198.51.100.1", ("10.0.0.0/8",), "203.0.113.9"),  # not from the proxy
        ("10.0.0.2", "198.51.100.1", ("10.0.0.0/8",), "198.51.100.1"),
        ("10.0.0.2", "1.1.1.1, 198.51.100.1, 10.0.0.3", ("10.0.0.0/8",), "198.51.100.1"),
        ("10.0.0.2", "not an address", ("10.0.0.0/8",), "10.0.0.2"),
    ],
)
def test_the_client_address(peer: str, forwarded: str, trusted: tuple[str, ...], client: str):  # type: ignore[no-untyped-def]
    assert client_address(_request(peer, forwarded, trusted)) == client


def test_a_bad_proxy_network_is_a_sentence() -> None:
    with pytest.raises(ValueError, match="is not an address or a network"):
        TrustedProxies.parse(["10.0.0.0/33"])
