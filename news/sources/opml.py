"""OPML subscription lists: read the feeds of one a user sent, and write a chat's feeds as one.

Reading is bounded and refuses XML tricks: the caller caps the bytes; defusedxml parses with
no DOCTYPE allowed (so no entity expansion, "billion laughs", and no external entities or
DTDs), and a file listing more than ``max_feeds`` feeds is refused whole. CPU-bound: callers on
the event loop run :func:`read_opml` in a thread.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET  # writing only: reading goes through defusedxml
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

import defusedxml
import defusedxml.ElementTree as SafeET

from news.text import clean_text

__all__ = ["OpmlError", "OpmlFeed", "read_opml", "write_opml"]

logger = logging.getLogger(__name__)

MAX_TITLE = 200  # characters of a feed's name kept


class OpmlError(Exception):
    """The file is not a usable OPML list; ``reason`` is one short user-facing sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """One ``<outline xmlUrl=...>``: the feed URL as written and its name (text or title)."""

    url: str
    title: str | None = None


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _attribute(element: ET.Element, name: str) -> str | None:
    wanted = name.lower()
    for key, value in element.attrib.items():
        if key.rsplit("}", 1)[-1].lower() == wanted:
            return value
    return None


def read_opml(data: bytes, *, max_feeds: int) -> list[OpmlFeed]:
    """The feeds an OPML file lists, in document order (each outline with an ``xmlUrl``;
    nested folders are read too). Raises :class:`OpmlError` for anything but a valid OPML
    document of at most ``max_feeds`` feeds."""
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (defusedxml.DTDForbidden, defusedxml.EntitiesForbidden,
            defusedxml.ExternalReferenceForbidden):  # fmt: skip
        raise OpmlError(
            "The file declares a DOCTYPE or XML entities, which are refused for safety."
        ) from None
    except (ET.ParseError, ValueError, UnicodeError) as exc:
        logger.info("OPML did not parse: %r", exc)
        raise OpmlError("The file is not valid XML, so it cannot be an OPML list.") from None
    if _local(root.tag) != "opml":
        raise OpmlError("The file is XML but not OPML (its root element is not <opml>).")
    feeds: list[OpmlFeed] = []
    for element in root.iter():
        if _local(element.tag) != "outline":
            continue
        url = (_attribute(element, "xmlUrl") or "").strip()
        if not url:
            continue  # a folder, or a plain outline
        if len(feeds) >= max_feeds:
            total = sum(
                1
                for e in root.iter()
                if _local(e.tag) == "outline" and (_attribute(e, "xmlUrl") or "").strip()
            )
            raise OpmlError(
                f"The file lists {total:,} feeds; at most {max_feeds:,} are read from one file."
            )
        name = clean_text(_attribute(element, "text") or _attribute(element, "title") or "")
        feeds.append(OpmlFeed(url=url, title=name[:MAX_TITLE] or None))
    return feeds


def write_opml(
    feeds: Sequence[OpmlFeed], *, title: str = "newsbrief sources", now: datetime | None = None
) -> bytes:
    """An OPML 2.0 document listing ``feeds`` (UTF-8, attributes escaped by ElementTree)."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(now or datetime.now(UTC))
    body = ET.SubElement(root, "body")
    for feed in feeds:
        name = feed.title or feed.url
        ET.SubElement(body, "outline", type="rss", text=name, title=name, xmlUrl=feed.url)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
