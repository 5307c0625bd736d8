"""Documents: a user sends a file (a message with a ``document``), the bot asks ``getFile`` and
downloads it from ``{origin}/file/bot<token>/<file_path>``, and sends files back with
``sendDocument`` (multipart). Files are kept in memory, by ``file_id``; what the bot sent is
read with :meth:`DocumentMethods.sent_documents`.

Telegram's limits that matter here: bots download files of up to 20 MB (``getFile`` answers
"file is too big" beyond) and upload up to 50 MB.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import time
from dataclasses import dataclass
from typing import Any, cast

from aiohttp import web

from standin.control import ControlAPI
from standin.methods import BotAPIMethods
from standin.models import BotAPIError, Injected, bad_request
from standin.params import chat_key
from standin.text import EntityParseError, parse_text

__all__ = ["MAX_DOWNLOAD", "MAX_UPLOAD", "DocumentMethods", "SentDocument"]

MAX_DOWNLOAD = 20 * 1024 * 1024
MAX_UPLOAD = 50 * 1024 * 1024
MAX_CAPTION = 1024


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    name: str
    mime_type: str
    data: bytes

    @property
    def path(self) -> str:
        return f"documents/{self.file_unique_id}"


@dataclass(frozen=True)
class SentDocument:
    """A file the bot sent (``id`` is shared with the sent messages and events)."""

    id: int
    chat_id: int | str
    message_id: int
    file_name: str
    mime_type: str
    data: bytes
    caption: str | None


class DocumentMethods(ControlAPI, BotAPIMethods):
    """Files both ways: users' documents, ``getFile`` and its download, ``sendDocument``."""

    _file_seq = itertools.count(1)

    # ----------------------------------------------------------------- state (made on first use)

    @property
    def _files(self) -> dict[str, StoredFile]:
        files: dict[str, StoredFile] | None = self.__dict__.get("_standin_files")
        if files is None:
            files = self.__dict__["_standin_files"] = {}
        return files

    @property
    def _sent_documents(self) -> list[SentDocument]:
        sent: list[SentDocument] | None = self.__dict__.get("_standin_sent_documents")
        if sent is None:
            sent = self.__dict__["_standin_sent_documents"] = []
        return sent

    def _store_file(self, data: bytes, name: str, mime_type: str) -> StoredFile:
        number = next(self._file_seq)
        stored = StoredFile(
            file_id=f"BQACAgIAAx{number:08d}",
            file_unique_id=f"AgAD{number:06d}",
            name=name,
            mime_type=mime_type,
            data=bytes(data),
        )
        self._files[stored.file_id] = stored
        return stored

    @staticmethod
    def _document_json(stored: StoredFile) -> dict[str, Any]:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": stored.name,
            "mime_type": stored.mime_type,
            "file_size": len(stored.data),
        }

    # ----------------------------------------------------------------- Python API

    async def inject_document(
        self,
        chat_id: int,
        data: bytes,
        *,
        file_name: str,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
        user_id: int | None = None,
        chat_type: str = "private",
    ) -> Injected:
        """A user sends a file as a document (the bot sees a message with ``document``)."""
        if not isinstance(data, bytes | bytearray):
            raise ValueError("data must be bytes")

        def inject() -> Injected:
            user, chat = self._sender(chat_id, file_name or "file", user_id, chat_type, None,
                                      None, None)  # fmt: skip
            stored = self._store_file(bytes(data), file_name, mime_type)
            self._message_ids[chat["id"]] += 1
            message_id = self._message_ids[chat["id"]]
            message: dict[str, Any] = {
                "message_id": message_id,
                "from": user,
                "chat": chat,
                "date": int(time.time()),
                "document": self._document_json(stored),
            }
            if caption:
                message["caption"] = caption
            self._messages[(chat["id"], message_id)] = message
            update_id = self._push_update("message", message)
            return Injected(update_id, message_id, (update_id,), (message_id,))

        return await self._on_loop(inject)

    def sent_documents(
        self, chat_id: int | str | None = None, after_id: int = 0
    ) -> list[SentDocument]:
        """Files the bot sent, oldest first."""
        return [
            d
            for d in list(self._sent_documents)
            if d.id > after_id and (chat_id is None or str(d.chat_id) == str(chat_id))
        ]

    # ----------------------------------------------------------------- Bot API

    def _document_methods(self) -> dict[str, Any]:
        """The Bot API methods of this module, for the method table."""
        return {"getFile": self._get_file, "sendDocument": self._send_document}

    def _add_document_routes(self, app: web.Application) -> None:
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._download_file)
        # POST /control/document {chat_id, file_name, data_base64, mime_type?, caption?,
        # user_id?, chat_type?} -> {update_id, message_id}: a user sends a file.
        app.router.add_route("POST", "/control/document", self._control(self._control_document))
        # GET /control/documents?chat_id=&after_id= -> {documents: [{..., data_base64}]}
        app.router.add_route("GET", "/control/documents", self._control(self._control_documents))

    async def _control_document(self, request: web.Request) -> dict[str, Any]:
        body = await self._body(request)
        try:
            data = base64.b64decode(str(body["data_base64"]), validate=True)
        except binascii.Error:
            raise ValueError("data_base64 is not base64") from None
        injected = await self.inject_document(
            int(body["chat_id"]),
            data,
            file_name=str(body["file_name"]),
            mime_type=str(body.get("mime_type") or "application/octet-stream"),
            caption=body.get("caption"),
            user_id=int(body["user_id"]) if body.get("user_id") is not None else None,
            chat_type=str(body.get("chat_type") or "private"),
        )
        return {"update_id": injected.update_id, "message_id": injected.message_id}

    async def _control_documents(self, request: web.Request) -> dict[str, Any]:
        sent = self.sent_documents(
            self._query_chat(request), self._query_int(request, "after_id", 0)
        )
        return {
            "documents": [
                {
                    "id": d.id,
                    "chat_id": d.chat_id,
                    "message_id": d.message_id,
                    "file_name": d.file_name,
                    "mime_type": d.mime_type,
                    "caption": d.caption,
                    "data_base64": base64.b64encode(d.data).decode("ascii"),
                }
                for d in sent
            ]
        }

    async def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.data) > MAX_DOWNLOAD:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.path,
        }

    async def _download_file(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        if self._token is not None and token != self._token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        path = request.match_info["path"]
        for stored in list(self._files.values()):
            if stored.path == path:
                self._calls["file download"] += 1
                return web.Response(body=stored.data, content_type="application/octet-stream")
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )

    async def _send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = chat_key(params.get("chat_id"))
        name, mime, data = self._upload(params)
        caption = params.get("caption")
        plain, entities = "", cast("list[dict[str, Any]]", [])
        if caption:
            try:
                plain, entities = parse_text(str(caption), params.get("parse_mode"))
            except EntityParseError as exc:
                raise bad_request(f"can't parse entities: {exc}") from None
            if self.limits.enforce and len(plain) > MAX_CAPTION:
                raise bad_request("message caption is too long")
        self._check_chat_open(chat_id)
        self._check_flood(chat_id)
        stored = self._store_file(data, name, mime)
        self._message_ids[chat_id] += 1
        message_id = self._message_ids[chat_id]
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": self.bot_user,
            "chat": self._chat_object(chat_id),
            "date": int(time.time()),
            "document": self._document_json(stored),
        }
        if caption:
            message["caption"] = plain
            if entities:
                message["caption_entities"] = entities
        self._messages[(chat_id, message_id)] = message
        self._accepted[chat_id] += 1
        # As a sent message too (its caption as the text), so waiting for an answer sees it.
        shown = {**message, "text": plain, "entities": entities}
        self._add_sent("sendDocument", chat_id, shown, str(caption or ""), params, None, None)
        self._sent_documents.append(
            SentDocument(
                id=self._sent[-1].id,
                chat_id=chat_id,
                message_id=message_id,
                file_name=name,
                mime_type=mime,
                data=data,
                caption=plain or None,
            )
        )
        return message

    def _upload(self, params: dict[str, Any]) -> tuple[str, str, bytes]:
        """(file name, media type, bytes) of the ``document`` parameter: a multipart upload
        (directly or as ``attach://name``) or the ``file_id`` of a stored file."""
        value = params.get("document")
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value[len("attach://") :])
        data = getattr(value, "data", None)
        if isinstance(value, dict) and isinstance(data, bytes):
            if len(data) > MAX_UPLOAD:
                raise BotAPIError(413, "Request Entity Too Large")
            if not data:
                raise bad_request("file must be non-empty")
            name = str(value.get("file") or "document")
            mime = str(value.get("content_type") or "application/octet-stream")
            return name, mime, data
        if isinstance(value, str) and value in self._files:
            stored = self._files[value]
            return stored.name, stored.mime_type, stored.data
        raise bad_request("there is no document in the request")
