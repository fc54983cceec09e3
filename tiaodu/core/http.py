from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.http import HttpRequest

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def current_user(request: HttpRequest) -> User:
    """The signed-in user of a view that requires login (session or API token)."""
    return cast("User", request.user)


@lru_cache(maxsize=8)
def trusted_proxies(spec: tuple[str, ...]) -> tuple[Network, ...] | None:
    """The networks of ``TIAODU_FORWARDED_ALLOW_IPS``; ``None`` means "*" (every hop is trusted)."""
    if "*" in spec:
        return None
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address from a header element: ``1.2.3.4``, ``1.2.3.4:5678``, ``[::1]:80`` or ``::1``."""
    text = value.strip().strip('"')
    if text.startswith("["):  # [IPv6]:port
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # IPv4:port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, proxies: tuple[Network, ...] | None
) -> bool:
    if proxies is None:
        return True
    return any(address.version == net.version and address in net for net in proxies)


def client_address(request: HttpRequest | None) -> str | None:
    """The address of the client that sent ``request``, as far as the configured proxies vouch for it.

    ``REMOTE_ADDR`` is the peer of the TCP connection. Only when that peer is one of the trusted
    proxies (``TIAODU_FORWARDED_ALLOW_IPS``: addresses or networks) is ``X-Forwarded-For`` read,
    from the right: each trusted proxy appended the address it received the request from, so the
    rightmost address that is not a trusted proxy is the client. Everything to its left was
    written by the client itself and is ignored. A malformed element ends the walk (the hop that
    wrote it cannot be trusted). With ``*`` every hop is trusted and the leftmost address wins.
    """
    if request is None:
        return None
    peer = _parse(request.META.get("REMOTE_ADDR", "") or "")
    if peer is None:
        return None
    proxies = trusted_proxies(tuple(settings.FORWARDED_ALLOW_IPS))
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not forwarded or not _is_trusted(peer, proxies):
        return str(peer)
    client = peer
    for element in reversed(forwarded.split(",")):
        hop = _parse(element)
        if hop is None:
            break
        client = hop
        if not _is_trusted(hop, proxies):
            break
    return str(client)
