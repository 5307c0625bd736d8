"""Fetch web pages and feeds safely: one shared httpx client, bounded redirects (each hop
re-checked by the address guard, :mod:`news.sources.guard`), a cap on the decoded bytes of a body
(gzip/deflate undone under the cap, :mod:`news.sources.inflate`), content-type checks, charset
decoding (:mod:`news.sources.decode`) and conditional GET. Every failure is a
:class:`FetchError` with a user-facing reason.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import httpx

from config.settings import Settings
from news.sources.decode import decode_html
from news.sources.errors import FetchError, FetchErrorKind
from news.sources.guard import GuardedBackend, check_url
from news.sources.inflate import ACCEPT_ENCODING, Inflater
from news.text import looks_like_html

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

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_FEED_HINTS = ("xml", "rss", "atom", "rdf", "text/html", "text/plain", "octet-stream")
_CHUNK = 64 * 1024
_PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
_FEED_ACCEPT = (
    "application/rss+xml,application/atom+xml,application/rdf+xml,application/xml;q=0.9,"
    "text/xml;q=0.9,*/*;q=0.1"
)


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


def _content_type(headers: httpx.Headers) -> tuple[str, str | None]:
    raw = headers.get("content-type", "")
    mime, _, params = raw.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    return mime.strip().lower(), charset


def _page_mime(headers: httpx.Headers) -> str:
    """The page's media type; "" when unlabeled (application/octet-stream too: sniffed)."""
    mime = _content_type(headers)[0]
    return "" if mime == "application/octet-stream" else mime


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
        """GET an HTML page. Bodies beyond ``fetch_max_bytes`` (decoded) are cut
        (``truncated=True``); the page is still read, from what came.

        The address guard applies to every URL and every redirect hop, whoever supplied it
        (feed entries link to third parties); ``user_supplied`` only tags the logs.
        """
        started = asyncio.get_running_loop().time()

        def refuse(response: httpx.Response) -> None:
            if response.status_code == 304:  # never asked for: nothing to read
                raise _status_error(304, url)
            mime = _page_mime(response.headers)
            if mime and mime not in _HTML_TYPES:
                raise FetchError(
                    "not_html", f"The link is not a web page (it is {mime}).", url=url
                )

        response, final_url, body, truncated = await self._get(
            url, {"Accept": _PAGE_ACCEPT}, refuse, "The site took too long to answer."
        )
        mime = _page_mime(response.headers)
        charset = _content_type(response.headers)[1]
        if not mime and not looks_like_html(body):
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

        def refuse(response: httpx.Response) -> None:
            mime, _ = _content_type(response.headers)
            if response.status_code != 304 and mime and not any(h in mime for h in _FEED_HINTS):
                raise FetchError("not_html", f"The link is not a feed (it is {mime}).", url=url)

        response, final_url, body, truncated = await self._get(
            url, headers, refuse, "The feed took too long to answer."
        )
        if response.status_code == 304:
            return FeedResponse(
                url=final_url,
                status=304,
                body=b"",
                etag=response.headers.get("etag") or etag,
                last_modified=response.headers.get("last-modified") or last_modified,
            )
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

    async def _get(
        self,
        url: str,
        headers: dict[str, str],
        refuse: Callable[[httpx.Response], None],
        too_slow: str,
    ) -> tuple[httpx.Response, str, bytes, bool]:
        """GET under the whole-request deadline: open (redirects re-checked), let ``refuse``
        raise on the response's status and headers, then read the capped body (none for a 304).

        Returns the closed response, the final URL, the body and whether it was cut.
        """
        body, truncated = b"", False
        try:
            async with asyncio.timeout(self._deadline()):
                response, final_url = await self._open(url, headers)
                try:
                    refuse(response)
                    if response.status_code != 304:
                        body, truncated = await self._read(response, final_url)
                finally:
                    await response.aclose()
        except TimeoutError:
            raise FetchError("timeout", too_slow, url=url) from None
        return response, final_url, body, truncated

    async def _open(self, url: str, headers: dict[str, str]) -> tuple[httpx.Response, str]:
        """Send GET, following redirects by hand with every hop re-checked by the guard.

        Returns a streaming 2xx/304 response (the caller closes it) and the final URL.
        """
        current = url
        for _hop in range(self._settings.fetch_max_redirects + 1):
            checked = await check_url(current, allow_loopback=self._settings.allow_loopback)
            try:
                request = self._client.build_request(
                    "GET", checked, headers={"Accept-Encoding": ACCEPT_ENCODING, **headers}
                )
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
        """Read at most ``fetch_max_bytes`` of the decoded body; True when cut.

        The raw (wire) bytes are decoded here under the same cap (:class:`Inflater`), not by
        httpx, so a compression bomb stops at the cap instead of inflating one network chunk
        into hundreds of megabytes first.
        """
        cap = self._settings.fetch_max_bytes
        inflater = Inflater(response.headers.get("content-encoding", ""), url)
        chunks: list[bytes] = []
        size = wire = 0
        try:
            async for raw in response.aiter_raw(_CHUNK):
                wire += len(raw)
                chunk = inflater.decode(raw, cap - size)
                if size + len(chunk) > cap or wire > cap:  # wire: junk after a gzip stream
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
