"""Sentence splitting and site-furniture detection for scraped news text.

Splitting: paragraphs and lines first (scraped pages put menus, headings and captions on lines
of their own), then sentencex (rule-based, handles "U.S.", initials, decimals and quotes) on each
line, then one safe extra cut that sentencex leaves out: inside a long, unbalanced quotation
("‘I had a taste of it. I’m fortunate…") after an ordinary lower-case word and a full stop.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

import sentencex

__all__ = [
    "STOP_WORDS",
    "clean_sentence",
    "is_boilerplate",
    "is_caption",
    "split_lines",
    "split_sentences",
    "word_count",
    "words",
]

# Common English function words: ignored when counting a document's content words.
_STOP_WORDS = """a about above after again against all also am an and any are as at be because
    been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    out over own said same says she should so some such than that the their theirs them then
    there these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours mr mrs ms one two new last first
    year years told people time like get got would could may might must shall"""
STOP_WORDS = frozenset(_STOP_WORDS.split())

_TERMINAL = ".!?…:;\"'”’)]"
_PARAGRAPH = re.compile(r"\n\s*\n")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_WORD = re.compile(r"[^\W_]+(?:[-'’.][^\W_]+)*", re.UNICODE)
# A sentence end sentencex keeps together inside an open quotation: an ordinary lower-case word of
# two letters or more (not an abbreviation such as "etc."), a stop, then a capital.
_QUOTE_CUT = re.compile(r"\b([a-z]{2,})[.!?][’”'\"]?(\s+)(?=[‘“\"']?[A-Z])")
_NOT_AN_END = frozenset(
    {"vs", "cf", "pp", "al", "ca", "etc", "approx", "incl", "vol", "est", "dept", "govt", "corp"}
)
_CNN_DATELINE = re.compile(r"^\(CNN\)\s*(?:--|—|-)?\s*")
_LIST_BULLET = re.compile(r"^[\s•·*▪►‣◦|>–—-]+")
_DAILY_MAIL_HEADER = re.compile(
    r"^(?:By \.|PUBLISHED: \.|UPDATED: \.|\| \.|\d{1,2}:\d{2} [A-Z]{3}, \d{1,2} \w+ \d{4} \.)\s*"
)

_FURNITURE_PHRASES = re.compile(
    r"""(?ix)
    ^(?:sign\s+up|subscribe|newsletter|follow\s+us|share\s+(?:this|on|via)|click\s+here
      |read\s+(?:more|next|the\s+full)|we\s+use\s+cookies|this\s+(?:site|website)\s+uses
      |accept\s+(?:all\s+)?cookies|all\s+rights\s+reserved|copyright|©|\(c\)\s*\d{4}
      |getty\s+images|file\s+photo|log\s*in|sign\s*in|skip\s+to|jump\s+to|back\s+to\s+top
      |market\s+data|most\s+(?:read|popular|viewed|shared)|last\s+(?:modified|updated)
      |continue\s+reading|scroll\s+down|see\s+also|editor'?’?s\s+note|view\s+(?:gallery|comments)
      |leave\s+a\s+comment|terms\s+of|welcome\s+to|get\s+(?:the|our)\s+\w+\s+(?:app|newsletter)
      |by\s+[A-Z][\w.'’-]+(?:\s+(?:and\s+)?[A-Z][\w.'’-]+){0,4}\s*[,.|]?\s*$
    )\b""",
    re.VERBOSE,
)
# Words that are furniture when they stand as a label: "Photo: …", "Published | 3 May", "Share".
_LABEL = re.compile(
    r"""(?ix)
    ^(?:menu|search|close|home|print|e-?mail|share|tweet|photo|photograph|image|picture|credit
      |caption|video|watch|listen|download|register|comments?|trending|published|updated|posted
      |privacy|advertisement|sponsored|related|recommended|tags?|topics?|more|source)
    \s*(?:[:|•]|$)""",
    re.VERBOSE,
)
_CREDIT = re.compile(
    r"""(?ix)
    ^source:|\bsource:\s|\bpublic\s+domain\b|wikimedia|\bgetty\s+images\b|\(photo|\bphoto\s*:
    |\bphoto(?:graph)?\s+(?:credit|by)\b|\bimage\s+(?:copyright|caption|source)\b|\bAP\s+Photo\b
    |\bREUTERS/|/AFP\b|/Reuters\b|\bshutterstock\b|\bcredit\s*:
    """,
    re.VERBOSE,
)
_FURNITURE_ANYWHERE = re.compile(
    r"""(?ix)
    \bsource:\s|\bpublic\s+domain\b|\bvia\s+wikimedia\b|wikimedia\s+commons|\bgetty\s+images\b
    |\(photo(?:s)?\s*(?:by|:|credit)|\bphoto(?:graph)?\s*(?:credit|by)\s*:?|\bimage\s+(?:copyright|caption|source)\b
    |\bAP\s+Photo\b|\bREUTERS/|/AFP\b|/Reuters\b|\bshutterstock\b|\bsign\s+up\s+(?:for|to|now)
    |\bsubscribe\s+(?:to|now|for)\b|\bnewsletter\b|\bcookies?\s+(?:policy|settings|to\s+improve)
    |\bclick\s+here\b|\ball\s+rights\s+reserved\b|\bshare\s+this\s+(?:article|story)\b
    |\bfollow\s+(?:us|@)|\bon\s+twitter\s+@|\bemail\s+us\b|\bscroll\s+down\s+for\b
    |\bread\s+more\s*:|\bcopyright\s+\d{4}|\bterms\s+of\s+(?:use|service)\b
    """,
    re.VERBOSE,
)


def word_count(text: str) -> int:
    """Words as ROUGE and readers count them (numbers and hyphenated words are one)."""
    return len(_WORD.findall(text))


def words(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return [w.lower() for w in _WORD.findall(text)]


def clean_sentence(sentence: str) -> str:
    """Collapse spaces and strip list bullets and the "(CNN) --" dateline."""
    sentence = _SPACES.sub(" ", sentence).strip()
    sentence = _LIST_BULLET.sub("", sentence)
    sentence = _CNN_DATELINE.sub("", sentence)
    return sentence.strip()


def _lines(paragraph: str) -> Iterable[str]:
    """A paragraph's logical lines: a hard-wrapped line is joined to the next one when it has no
    closing punctuation and the next starts in lower case (a sentence broken by the layout)."""
    current = ""
    for raw in paragraph.split("\n"):
        line = _SPACES.sub(" ", raw).strip()
        if not line:
            continue
        if current and current[-1] not in _TERMINAL and line[0].islower():
            current = f"{current} {line}"
            continue
        if current:
            yield current
        current = line
    if current:
        yield current


def split_lines(text: str) -> list[list[str]]:
    """Split ``text`` into logical lines, each a list of clean sentences, in document order."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines: list[list[str]] = []
    for paragraph in _PARAGRAPH.split(text):
        for line in _lines(paragraph):
            sentences = []
            for piece in sentencex.segment("en", line):
                for part in _cut_quotes(piece.strip()):
                    cleaned = clean_sentence(part)
                    if cleaned and any(ch.isalnum() for ch in cleaned):
                        sentences.append(cleaned)
            if sentences:
                lines.append(sentences)
    return lines


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into clean sentences, in document order (empty pieces dropped)."""
    return [sentence for line in split_lines(text) for sentence in line]


def is_caption(line: Sequence[str]) -> bool:
    """A short line carrying a photo credit or "Source: …" is a caption, all of it."""
    return (
        len(line) <= 3
        and sum(len(s) for s in line) <= 400
        and any(_CREDIT.search(s) for s in line)
    )


def _cut_quotes(piece: str) -> list[str]:
    if len(piece) < 80:
        return [piece]
    parts: list[str] = []
    start = 0
    for match in _QUOTE_CUT.finditer(piece):
        if match.group(1) in _NOT_AN_END:
            continue
        parts.append(piece[start : match.start(2)])
        start = match.end()
    parts.append(piece[start:])
    return [p.strip() for p in parts if p.strip()]


def _mostly_upper(sentence: str) -> bool:
    letters = [ch for ch in sentence if ch.isalpha()]
    return len(letters) >= 4 and sum(ch.isupper() for ch in letters) / len(letters) > 0.8


def is_boilerplate(sentence: str, *, min_words: int = 4) -> bool:
    """True for site furniture: menus, labels, bylines, sign-up and share prompts, photo credits,
    cookie notices, all-caps section labels and fragments too short to be a sentence."""
    n_words = word_count(sentence)
    if n_words < min_words:
        return True
    if _DAILY_MAIL_HEADER.match(sentence):
        return True
    if (
        _FURNITURE_PHRASES.match(sentence)
        or _LABEL.match(sentence)
        or _FURNITURE_ANYWHERE.search(sentence)
    ):
        return True
    if _mostly_upper(sentence) and n_words <= 12:
        return True
    # a continuation fragment cut off by the layout: starts in lower case, ends without a stop
    return sentence[0].islower() and sentence[-1] not in _TERMINAL
