"""The address guard: which URLs may be fetched at all, checked before each request
(:func:`check_url`) and again at connect time (:class:`GuardedBackend`, against DNS rebinding).

Refused: non-http(s) schemes, credentials in the URL, and hosts that resolve to loopback (unless
allowed), private, link-local (cloud metadata), CGNAT, multicast, reserved or unspecified
addresses, including the IPv4-mapped, 6to4 and NAT64 IPv6 forms of those.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Iterable

import httpcore
import httpx

from news.sources.errors import FetchError

__all__ = ["GuardedBackend", "check_url"]

logger = logging.getLogger(__name__)

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_REFUSED = "The link points to a private or local network address, which is not fetched."


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that resolves names itself, refuses private addresses
    (:func:`check_url`'s rules) and connects to the checked address, never re-resolving."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend, *, allow_loopback: bool) -> None:
        self._inner = inner
        self._allow_loopback = allow_loopback

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's backend interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await _resolve(host, port)
        except (socket.gaierror, UnicodeError, OSError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        if not addresses:
            raise httpcore.ConnectError(f"cannot resolve {host}")
        for address in addresses:
            if _blocked(_ip(address), self._allow_loopback):
                logger.warning("refused connection to %s: resolves to %s", host, address)
                raise FetchError("refused", _REFUSED)
        error: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address.split("%", 1)[0],
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's backend interface
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def _blocked(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, allow_loopback: bool) -> bool:
    """True when ``ip`` is not a public unicast address (loopback passes if allowed)."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return _blocked(embedded, allow_loopback)
    if ip.is_loopback:
        return not allow_loopback
    return (
        not ip.is_global
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or (isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT)
    )


def _ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The address as an ip object; something unparsable counts as unspecified (refused)."""
    try:
        return ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return ipaddress.IPv4Address(0)


def _parse(url: str) -> httpx.URL:
    text = url.strip()
    if not text:
        raise FetchError("invalid_url", "The link is empty.", url=url)
    try:
        parsed = httpx.URL(text)
    except (httpx.InvalidURL, ValueError, TypeError):
        raise FetchError(
            "invalid_url", "That does not look like a valid web link.", url=url
        ) from None
    if parsed.scheme not in ("http", "https"):
        raise FetchError("invalid_url", "Only http:// and https:// links can be fetched.", url=url)
    if not parsed.host:
        raise FetchError("invalid_url", "The link has no host name.", url=url)
    if parsed.userinfo:
        raise FetchError(
            "invalid_url", "Links with a user name or password in them are not fetched.", url=url
        )
    return parsed.copy_with(fragment=None)


async def _resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, through the running loop's resolver."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def check_url(url: str, *, allow_loopback: bool) -> str:
    """Validate ``url`` and every address its host resolves to; return the normalized URL.

    Refuses non-http(s) schemes, credentials in the URL, and hosts that resolve to loopback
    (unless ``allow_loopback``), private, link-local (cloud metadata), CGNAT, multicast,
    reserved or unspecified addresses, including IPv4-mapped/6to4/NAT64 IPv6 forms of those.
    """
    parsed = _parse(url)
    host = parsed.host
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        addresses = await _resolve(host, port)
    except (socket.gaierror, UnicodeError, OSError):
        raise FetchError(
            "unreachable", "The site's address could not be found.", url=url
        ) from None
    if not addresses:
        raise FetchError("unreachable", "The site's address could not be found.", url=url)
    for address in addresses:
        ip = _ip(address)
        if _blocked(ip, allow_loopback):
            logger.info("refused %s: %s resolves to %s", host, url, ip)
            raise FetchError("refused", _REFUSED, url=url)
    return str(parsed)
