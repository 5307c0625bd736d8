"""Undo a response's Content-Encoding under a cap on the DECODED bytes.

httpx inflates each network chunk whole (64 KB of gzip can become 64 MB, and ``gzip, gzip``
multiplies that again), so a compression bomb costs memory before any cap on the decoded stream
sees it. Here zlib is asked for at most the room left under the cap, and what it has not yet
consumed waits in its input tail: memory stays about one cap plus one network chunk whatever
the compression ratio. One coding at most (gzip or deflate, as we advertise); anything else is
refused with a :class:`~news.sources.errors.FetchError`.
"""

from __future__ import annotations

import zlib

from news.sources.errors import FetchError

__all__ = ["ACCEPT_ENCODING", "Inflater"]

ACCEPT_ENCODING = "gzip, deflate"  # exactly what Inflater reads


class Inflater:
    """Decode one body's content coding, never producing more than the room asked for."""

    def __init__(self, content_encoding: str, url: str) -> None:
        codings = [
            c.strip().lower() for c in content_encoding.split(",") if c.strip().lower() not in
            ("", "identity")
        ]  # fmt: skip
        if len(codings) > 1:
            raise FetchError(
                "decode", f"The site sent the page compressed {len(codings)} times over.", url=url
            )
        self._coding = codings[0] if codings else "identity"
        self._url = url
        self._zlib: zlib._Decompress | None = None
        if self._coding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self._coding == "deflate":
            self._zlib = zlib.decompressobj()
        elif self._coding != "identity":
            raise FetchError(
                "decode",
                f"The site sent the page in a compression that is not read ({self._coding}).",
                url=url,
            )
        self._first = True

    def decode(self, data: bytes, room: int) -> bytes:
        """Decoded bytes of ``data`` (after any input held back), at most ``room + 1`` of them:
        more than ``room`` tells the caller the cap is passed."""
        if self._zlib is None:
            return data[: room + 1]
        if self._zlib.eof:  # trailing bytes after the stream's end (another gzip member): ignored
            return b""
        pending = self._zlib.unconsumed_tail + data
        try:
            out = self._zlib.decompress(pending, room + 1)
        except zlib.error:
            if self._coding == "deflate" and self._first:  # raw deflate, without zlib's header
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                self._first = False
                return self.decode(pending, room)
            raise FetchError(
                "decode", "The site sent a page whose compression is broken.", url=self._url
            ) from None
        self._first = False
        return out
