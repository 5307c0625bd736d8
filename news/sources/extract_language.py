"""The language of an article: the one its page declares, else detected from its text.

Detection is py3langid's (naive Bayes over byte n-grams, 97 languages) with normalised
probabilities; a text too short or too mixed to call returns ``None`` rather than a guess.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import html as lxml_html
from py3langid.langid import MODEL_FILE, LanguageIdentifier

__all__ = ["declared_language", "detect_language"]

MIN_CONFIDENCE = 0.8  # below this the detector is guessing (short or mixed texts)
_MIN_LETTERS = 12  # "OK", "Menu 2", a name: too little to call
_MAX_CHARS = 1500  # the opening of an article decides its language; the rest only costs time
_CODE = re.compile(r"[-_,;\s]")


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    """The detector, loaded on first use (about 0.1 s) and kept: its model is read-only."""
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def declared_language(tree: lxml_html.HtmlElement) -> str | None:
    """The page's declared language as an ISO 639 code (``<html lang>``, ``og:locale``,
    ``Content-Language``), or ``None``."""
    for value in tree.xpath(
        "/html/@lang|/html/@xml:lang|//meta[@property='og:locale']/@content"
        "|//meta[translate(@http-equiv,'CONTENT-LANGUAGE','content-language')"
        "='content-language']/@content"
    ):
        code = _CODE.split(str(value).strip())[0].lower()
        if 2 <= len(code) <= 3 and code.isalpha():
            return code
    return None


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of the text's language, or ``None`` when it cannot be told."""
    sample = text[:_MAX_CHARS]
    if sum(ch.isalpha() for ch in sample) < _MIN_LETTERS:
        return None
    language, probability = _identifier().classify(sample)
    return str(language) if probability >= MIN_CONFIDENCE else None
