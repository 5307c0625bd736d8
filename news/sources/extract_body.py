"""The article body's candidate lines from readability-lxml, run on the page's one parsed tree.

readability-lxml (Mozilla Readability's scoring, ported to lxml) picks the page's main content
block; on the shared real pages it finds more of the article than trafilatura at a lower cost.
Its summary is an HTML fragment; :func:`readability_lines` turns it into one line per block
(paragraph, heading, list item, table cell, ``<br>``), which the extractor's line filter then
cleans. readability drops the page's hidden elements from the tree it is given and works on its
own copy for the rest; nothing else of the caller's tree changes. Pure function, no state.
"""

from __future__ import annotations

import logging

from lxml import etree
from lxml import html as lxml_html
from readability import Document
from readability.readability import Unparseable

__all__ = ["BLOCKS", "readability_lines"]

logger = logging.getLogger(__name__)

BLOCKS = frozenset(
    {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "br", "tr", "td", "th", "pre"}
    | {"blockquote", "section", "article", "table", "ul", "ol", "figure", "figcaption", "dd"}
    | {"dt", "header", "footer", "aside", "main", "hr"}
)


def readability_lines(tree: lxml_html.HtmlElement, url: str | None = None) -> list[str]:
    """The lines of readability-lxml's main content block; empty when it finds none."""
    try:
        summary = Document(tree, url=url).summary(html_partial=True)
    except (Unparseable, ValueError, etree.LxmlError) as exc:
        logger.debug("readability failed: %s", exc)
        return []
    if not summary or not summary.strip():
        return []
    try:
        fragment = lxml_html.fragment_fromstring(summary, create_parent="div")
    except (ValueError, AssertionError, etree.LxmlError):  # lxml asserts on some odd markup
        return []
    for element in fragment.iter():
        if isinstance(element.tag, str) and element.tag in BLOCKS:
            element.text = "\n" + (element.text or "")
            element.tail = "\n" + (element.tail or "")
    text = str(fragment.text_content())
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]
