"""Telegram's text rules for the Bot API stand-in: parse modes, entities, lengths.

The parser follows what the real Bot API server (tdlib) accepts, so a message that passes here
passes on Telegram and a rejected one gets the same kind of "can't parse entities" error:
only Telegram's tags (b, strong, i, em, u, ins, s, strike, del, a href, code, pre, tg-spoiler,
span class="tg-spoiler", blockquote, tg-emoji), only the entities &lt; &gt; &amp; &quot; and
numeric ones (anything else after ``&`` is kept literally), properly nested tags.

Entity offsets and lengths are in UTF-16 code units, as Telegram sends them. Telegram's length
limit (4096) counts characters (code points) of the text after entity parsing. The entities a
client adds to what users write are in :mod:`standin.incoming`.
"""

from __future__ import annotations

import logging
import re
from typing import Any

__all__ = [
    "MAX_CALLBACK_DATA_BYTES",
    "MAX_TEXT_LENGTH",
    "EntityParseError",
    "parse_html",
    "parse_markdown_v2",
    "parse_text",
    "utf16_len",
]

logger = logging.getLogger(__name__)

MAX_TEXT_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64

_ALLOWED_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "tg-spoiler",
        "span",
        "blockquote",
        "tg-emoji",
    }
)
_SIMPLE_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
    "pre": "pre",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class EntityParseError(ValueError):
    """The text cannot be parsed; ``str(exc)`` is the part after "can't parse entities: "."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (how Telegram measures entity offsets)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8", "surrogatepass"))


def _decode_entity(text: str, pos: int) -> tuple[str, int] | None:
    """Decode the character reference at ``text[pos] == '&'`` as tdlib does, or None."""
    end = pos + 1
    n = len(text)
    if end < n and text[end] == "#":
        end += 1
        value = 0
        if end < n and text[end] in "xX":
            end += 1
            start = end
            while end < n and text[end] in "0123456789abcdefABCDEF":
                end += 1
            digits, base = text[start:end], 16
        else:
            start = end
            while end < n and text[end].isascii() and text[end].isdigit():
                end += 1
            digits, base = text[start:end], 10
        if not digits or end - pos >= 10:
            return None
        value = int(digits, base)
        if value == 0 or value >= 0x10FFFF or 0xD800 <= value <= 0xDFFF:
            return None
        char = chr(value)
    else:
        start = end
        while end < n and text[end].isascii() and text[end].isalpha():
            end += 1
        name = text[start:end]
        if name not in _NAMED_ENTITIES:
            return None
        char = _NAMED_ENTITIES[name]
    if end < n and text[end] == ";":
        end += 1
    return char, end


class _Open:
    __slots__ = ("attrs", "language", "name", "offset")

    def __init__(self, name: str, offset: int, attrs: dict[str, str]) -> None:
        self.name = name
        self.offset = offset
        self.attrs = attrs
        self.language = ""


def _is_name_char(ch: str) -> bool:
    return (ch.isascii() and ch.isalnum()) or ch in ".-"


def _is_space(ch: str) -> bool:
    return ch in " \t\r\n\f\v"


def _valid_url(url: str) -> bool:
    url = url.strip()
    if not url or any(_is_space(c) for c in url):
        return False
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", url)
    if match is None:
        return "." in url  # Telegram prefixes "http://" to a bare host
    return match.group(1).lower() in {"http", "https", "tg", "ftp", "tonsite", "mailto"}


def parse_html(markup: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram-flavoured HTML into (plain text, entities) or raise EntityParseError."""
    out: list[str] = []
    offset = 0  # UTF-16 offset of the end of ``out``
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    i, n = 0, len(markup)
    while i < n:
        ch = markup[i]
        if ch == "&":
            decoded = _decode_entity(markup, i)
            if decoded is not None:
                char, i = decoded
                out.append(char)
                offset += utf16_len(char)
                continue
        if ch != "<":
            out.append(ch)
            offset += 2 if ord(ch) > 0xFFFF else 1
            i += 1
            continue
        begin = i
        i += 1
        if i < n and markup[i] == "/":  # end tag
            if not stack:
                raise EntityParseError(
                    f"Unexpected end tag at byte offset {_byte_offset(markup, begin)}"
                )
            i += 1
            start = i
            while i < n and not _is_space(markup[i]) and markup[i] != ">":
                i += 1
            name = markup[start:i].lower()
            while i < n and _is_space(markup[i]):
                i += 1
            if i >= n or markup[i] != ">":
                raise EntityParseError(
                    f"Unclosed end tag at byte offset {_byte_offset(markup, begin)}"
                )
            i += 1
            top = stack[-1]
            if name and name != top.name:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(markup, begin)}, "
                    f'expected "</{top.name}>", found "</{name}>"'
                )
            stack.pop()
            _close(top, stack, offset, entities)
            continue
        start = i
        while i < n and not _is_space(markup[i]) and markup[i] != ">":
            i += 1
        if i >= n:
            raise EntityParseError(
                f"Unclosed start tag at byte offset {_byte_offset(markup, begin)}"
            )
        name = markup[start:i].lower()
        if name not in _ALLOWED_TAGS:
            raise EntityParseError(
                f'Unsupported start tag "{name}" at byte offset {_byte_offset(markup, begin)}'
            )
        attrs: dict[str, str] = {}
        while True:
            while i < n and _is_space(markup[i]):
                i += 1
            if i >= n:
                raise EntityParseError(
                    f'Unclosed start tag "{name}" at byte offset {_byte_offset(markup, begin)}'
                )
            if markup[i] == ">":
                i += 1
                break
            attr_start = i
            while i < n and not _is_space(markup[i]) and markup[i] not in "=>":
                i += 1
            attr = markup[attr_start:i].lower()
            if not attr:
                raise EntityParseError(
                    f'Empty attribute name in the tag "{name}" at byte offset '
                    f"{_byte_offset(markup, begin)}"
                )
            while i < n and _is_space(markup[i]):
                i += 1
            if i >= n or markup[i] != "=":
                attrs[attr] = ""
                continue
            i += 1
            while i < n and _is_space(markup[i]):
                i += 1
            if i >= n:
                raise EntityParseError(
                    f'Unclosed start tag "{name}" at byte offset {_byte_offset(markup, begin)}'
                )
            if markup[i] in "'\"":
                quote = markup[i]
                i += 1
                value: list[str] = []
                while i < n and markup[i] != quote:
                    if markup[i] == "&":
                        decoded = _decode_entity(markup, i)
                        if decoded is not None:
                            value.append(decoded[0])
                            i = decoded[1]
                            continue
                    value.append(markup[i])
                    i += 1
                if i >= n:
                    raise EntityParseError(
                        f"Unclosed start tag at byte offset {_byte_offset(markup, begin)}"
                    )
                i += 1
                attrs[attr] = "".join(value)
            else:
                token_start = i
                while i < n and (
                    (markup[i].isascii() and markup[i].isalnum()) or markup[i] in ".-"
                ):
                    i += 1
                if i < n and not _is_space(markup[i]) and markup[i] != ">":
                    raise EntityParseError(
                        f"Unexpected end of name token at byte offset "
                        f"{_byte_offset(markup, token_start)}"
                    )
                attrs[attr] = markup[token_start:i].lower()
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset '
                f"{_byte_offset(markup, begin)}"
            )
        if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            raise EntityParseError(
                f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset '
                f"{_byte_offset(markup, begin)}"
            )
        stack.append(_Open(name, offset, attrs))
    if stack:
        raise EntityParseError(
            f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"'
        )
    return _strip("".join(out), entities)


def _close(tag: _Open, stack: list[_Open], end: int, entities: list[dict[str, Any]]) -> None:
    """Turn a closed tag into its entity (if it covers any text)."""
    length = end - tag.offset
    if length <= 0:
        return
    entity: dict[str, Any] = {"offset": tag.offset, "length": length}
    name = tag.name
    if name == "a":
        url = tag.attrs.get("href", "")
        if not url:
            return
        if not _valid_url(url):
            return  # Telegram silently drops a link entity whose URL it cannot use
        entity.update(type="text_link", url=url)
    elif name == "code" and stack and stack[-1].name == "pre":
        language = tag.attrs.get("class", "")
        if language.startswith("language-") and stack[-1].offset == tag.offset:
            stack[-1].language = language.removeprefix("language-")
            return
        entity["type"] = "code"
    elif name == "pre":
        entity["type"] = "pre"
        if tag.language:
            entity["language"] = tag.language
    elif name == "blockquote":
        entity["type"] = "expandable_blockquote" if "expandable" in tag.attrs else "blockquote"
    elif name == "tg-emoji":
        entity.update(type="custom_emoji", custom_emoji_id=tag.attrs["emoji-id"])
    else:
        entity["type"] = _SIMPLE_TYPES[name]
    entities.append(entity)


def _strip(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Trim leading/trailing whitespace as Telegram does, keeping entities aligned."""
    stripped = text.strip()
    if not stripped:
        return "", []
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    kept: list[dict[str, Any]] = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    kept.sort(key=lambda e: (e["offset"], -e["length"]))
    return stripped, kept


# MarkdownV2: characters that must be escaped outside entities.
_MD2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MD2_MARKERS = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough"}
_MD_LEGACY_MARKERS = {"*": "bold", "_": "italic"}


def parse_markdown_v2(markup: str, *, legacy: bool = False) -> tuple[str, list[dict[str, Any]]]:
    """Parse MarkdownV2 (bold, italic, underline, strike, spoiler, code, pre, links).

    ``legacy``: the old "Markdown" mode: only *bold*, _italic_, `code`, ```pre``` and links,
    no reserved characters, backslash escapes only before _ * ` [.
    """
    markers = _MD_LEGACY_MARKERS if legacy else _MD2_MARKERS
    out: list[str] = []
    offset = 0
    stack: list[tuple[str, int, int]] = []  # (marker, utf16 offset, byte offset)
    entities: list[dict[str, Any]] = []
    i, n = 0, len(markup)

    def emit(ch: str) -> None:
        nonlocal offset
        out.append(ch)
        offset += utf16_len(ch)

    while i < n:
        ch = markup[i]
        if (
            ch == "\\"
            and i + 1 < n
            and (markup[i + 1] in "_*`[" if legacy else ord(markup[i + 1]) < 127)
        ):
            emit(markup[i + 1])
            i += 2
            continue
        if ch == "`":
            is_pre = markup.startswith("```", i)
            fence = "```" if is_pre else "`"
            start_byte = _byte_offset(markup, i)
            i += len(fence)
            language = ""
            if is_pre:
                line_end = markup.find("\n", i)
                first = markup[i:line_end] if line_end >= 0 else ""
                if line_end >= 0 and first and " " not in first:
                    language, i = first, line_end + 1
            begin = offset
            while i < n and not markup.startswith(fence, i):
                if markup[i] == "\\" and i + 1 < n and markup[i + 1] in "`\\":
                    i += 1
                emit(markup[i])
                i += 1
            if i >= n:
                raise EntityParseError(
                    f"Can't find end of {'Pre' if is_pre else 'Code'} entity at byte offset "
                    f"{start_byte}"
                )
            i += len(fence)
            if offset > begin:
                entity: dict[str, Any] = {
                    "type": "pre" if is_pre else "code",
                    "offset": begin,
                    "length": offset - begin,
                }
                if language:
                    entity["language"] = language
                entities.append(entity)
            continue
        if ch == "[":
            stack.append(("[", offset, _byte_offset(markup, i)))
            i += 1
            continue
        if ch == "]" and stack and stack[-1][0] == "[":
            _, begin, start_byte = stack.pop()
            if not markup.startswith("(", i + 1):
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {start_byte}"
                )
            close = markup.find(")", i + 2)
            if close < 0:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {start_byte}"
                )
            url = markup[i + 2 : close].replace("\\)", ")").replace("\\\\", "\\")
            i = close + 1
            if offset > begin and _valid_url(url):
                entities.append(
                    {"type": "text_link", "offset": begin, "length": offset - begin, "url": url}
                )
            continue
        marker = ch
        if not legacy and ch == "_" and markup.startswith("__", i):
            marker = "__"
        elif not legacy and ch == "|" and markup.startswith("||", i):
            marker = "||"
        if marker in markers or (marker == "||" and not legacy):
            if stack and stack[-1][0] == marker:
                _, begin, _start = stack.pop()
                if offset > begin:
                    kind = "spoiler" if marker == "||" else markers[marker]
                    entities.append({"type": kind, "offset": begin, "length": offset - begin})
            else:
                stack.append((marker, offset, _byte_offset(markup, i)))
            i += len(marker)
            continue
        if ch in _MD2_RESERVED and not legacy:
            raise EntityParseError(
                f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
            )
        emit(ch)
        i += 1
    if stack:
        raise EntityParseError(
            f"Can't find end of the entity starting at byte offset {stack[-1][2]}"
        )
    return _strip("".join(out), entities)


def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Apply ``parse_mode``: None, "HTML", "MarkdownV2" or the legacy "Markdown"."""
    mode = (parse_mode or "").strip().lower()
    if not mode:
        return _strip(text, [])
    if mode == "html":
        return parse_html(text)
    if mode in {"markdownv2", "markdown"}:
        return parse_markdown_v2(text, legacy=mode == "markdown")
    raise ValueError(f"unsupported parse_mode {parse_mode!r}")
