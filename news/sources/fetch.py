"""Fetch web pages and feeds safely: one shared httpx client, a guard against private addresses,
bounded redirects (each hop re-checked), a byte cap on bodies, content-type checks, charset
detection and conditional GET. Every failure is a :class:`FetchError` with a user-facing reason.
"""

from __future__ import annotations

import asyncio
import codecs
import ipaddress
import logging
import re
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import charset_normalizer
import httpcore
import httpx

from config.settings import Settings

__all__ = [
    "FeedResponse",
    "FetchError",
    "FetchErrorKind",
    "Fetcher",
    "GuardedBackend",
    "Page",
    "check_url",
    "decode_html",
    "make_client",
]

logger = logging.getLogger(__name__)

FetchErrorKind = Literal[
    "invalid_url", "refused", "unreachable", "timeout", "http_status", "too_large", "not_html",
    "decode",
]  # fmt: skip

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_FEED_HINTS = ("xml", "rss", "atom", "rdf", "text/html", "text/plain", "octet-stream")
_CHUNK = 64 * 1024
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
_FEED_ACCEPT = (
    "application/rss+xml,application/atom+xml,application/rdf+xml,application/xml;q=0.9,"
    "text/xml;q=0.9,*/*;q=0.1"
)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.IGNORECASE
)
_LATIN1_FAMILY = frozenset({"latin_1", "iso8859-1", "cp1252", "ascii"})
_LATIN_CODEPAGES = frozenset(
    {"cp1250", "cp1252", "cp1257", "cp775", "cp850", "cp437", "mac-roman", "mac-latin2",
     "iso8859-1", "iso8859-2", "iso8859-3", "iso8859-4", "iso8859-9", "iso8859-10", "iso8859-13",
     "iso8859-14", "iso8859-15", "iso8859-16"}
)  # fmt: skip
_CENTRAL_EUROPEAN = frozenset(
    {"Polish", "Czech", "Slovak", "Hungarian", "Croatian", "Slovene", "Romanian", "Lithuanian",
     "Latvian", "Estonian", "Turkish"}
)  # fmt: skip


class FetchError(Exception):
    """A page or feed could not be fetched; ``reason`` is one short user-facing sentence."""

    def __init__(
        self, kind: FetchErrorKind, reason: str, *, status: int | None = None, url: str = ""
    ) -> None:
        super().__init__(reason)
        self.kind: FetchErrorKind = kind
        self.reason = reason
        self.status = status
        self.url = url

    def __repr__(self) -> str:
        return f"FetchError(kind={self.kind!r}, reason={self.reason!r}, status={self.status!r})"


@dataclass(frozen=True)
class Page:
    """A fetched HTML page; ``url`` is the final URL after redirects."""

    url: str
    status: int
    content_type: str
    body: bytes
    text: str
    encoding: str | None
    truncated: bool
    headers: Mapping[str, str] = field(repr=False)


@dataclass(frozen=True)
class FeedResponse:
    """A fetched feed; ``status`` 304 (empty ``body``) means unchanged since the validators."""

    url: str
    status: int
    body: bytes
    etag: str | None
    last_modified: str | None


def make_client(settings: Settings) -> httpx.AsyncClient:
    """The one shared HTTP client configuration (redirects are followed by :class:`Fetcher`).

    Its transport re-checks every address at connect time (:class:`GuardedBackend`), so a name
    that resolves to a public address for :func:`check_url` and to a private one a moment later
    (DNS rebinding) is still refused. ``trust_env=False``: an environment proxy would resolve
    names itself, bypassing the guard.
    """
    timeout = httpx.Timeout(settings.fetch_timeout, connect=min(settings.fetch_timeout, 10.0))
    limits = httpx.Limits(
        max_connections=max(20, settings.feed_concurrency * 4), max_keepalive_connections=20
    )
    transport = httpx.AsyncHTTPTransport(limits=limits, trust_env=False)
    pool = getattr(transport, "_pool", None)
    if pool is not None and hasattr(pool, "_network_backend"):
        pool._network_backend = GuardedBackend(
            pool._network_backend, allow_loopback=settings.allow_loopback
        )
    else:  # an httpx/httpcore layout we do not know: the per-hop check_url guard remains
        logger.warning("connect-time address guard not installed; check_url still applies")
    return httpx.AsyncClient(
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
        transport=transport,
        headers={"User-Agent": settings.user_agent, "Accept-Language": "en;q=0.9,*;q=0.5"},
    )


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
                raise FetchError(
                    "refused",
                    "The link points to a private or local network address, which is not fetched.",
                )
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


# -- the address guard ---------------------------------------------------------------------------
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
            raise FetchError(
                "refused",
                "The link points to a private or local network address, which is not fetched.",
                url=url,
            )
    return str(parsed)


# -- decoding ------------------------------------------------------------------------------------
def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def _try_decode(body: bytes, encoding: str, final: bool) -> str | None:
    try:
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        return str(decoder.decode(body, final=final))
    except (UnicodeDecodeError, LookupError):
        return None


def decode_html(
    body: bytes, header_charset: str | None = None, *, truncated: bool = False
) -> tuple[str, str]:
    """Decode an HTML body: BOM, then the HTTP header charset, then ``<meta charset>``, then
    UTF-8, then charset-normalizer; never raises (bad bytes become U+FFFD).

    A header claiming Latin-1/cp1252 over bytes that are valid UTF-8 is overruled (a common lie).
    Returns ``(text, encoding)``.
    """
    final = not truncated
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):  # fmt: skip
        if body.startswith(bom):
            return body.decode(name, errors="replace"), name
    is_utf8 = _try_decode(body, "utf-8", final)
    candidates = [_codec(header_charset)]
    meta = _META_CHARSET.search(body[:8192])
    if meta:
        candidates.append(_codec(meta.group(1).decode("ascii", "ignore")))
    for encoding in candidates:
        if encoding is None or encoding.startswith("utf-16"):  # a meta utf-16 in 8-bit bytes lies
            continue
        if encoding in _LATIN1_FAMILY and is_utf8 is not None and not body.isascii():
            return is_utf8, "utf-8"
        text = _try_decode(body, encoding, final)
        if text is not None:
            return text, encoding
    if is_utf8 is not None:
        return is_utf8, "utf-8"
    encoding = _guess(body)
    return body.decode(encoding, errors="replace"), encoding


def _guess(body: bytes) -> str:
    """charset-normalizer's guess, nudged to windows-1252 for Western Latin-script text.

    The detector often ranks rarer Latin code pages (cp1257, mac_latin2) first on short French
    or German pages; browsers default unlabeled pages to windows-1252, and so do we when the
    detected language does not need a Central/Eastern European code page.
    """
    best = charset_normalizer.from_bytes(body[:200_000]).best()
    encoding = _codec(best.encoding if best is not None else None) or "utf-8"
    if (
        best is not None
        and encoding in _LATIN_CODEPAGES
        and best.language not in _CENTRAL_EUROPEAN
        and _try_decode(body, "cp1252", final=True) is not None
    ):
        return "cp1252"
    return encoding


def _content_type(headers: httpx.Headers) -> tuple[str, str | None]:
    raw = headers.get("content-type", "")
    mime, _, params = raw.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    return mime.strip().lower(), charset


def _looks_like_html(body: bytes) -> bool:
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<!--"))


def _status_error(status: int, url: str) -> FetchError:
    if status == 404 or status == 410:
        reason = f"The page was not found (HTTP {status})."
    elif status in (401, 403):
        reason = f"The site refused access to the page (HTTP {status})."
    elif status == 429:
        reason = "The site is limiting requests right now (HTTP 429); try again later."
    elif status >= 500:
        reason = f"The site had an error (HTTP {status}); try again later."
    else:
        reason = f"The site answered with HTTP {status}."
    return FetchError("http_status", reason, status=status, url=url)


class Fetcher:
    """Fetches pages and feeds through one shared client; see the module docstring."""

    def __init__(self, settings: Settings, client: httpx.AsyncClient | None = None) -> None:
        self._settings = settings
        self._owns_client = client is None
        self._client = client if client is not None else make_client(settings)

    @property
    def client(self) -> httpx.AsyncClient:
        return self._client

    async def aclose(self) -> None:
        """Close the client if this fetcher created it."""
        if self._owns_client:
            await self._client.aclose()

    async def fetch_page(self, url: str, *, user_supplied: bool = True) -> Page:
        """GET an HTML page. Bodies beyond ``fetch_max_bytes`` are cut (``truncated=True``).

        The address guard applies to every URL and every redirect hop, whoever supplied it
        (feed entries link to third parties); ``user_supplied`` only tags the logs.
        """
        started = asyncio.get_running_loop().time()
        try:
            async with asyncio.timeout(self._deadline()):
                response, final_url = await self._open(url, {"Accept": _PAGE_ACCEPT})
                try:
                    if response.status_code == 304:  # never asked for: nothing to read
                        raise _status_error(304, url)
                    mime, charset = _content_type(response.headers)
                    if mime == "application/octet-stream":  # unlabeled: sniff the bytes
                        mime = ""
                    if mime and mime not in _HTML_TYPES:
                        raise FetchError(
                            "not_html", f"The link is not a web page (it is {mime}).", url=url
                        )
                    body, truncated = await self._read(response, final_url)
                finally:
                    await response.aclose()
        except TimeoutError:
            raise FetchError("timeout", "The site took too long to answer.", url=url) from None
        if not mime and not _looks_like_html(body):
            raise FetchError("not_html", "The link is not a web page.", url=url)
        text, encoding = decode_html(body, charset, truncated=truncated)
        logger.debug(
            "fetched %s page %s: %d bytes%s in %.2fs",
            "user" if user_supplied else "feed",
            final_url,
            len(body),
            " (truncated)" if truncated else "",
            asyncio.get_running_loop().time() - started,
        )
        return Page(
            url=final_url,
            status=response.status_code,
            content_type=mime or "text/html",
            body=body,
            text=text,
            encoding=encoding,
            truncated=truncated,
            headers=httpx.Headers(response.headers),
        )

    async def fetch_feed(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FeedResponse:
        """GET a feed with conditional headers; a 304 comes back as ``status=304``, no body."""
        headers = {"Accept": _FEED_ACCEPT}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            async with asyncio.timeout(self._deadline()):
                response, final_url = await self._open(url, headers)
                try:
                    if response.status_code == 304:
                        return FeedResponse(
                            url=final_url,
                            status=304,
                            body=b"",
                            etag=response.headers.get("etag") or etag,
                            last_modified=response.headers.get("last-modified") or last_modified,
                        )
                    mime, _ = _content_type(response.headers)
                    if mime and not any(hint in mime for hint in _FEED_HINTS):
                        raise FetchError(
                            "not_html", f"The link is not a feed (it is {mime}).", url=url
                        )
                    body, truncated = await self._read(response, final_url)
                finally:
                    await response.aclose()
        except TimeoutError:
            raise FetchError("timeout", "The feed took too long to answer.", url=url) from None
        if truncated:
            raise FetchError(
                "too_large",
                f"The feed is larger than {self._settings.fetch_max_bytes:,} bytes.",
                url=url,
            )
        return FeedResponse(
            url=final_url,
            status=response.status_code,
            body=body,
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
        )

    # -- internals -------------------------------------------------------------------------
    def _deadline(self) -> float:
        """Whole-request budget: redirects plus body, so a trickling server cannot hold us."""
        return self._settings.fetch_timeout * 2

    async def _open(self, url: str, headers: dict[str, str]) -> tuple[httpx.Response, str]:
        """Send GET, following redirects by hand with every hop re-checked by the guard.

        Returns a streaming 2xx/304 response (the caller closes it) and the final URL.
        """
        current = url
        for _hop in range(self._settings.fetch_max_redirects + 1):
            checked = await check_url(current, allow_loopback=self._settings.allow_loopback)
            try:
                request = self._client.build_request("GET", checked, headers=headers)
                response = await self._client.send(request, stream=True, follow_redirects=False)
            except httpx.TimeoutException:
                raise FetchError("timeout", "The site took too long to answer.", url=url) from None
            except (httpx.InvalidURL, httpx.UnsupportedProtocol):
                raise FetchError("invalid_url", "That does not look like a valid web link.",
                                 url=url) from None  # fmt: skip
            except httpx.HTTPError as exc:
                logger.info("fetch %s failed: %r", checked, exc)
                raise FetchError(
                    "unreachable", "Could not connect to the site.", url=url
                ) from None
            status = response.status_code
            if status in _REDIRECTS:
                location = response.headers.get("location")
                await response.aclose()
                if not location:
                    raise FetchError(
                        "http_status", "The site redirected nowhere.", status=status, url=url
                    )
                try:
                    current = str(httpx.URL(checked).join(location.strip()))
                except (httpx.InvalidURL, ValueError):
                    raise FetchError(
                        "invalid_url", "The site redirected to an invalid link.", url=url
                    ) from None
                continue
            if status == 304 or 200 <= status < 300:
                return response, checked
            await response.aclose()
            raise _status_error(status, url)
        raise FetchError("unreachable", "The link redirects too many times.", url=url)

    async def _read(self, response: httpx.Response, url: str) -> tuple[bytes, bool]:
        """Read at most ``fetch_max_bytes`` of the (decompressed) body; True when cut."""
        cap = self._settings.fetch_max_bytes
        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in response.aiter_bytes(_CHUNK):
                if size + len(chunk) > cap:
                    chunks.append(chunk[: cap - size])
                    return b"".join(chunks), True
                chunks.append(chunk)
                size += len(chunk)
        except httpx.TimeoutException:
            raise FetchError("timeout", "The site took too long to answer.", url=url) from None
        except httpx.HTTPError as exc:
            logger.info("reading %s failed: %r", url, exc)
            raise FetchError(
                "unreachable", "The connection broke while reading the page.", url=url
            ) from None
        return b"".join(chunks), False
