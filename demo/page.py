"""The demo's chat page and its small API: the static files under ``demo/web``, the sample
batches, and a proxy to the stand-in's control API that speaks for the demo chat only."""

from __future__ import annotations

import base64
import time
from importlib import resources
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, web

from demo.options import DEMO_CHAT_ID, DEMO_USER, DemoOptions, say
from demo.samples import SampleSite
from demo.samples.site import SAMPLE_OPML
from standin.thread import start_app

__all__ = ["DemoServer"]

# Control API calls the page may make (through this server, for the demo chat only).
_PROXIED_GET = ("sent", "wait", "events", "documents")
_MAX_UPLOAD = 1_000_000  # bytes of a file the page may send (the bot reads OPML up to 1 MB)


@web.middleware
async def _headers(request: web.Request, handler: Any) -> web.StreamResponse:
    response: web.StreamResponse = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Cache-Control", "no-store")
    return response


class DemoServer:
    """The chat page and its small API: static files, the sample batches, and a proxy to the
    stand-in's control API restricted to the demo chat."""

    def __init__(self, site: SampleSite, control_url: str, options: DemoOptions) -> None:
        self.site = site
        self.control_url = control_url.rstrip("/")
        self.options = options
        self.ready = False
        self.next_release_at: float | None = None
        self._web_root = resources.files("demo") / "web"
        self._client: ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self.url: str | None = None

    def make_app(self) -> web.Application:
        app = web.Application(middlewares=[_headers])
        app.router.add_get("/", self._index)
        app.router.add_get("/app.js", self._static)
        app.router.add_get("/style.css", self._static)
        app.router.add_get("/api/demo", self._demo_state)
        app.router.add_post("/api/demo/release", self._release)
        app.router.add_post("/api/message", self._message)
        app.router.add_post("/api/callback", self._callback)
        app.router.add_post("/api/document", self._document)
        for name in _PROXIED_GET:
            app.router.add_get(f"/api/{name}", self._proxy_get)
        return app

    async def start(self) -> str:
        """Serve the page on the options' host and port; returns its URL."""
        self._client = ClientSession(timeout=ClientTimeout(total=150))
        try:
            self._runner, port = await start_app(
                self.make_app(), self.options.host, self.options.port, shutdown_timeout=1.0
            )
        except OSError:
            await self._client.close()
            raise
        self.url = f"http://{self.options.host}:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._client is not None:
            await self._client.close()
            self._client = None

    # --- batches -------------------------------------------------------------------------
    def release_next(self) -> int | None:
        """Publish the next unreleased sample batch; returns its number (None: all out)."""
        pending = [b for b in self.site.batches if b not in self.site.released]
        if not pending:
            return None
        articles = self.site.release(pending[0])
        self.next_release_at = None
        say(f"published sample batch {pending[0]} ({len(articles)} new articles in the feed)")
        return pending[0]

    def state(self) -> dict[str, Any]:
        left = None
        if self.next_release_at is not None:
            left = max(0.0, self.next_release_at - time.monotonic())
        return {
            "ready": self.ready,
            "chat_id": DEMO_CHAT_ID,
            "bot_name": "newsbrief",
            "batches": list(self.site.batches),
            "released": list(self.site.released),
            "next_release_in": left,
            "articles": len(self.site.articles()),
            "feed_url": self.site.feed_url if self.site.base_url else None,
        }

    # --- handlers ------------------------------------------------------------------------
    async def _index(self, request: web.Request) -> web.StreamResponse:
        if not self.ready:
            return web.Response(text=_STARTING_PAGE, content_type="text/html")
        text = (self._web_root / "index.html").read_text(encoding="utf-8")
        return web.Response(text=text, content_type="text/html")

    async def _static(self, request: web.Request) -> web.StreamResponse:
        name = request.path.lstrip("/")
        kind = "application/javascript" if name.endswith(".js") else "text/css"
        text = (self._web_root / name).read_text(encoding="utf-8")
        return web.Response(text=text, content_type=kind)

    async def _demo_state(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(self.state())

    async def _release(self, request: web.Request) -> web.StreamResponse:
        self.release_next()
        return web.json_response(self.state())

    async def _json_body(self, request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text="the body must be JSON") from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="the body must be a JSON object")
        return body

    async def _message(self, request: web.Request) -> web.StreamResponse:
        body = await self._json_body(request)
        text = str(body.get("text") or "").strip()
        if not text:
            raise web.HTTPBadRequest(text="empty message")
        payload = {"chat_id": DEMO_CHAT_ID, "text": text[:10_000], **DEMO_USER}
        return await self._forward("POST", "message", json=payload)

    async def _callback(self, request: web.Request) -> web.StreamResponse:
        body = await self._json_body(request)
        try:
            message_id = int(body["message_id"])
            data = str(body["data"])
        except (KeyError, TypeError, ValueError):
            raise web.HTTPBadRequest(text="message_id and data are required") from None
        payload = {
            "chat_id": DEMO_CHAT_ID,
            "message_id": message_id,
            "data": data,
            "user_id": DEMO_CHAT_ID,
        }
        return await self._forward("POST", "callback", json=payload)

    async def _document(self, request: web.Request) -> web.StreamResponse:
        """The user sends a file: the sample OPML list ({"sample": true}) or their own
        ({"file_name", "data_base64"}), as a document in the demo chat."""
        body = await self._json_body(request)
        if body.get("sample"):
            data = self.site.sample_opml(self.site.base_url or "")
            name = SAMPLE_OPML
            encoded = base64.b64encode(data).decode("ascii")
        else:
            name = str(body.get("file_name") or "file")[:200]
            encoded = str(body.get("data_base64") or "")
            if not encoded or len(encoded) > _MAX_UPLOAD * 4 // 3 + 4:
                raise web.HTTPRequestEntityTooLarge(
                    max_size=_MAX_UPLOAD, actual_size=len(encoded) * 3 // 4
                )
        payload = {
            "chat_id": DEMO_CHAT_ID,
            "file_name": name,
            "mime_type": "text/x-opml" if name.lower().endswith(".opml") else "",
            "data_base64": encoded,
        }
        return await self._forward("POST", "document", json=payload)

    async def _proxy_get(self, request: web.Request) -> web.StreamResponse:
        name = request.path.rsplit("/", 1)[-1]
        params = {"chat_id": str(DEMO_CHAT_ID)}
        for key in ("after_id", "timeout", "limit"):
            if key in request.query:
                params[key] = request.query[key]
        if name == "events":
            params.pop("chat_id")  # events are filtered by the page (chat_id per event)
        return await self._forward("GET", name, params=params)

    async def _forward(
        self,
        method: str,
        name: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> web.StreamResponse:
        if not self.ready:
            raise web.HTTPServiceUnavailable(text="the demo is still starting")
        assert self._client is not None
        try:
            async with self._client.request(
                method, f"{self.control_url}/{name}", json=json, params=params
            ) as response:
                body = await response.read()
                return web.Response(
                    body=body, status=response.status, content_type="application/json"
                )
        except (ClientError, TimeoutError):
            raise web.HTTPBadGateway(text="the Bot API stand-in is not answering") from None


_STARTING_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="2"><title>newsbrief demo: starting</title></head>
<body style="font-family:sans-serif;text-align:center;margin-top:20vh;color:#333">
<h1>newsbrief demo is starting…</h1><p>Loading the summarizer model and ingesting the sample
news. This page reloads by itself.</p></body></html>"""
