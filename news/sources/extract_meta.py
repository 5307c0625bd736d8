"""An article's metadata from the parsed page: title, date, author, site name, canonical URL.

trafilatura's own ``extract_metadata`` also searches the whole page for author bylines,
categories, tags and a licence, which costs about as much as extracting the text; this reads the
same sources minus those searches: the page's meta tags and JSON-LD (trafilatura's readers), the
``<title>``/``<h1>`` when no meta title is given, and the date with htmldate's quick search.
"""

from __future__ import annotations

import logging

from htmldate import find_date
from lxml import html as lxml_html
from trafilatura.metadata import examine_meta, extract_meta_json, extract_title, extract_url
from trafilatura.settings import Document

__all__ = ["DATE_FORMAT", "read_metadata"]

logger = logging.getLogger(__name__)

DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


def read_metadata(tree: lxml_html.HtmlElement, url: str | None) -> Document:
    """The page's metadata as a trafilatura :class:`Document` (``text`` left empty)."""
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None  # a bare handle or a site name, not a person (as trafilatura)
    try:
        metadata = extract_meta_json(tree, metadata)
    except Exception as exc:  # trafilatura's JSON-LD reader fails on some malformed blocks
        logger.debug("JSON-LD metadata unreadable: %s", exc)
    if not metadata.title:
        metadata.title = extract_title(tree)
    if not metadata.url:
        metadata.url = extract_url(tree, url)
    metadata.date = find_date(
        tree,
        url=metadata.url or url,
        extensive_search=False,
        original_date=True,
        outputformat=DATE_FORMAT,
    )
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")
    metadata.clean_and_trim()
    return metadata
