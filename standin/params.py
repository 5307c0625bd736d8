"""Reading Bot API parameters the way Telegram reads them: form, query or JSON values, chat ids,
integers, message text with its parse mode, inline keyboards and link preview options. Invalid
values raise :class:`~standin.models.BotAPIError` with Telegram's wording."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from aiohttp import web

from standin.models import bad_request
from standin.text import MAX_CALLBACK_DATA_BYTES, MAX_TEXT_LENGTH, EntityParseError, parse_text

__all__ = [
    "Upload",
    "chat_key",
    "int_param",
    "link_preview",
    "message_text",
    "read_params",
    "reply_markup",
]

# Parameters whose form/query value is a plain string; every other value is JSON-encoded by
# clients such as python-telegram-bot (numbers, booleans, objects like reply_markup).
_STRING_PARAMS = frozenset(
    {
        "text",
        "parse_mode",
        "callback_query_id",
        "action",
        "url",
        "secret_token",
        "inline_message_id",
        "language_code",
        "description",
        "short_description",
        "name",
        "ip_address",
        "business_connection_id",
        "message_effect_id",
        "caption",
        "emoji",
        "title",
    }
)
# Inline keyboard buttons that need neither callback data nor a URL.
_OTHER_BUTTON_KINDS = (
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "web_app",
    "login_url",
    "callback_game",
    "pay",
    "copy_text",
)


def _decode_param(name: str, value: str) -> Any:
    if name in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


async def read_params(request: web.Request) -> dict[str, Any]:
    """A Bot API call's parameters, from its query string and its form or JSON body."""
    params: dict[str, Any] = {k: _decode_param(k, v) for k, v in request.query.items()}
    if not request.can_read_body:
        return params
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON object") from None
        if not isinstance(body, dict):
            raise bad_request("can't parse JSON object")
        for key, value in body.items():
            params[key] = _decode_param(key, value) if isinstance(value, str) else value
            if key in _STRING_PARAMS:
                params[key] = value
    else:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, str):
                params[key] = _decode_param(key, value)
            else:
                params[key] = _upload(value)
    return params


class Upload(dict[str, Any]):
    """A file of a multipart call, recorded as ``{"file": name, "size": n, "content_type": t}``
    (JSON-safe in events); ``data`` holds its bytes (read by ``standin.documents``)."""

    data: bytes = b""


def _upload(field: Any) -> Upload:
    data = field.file.read() if hasattr(field, "file") else b""
    upload = Upload(
        file=getattr(field, "filename", ""),
        size=len(data),
        content_type=getattr(field, "content_type", ""),
    )
    upload.data = data
    return upload


def chat_key(value: Any) -> int | str:
    """A chat id as Telegram takes it: an integer, or "@username"."""
    if isinstance(value, bool):
        raise bad_request("chat not found")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        stripped = value.strip()
        with contextlib.suppress(ValueError):
            return int(stripped)
        if stripped.startswith("@") and len(stripped) > 1:
            return stripped
    if value is None or value == "":
        raise bad_request("chat_id is empty")
    raise bad_request("chat not found")


def int_param(params: dict[str, Any], name: str, default: int | None = None) -> int | None:
    """An integer parameter (``default`` when absent or empty)."""
    value = params.get(name, default)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(f"invalid {name} specified") from None


def message_text(
    params: dict[str, Any], *, enforce: bool
) -> tuple[str, str, list[dict[str, Any]]]:
    """(raw text, plain text, entities) of a text parameter, validated like Telegram."""
    raw = params.get("text")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise bad_request("message text is empty")
    text = str(raw)
    explicit = params.get("entities")
    if isinstance(explicit, list):
        plain, entities = text, [e for e in explicit if isinstance(e, dict)]
    else:
        try:
            plain, entities = parse_text(text, params.get("parse_mode"))
        except EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
        except ValueError:
            raise bad_request("unsupported parse_mode") from None
    if not plain.strip():
        raise bad_request("message text is empty")
    if enforce and len(plain) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")
    return text, plain, entities


def reply_markup(params: dict[str, Any], *, enforce: bool) -> dict[str, Any] | None:
    """The ``reply_markup`` parameter, an inline keyboard checked button by button."""
    markup = params.get("reply_markup")
    if markup is None or markup == "":
        return None
    if isinstance(markup, str):
        try:
            markup = json.loads(markup)
        except ValueError:
            raise bad_request("can't parse reply keyboard markup JSON object") from None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return markup  # reply keyboards, ForceReply, ReplyKeyboardRemove: accepted as is
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            "can't parse inline keyboard markup: "
            'field "inline_keyboard" must be an Array of Arrays'
        )
    for row in rows:
        for button in row:
            _check_button(button, enforce=enforce)
    return markup


def _check_button(button: Any, *, enforce: bool) -> None:
    if not isinstance(button, dict):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    if not isinstance(button.get("text"), str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    if "callback_data" in button:
        data = button["callback_data"]
        size = len(str(data).encode("utf-8"))
        if not isinstance(data, str) or size == 0:
            raise bad_request("BUTTON_DATA_INVALID")
        if enforce and size > MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    elif "url" in button:
        url = str(button["url"]).strip()
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if not url or " " in url or scheme not in {"http", "https", "tg"}:
            raise bad_request("BUTTON_URL_INVALID")
    elif not any(key in button for key in _OTHER_BUTTON_KINDS):
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )


def link_preview(params: dict[str, Any]) -> tuple[dict[str, Any] | None, bool | None]:
    """(link_preview_options, disabled) from the new parameter or the legacy one."""
    options = params.get("link_preview_options")
    if isinstance(options, dict):
        return options, bool(options.get("is_disabled", False))
    legacy = params.get("disable_web_page_preview")
    if legacy is None:
        return None, None
    disabled = legacy is True or str(legacy).lower() == "true"
    return {"is_disabled": disabled}, disabled
