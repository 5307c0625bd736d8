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

from summarizer.furniture import is_furniture

__all__ = [
    "FUNCTION_WORDS",
    "STOP_WORDS",
    "clean_sentence",
    "is_boilerplate",
    "is_caption",
    "split_lines",
    "split_sentences",
    "word_count",
    "words",
]

# Common English function words: no topic on their own (news.topics drops them from topics).
_FUNCTION_WORDS = """a about above after again against all also am an and any are as at be because
    been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    out over own same she should so some such than that the their theirs them then there these
    they this those through to too under until up very was we were what when where which while
    who whom why will with would you your yours may might must shall"""
FUNCTION_WORDS = frozenset(_FUNCTION_WORDS.split())
# Words so common in news that they say nothing about what a sentence is about, though a topic
# may need them ("new york", "first world war", "one direction"): ignored when counting a
# document's content words, on top of the function words.
_NEWS_WORDS = "said says told mr mrs ms one two new last first year years people time like get got"
STOP_WORDS = FUNCTION_WORDS | frozenset(_NEWS_WORDS.split())

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
# Abbreviations that stand before a name and so never end a sentence ("Mr. Barroso notes").
_TITLE_WORDS = """mr mrs ms mx dr st gov sen rep gen lt col sgt capt cmdr adm
    maj cpl pvt prof rev fr hon pres supt insp det mt ft messrs mme mlle atty"""
_TITLES = frozenset(_TITLE_WORDS.split())
_INITIAL = re.compile(r"[A-Z]\.")
_ACRONYM = re.compile(r"(?:[A-Z]\.){2,}")
_FIRST_TOKEN = re.compile(r"^[“\"‘'(\[]*(\S+)")
_CNN_DATELINE = re.compile(r"^\(CNN\)\s*(?:--|—|-)?\s*")
_LIST_BULLET = re.compile(r"^[\s•·*▪►‣◦|>–—-]+")
_DAILY_MAIL_HEADER = re.compile(
    r"^(?:By \.|PUBLISHED: \.|UPDATED: \.|\| \.|\d{1,2}:\d{2} [A-Z]{3}, \d{1,2} \w+ \d{4} \.)\s*"
)

_CREDIT = re.compile(
    r"""(?ix)
    ^source:|\bsource:\s|\bpublic\s+domain\b|wikimedia|\bgetty\s+images\b|\(photo|\bphoto\s*:
    |\bphoto(?:graph)?\s+(?:credit|by)\b|\bimage\s+(?:copyright|caption|source)\b|\bAP\s+Photo\b
    |\bREUTERS/|/AFP\b|/Reuters\b|\bshutterstock\b|\bcredit\s*:
    """,
    re.VERBOSE,
)
# Furniture inside a running sentence, which the whole-line patterns of
# ``summarizer.furniture`` leave alone: a photo credit in brackets, a prompt glued to prose.
_EMBEDDED_FURNITURE = re.compile(
    r"""(?ix)
    \bsource:\s|\bpublic\s+domain\b|\bvia\s+wikimedia\b|wikimedia\s+commons|\bgetty\s+images\b
    |\(photo(?:s)?\s*(?:by|:|credit)|\bphoto(?:graph)?\s*(?:credit|by)\s*:?
    |\bimage\s+(?:copyright|caption|source)\b
    |\bAP\s+Photo\b|\bREUTERS/|/AFP\b|/Reuters\b|\bshutterstock\b|\bsign\s+up\s+(?:for|to|now)
    |\bsubscribe\s+(?:to|now|for)\b|\bnewsletter\b|\bcookies?\s+(?:policy|settings|to\s+improve)
    |\bwe\s+use\s+cookies\b|\bclick\s+here\b|\ball\s+rights\s+reserved\b
    |\bshare\s+this\s+(?:article|story)\b|^editor'?’?s\s+note\b
    |\bfollow\s+(?:us|@)|\bon\s+twitter\s+@|\bemail\s+us\b|\bscroll\s+down\s+for\b
    |\bread\s+more\s*:|\bcopyright\s+\d{4}|\bterms\s+of\s+(?:use|service)\b
    |\bfor\s+your\s+personal,?\s+non-?commercial\s+use\b
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


def continues(before: str, after: str) -> bool:
    """True when ``before`` cannot end a sentence because ``after`` carries it on: ``before``
    ends at a title ("Mr.", "Gov.", "St."), an initial ("George W."), an acronym ("D.C.",
    "U.S.") followed by more of a name or by lower case, a number cut at its decimal point, or
    ``after`` starts in lower case."""
    before, after = before.rstrip(), after.lstrip()
    if not before or not after or not before.endswith("."):
        return bool(before and after and after[0].islower() and before[-1] not in ".!?…")
    last = before.rsplit(None, 1)[-1].lstrip("“\"‘'([")
    first_match = _FIRST_TOKEN.match(after)
    first = first_match.group(1) if first_match else after
    if after[0].islower():
        return True
    if before[-2:-1].isdigit() and after[0].isdigit():
        return True  # "2." + "5 percent"
    word = last[:-1].split("-")[-1]
    if word.lower() in _TITLES and word[:1].isupper():
        return True
    if _INITIAL.fullmatch(word + ".") and len(before) > 2:
        # "George W." + "Bush", "D-N." + "Y.": an initial before a capitalized name
        name = first[:1].isupper() and first.strip(".,;:").lower() not in STOP_WORDS
        return name or bool(_INITIAL.match(first))
    if _ACRONYM.fullmatch(last):
        return bool(_INITIAL.match(first))  # "Pakistan-U." + "S. war"
    return False


def _join_continued(pieces: Iterable[str]) -> list[str]:
    """Glue back the pieces a splitter cut at an abbreviation, initial or decimal point (the
    pieces keep their own spacing, so "D-N." + "Y." comes back as "D-N.Y.")."""
    out: list[str] = []
    for piece in pieces:
        if not piece.strip():
            continue
        if out and continues(out[-1], piece):
            out[-1] += piece
        else:
            out.append(piece)
    return [piece.strip() for piece in out]


def _lines(paragraph: str) -> Iterable[str]:
    """A paragraph's logical lines: a hard-wrapped line is joined to the next one when it has no
    closing punctuation and the next starts in lower case (a sentence broken by the layout)."""
    current = ""
    for raw in paragraph.split("\n"):
        line = _SPACES.sub(" ", raw).strip()
        if not line:
            continue
        if current and (
            (current[-1] not in _TERMINAL and line[0].islower()) or continues(current, line)
        ):
            glue = "" if current[-2:-1].isdigit() and line[0].isdigit() else " "
            current = f"{current}{glue}{line}"
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
            for piece in _join_continued(sentencex.segment("en", line)):
                for part in _cut_quotes(piece):
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
    if is_furniture(sentence) or _EMBEDDED_FURNITURE.search(sentence):
        return True
    if _mostly_upper(sentence) and n_words <= 12:
        return True
    # a continuation fragment cut off by the layout: starts in lower case, ends without a stop
    return sentence[0].islower() and sentence[-1] not in _TERMINAL
