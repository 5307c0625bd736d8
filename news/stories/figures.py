"""Where the sources of one story disagree on a figure: the death toll, the injured, arrests,
jobs cut, seats won, a price (issue 16).

Each figure is read from a fixed frame of words around a number ("12 people were killed",
"the death toll rose to 15", "killed at least 30", "cut 4,000 jobs", "for $2.5 billion"), never
from a number alone. A source that gives two different values for one frame (an earlier attack,
a running count) is unsure and left out of that frame; a disagreement is reported only when at
least two outlets each give exactly one value and the values differ. Approximate words ("about",
"more than", "at least") keep their value but do not make a disagreement with a larger exact one
on their own side ("at least 12" agrees with 15).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["FRAMES", "Disagreement", "Figure", "disagreements", "figures"]

_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
}
_NUM = r"(?P<n>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|" + "|".join(_WORDS) + r")"
_SCALE = r"(?:\s(?P<scale>million|billion|thousand|bn|m)\b)?"
_APPROX = r"(?P<approx>at least|more than|over|about|around|nearly|almost|some|up to)?\s?"
_WHO = (
    r"(?:(?:people|persons|civilians|soldiers|troops|police(?:men)?|officers|children|"
    r"militants|rebels|fighters|passengers|workers|miners|others|members|men|women)\s)?"
)
_BE = r"(?:(?:were|was|have been|had been|are|being|been)\s)?"

FRAMES: dict[str, tuple[str, ...]] = {
    "dead": (
        rf"\b{_APPROX}{_NUM}\s{_WHO}{_BE}(?:killed|dead|died)\b",
        rf"\bkill(?:ed|ing)\s{_APPROX}{_NUM}\b(?!\s(?:years?|months?|days?|percent|%))",
        rf"\bdeath toll\s(?:\w+\s){{0,4}}?{_APPROX}{_NUM}\b",
        rf"\b{_APPROX}{_NUM}\s(?:deaths|fatalities|bodies)\b",
    ),
    "injured": (
        rf"\b{_APPROX}{_NUM}\s{_WHO}{_BE}(?:injured|wounded|hurt)\b",
        rf"\b(?:injur|wound)(?:ed|ing)\s{_APPROX}{_NUM}\b(?!\s(?:years?|percent|%))",
    ),
    "arrested": (
        rf"\b{_APPROX}{_NUM}\s{_WHO}{_BE}(?:arrested|detained)\b",
        rf"\b(?:arrested|detained)\s{_APPROX}{_NUM}\b(?!\s(?:years?|percent|%))",
    ),
    "jobs": (
        rf"\b{_APPROX}{_NUM}{_SCALE}\s(?:jobs|job cuts|positions|layoffs)\b",
        rf"\b(?:lay(?:ing)? off|laid off|cut(?:ting)?|shed(?:ding)?)\s{_APPROX}{_NUM}{_SCALE}"
        r"\s(?:employees|workers|staff|jobs)\b",
    ),
    "seats": (rf"\b(?:won|win|winning|took|gained)\s{_APPROX}{_NUM}\s(?:seats)\b",),
    "price": (
        rf"(?:price|priced|cost|costs|paid|pay|worth|valued|sold|bought|deal)\s(?:\w+\s){{0,5}}?"
        rf"(?:at|for|of)?\s?{_APPROX}(?P<cur>[$€£])\s?{_NUM}{_SCALE}",
    ),
}
_COMPILED = {
    frame: tuple(re.compile(p, re.IGNORECASE) for p in patterns)
    for frame, patterns in FRAMES.items()
}
_LABELS = {
    "dead": "dead",
    "injured": "injured",
    "arrested": "arrested",
    "jobs": "jobs",
    "seats": "seats",
    "price": "",
}
_SCALES = {"thousand": 1e3, "million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9}


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure a source gives: its frame, value, how it was written, and whether it is
    approximate ("at least 12")."""

    frame: str
    value: float
    text: str
    approx: bool


@dataclass(frozen=True, slots=True)
class Disagreement:
    """Outlets giving different values for one frame: (outlet, figure as written) each."""

    frame: str
    values: tuple[tuple[str, str], ...]

    def line(self) -> str:
        """ "AP: 12 dead; Reuters: 15" (the frame word after the first value)."""
        word = _LABELS.get(self.frame, "")
        parts = []
        for index, (outlet, text) in enumerate(self.values):
            shown = f"{text} {word}".strip() if index == 0 and word else text
            parts.append(f"{outlet}: {shown}")
        return "; ".join(parts)


def _value(match: re.Match[str]) -> tuple[float, str] | None:
    raw = match.group("n")
    lowered = raw.lower()
    if lowered in _WORDS:
        value = float(_WORDS[lowered])
    else:
        try:
            value = float(raw.replace(",", ""))
        except ValueError:
            return None
    groups = match.groupdict()
    scale = (groups.get("scale") or "").lower()
    value *= _SCALES.get(scale, 1.0)
    currency = groups.get("cur") or ""
    text = f"{currency}{raw}" + (f" {scale}" if scale else "")
    return value, text


def figures(text: str) -> list[Figure]:
    """Every framed figure of ``text``, in order of frame then position."""
    found: list[Figure] = []
    for frame, patterns in _COMPILED.items():
        spans: list[tuple[int, int]] = []
        for pattern in patterns:
            for match in pattern.finditer(text):
                start, end = match.span("n")
                if any(start < e and s < end for s, e in spans):
                    continue  # the same number read by two patterns of one frame
                parsed = _value(match)
                if parsed is None:
                    continue
                spans.append((start, end))
                approx = (match.groupdict().get("approx") or "").lower()
                shown = f"{approx} {parsed[1]}" if approx else parsed[1]
                found.append(Figure(frame, parsed[0], shown, bool(approx)))
    return found


def _sure(found: Sequence[Figure], frame: str) -> Figure | None:
    """The one value a source gives for ``frame``, or None (none, or several: unsure)."""
    values = {f.value for f in found if f.frame == frame}
    if len(values) != 1:
        return None
    return next(f for f in found if f.frame == frame)


def _differ(a: Figure, b: Figure) -> bool:
    if a.value == b.value:
        return False
    low = a if a.value < b.value else b
    return not low.approx  # "at least 12" does not contradict 15


def disagreements(sources: Sequence[tuple[str, str]]) -> list[Disagreement]:
    """Frames on which the outlets of (outlet, text) pairs differ; one value per outlet (its
    first source that is sure), outlets in the order given."""
    per_outlet: dict[str, list[Figure]] = {}
    for outlet, text in sources:
        key = outlet.strip() or "?"
        if key not in per_outlet:
            per_outlet[key] = figures(text)
    result: list[Disagreement] = []
    for frame in FRAMES:
        sure = [(o, f) for o, fs in per_outlet.items() if (f := _sure(fs, frame)) is not None]
        if len(sure) < 2:
            continue
        if not any(_differ(a, b) for i, (_, a) in enumerate(sure) for _, b in sure[i + 1 :]):
            continue
        result.append(Disagreement(frame, tuple((o, f.text) for o, f in sure)))
    return result
