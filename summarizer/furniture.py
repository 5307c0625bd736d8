"""Site furniture in scraped news text: lines that are never article prose.

One list of patterns shared by the article extractor (``news.sources.extract``, on the lines it
pulls out of a page) and the summarizer (on the lines of a text it is handed): licensing notices,
"This is the … news you need to know today" openers, newsletter, share and app prompts, photo
credits, bylines, datelines, related-article teasers, ad slots and widget labels.

- :func:`is_furniture` ``(line) -> bool``: a whole line is furniture;
- :func:`is_author_bio` ``(line) -> bool``: the line reads like an author bio ("Jane Doe is a
  staff writer ..."); only furniture near the end of an article, so the caller decides where;
- :data:`PATTERNS`: the compiled patterns, each matched case-insensitively to a whole short line
  (at most :data:`MAX_WORDS` words) after list marks are stripped.

Pure functions, no state: safe from any thread.
"""

from __future__ import annotations

import re

__all__ = ["MAX_WORDS", "PATTERNS", "is_author_bio", "is_furniture"]

MAX_WORDS = 30  # a longer line is prose even when it starts like a prompt

_WORD = re.compile(r"\w+")
_SOCIAL = r"(facebook|twitter|x|linkedin|whatsapp|email|reddit|pinterest|telegram|copy link)"
_AGENCY = (
    r"(getty images|shutterstock|wikimedia commons|ap photo|afp|reuters|epa|alamy|pool|handout)"
)
_CREDIT = r"(getty images|shutterstock|wikimedia commons|ap photo|alamy|pool photo|handout photo)"
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATELINE = (  # "Jan. 19, 2020", "Sunday 19 January 2020", "2020-01-19", "19/01/2020"
    rf"(((mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s*)?({_MONTH}\s+\d{{1,2}}(st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}})|\d{{4}}-\d{{2}}-\d{{2}}"
    r"|\d{1,2}[./]\d{1,2}[./]\d{2,4})"
)
_NAME = r"(?-i:[A-Z])[\w.'’-]*(\s+(?-i:[A-Z])[\w.'’-]*){0,3}"  # up to four capitalised words
_SOURCES = (
    # licensing and reprint notices
    r"this (copy|article|story|material) is for your personal,? non-?commercial use only\b.*",
    r".*\b(distribution and use of this material are governed by|to order presentation-ready"
    r" copies|for (reprints|distribution) (of|to) (colleagues|clients|customers))\b.*",
    r"(this material|this article|this story) may not be (published|reproduced|redistributed)"
    r"\b.*",
    r".*\bmay not be (published, broadcast, rewritten|reproduced,? distributed)\b.*",
    # newsletter openers: "This is the Sunday news you need to know today"
    r"(this is|here is|here's|here are) [^.!?]{0,60}\b(news|stories|headlines)"
    r" (you need to know|to know|you need)( (today|this (morning|evening|week)|now))?\W*",
    r"(good (morning|evening|afternoon))[,.!]? (and )?(welcome|here is|here's|this is)\b.{0,120}",
    # ad slots and "continue" prompts
    r"(advertisement|advertising|sponsored( content| stories| links)?|ad|ads by \w+|story"
    r" continues below( advertisement)?|scroll to continue( with content)?|continue reading"
    r"( the main story| below)?|supported by|promoted( content| stories)?|paid (content|post)"
    r"|partner content|anzeige|werbung|publicité|publicidad|pubblicità|reklama)\W*",
    # teasers for other stories
    r"(read more|read next|read also|also read|see also)\b.*",
    r"(?-i:More from|MORE FROM|More on this story|More On This Story)\b.*",
    r"(related( coverage| articles| stories| content| links| reading)?|recommended( for you"
    r"| stories)?|most (read|popular|viewed|shared)|trending( now)?|you (might|may) also like"
    r"|around the web|from (around|across) the web|from our partners|popular( now| stories)?"
    r"|editor'?s picks|top stories|latest (news|stories)|more (stories|news|headlines|videos)"
    r"|just watched|must watch|replay)\W*",
    r"related\s*:.*",
    # newsletter and account prompts
    r".*\b(sign up|subscribe|register)\b.*\b(newsletter|inbox|updates|briefing|emails?)\b.*",
    r".*\bnewsletters?\b.*\b(sign up|subscribe|inbox|unsubscribe)\b.*",
    r"(sign up|subscribe( now| today)?|log ?in|sign in|unsubscribe)\b[^.!?]{0,60}",
    # share and comment widgets
    r"(share( this( article| story| page)?| on \w+| via \w+| full article)?|tweet|email"
    r"( this)?( story| article)?|print( this)?( story| article| page)?|copy link|like this"
    r"|like loading\W*|\d* ?comments?|view \d+ comments|leave a (reply|comment))"
    rf"([\s|:·•,.]*({_SOCIAL}|print( this story)?|email this story|\d+))*\W*",
    r"(listen to (this|the) article|\d+ min(ute)?s? read).*",
    rf"({_SOCIAL}|pin|pinterest|flipboard|messenger|sms|print)(\W+({_SOCIAL}|pin|pinterest"
    r"|flipboard|messenger|sms|print))*\W*",
    r"\d+\s*(shares?|comments?|likes?)\W*",
    r"share this with\b.*|click to (share|email|print)\b.*",
    r".{0,60}\(opens in (a )?new window\)",
    r"media playback is (unsupported|not supported)\b.*",
    # photo captions and credits
    r"(photo|photos|image|picture|photograph|credit|file photo|illustration)s?"
    r"\s*(:|by\b|credit\b).{0,160}",
    rf".{{0,200}}[(/|:]\s*{_CREDIT}(\s*(via \w+|/[^.]{{0,30}}))?\)?\W*",
    # agency names are also words in sentences: only as "EPA/Jo Lu" or "Jo Lu/AFP" credits
    rf".{{0,200}}(\b{_AGENCY}\s*/\s*[^./]{{1,40}}|/\s*{_AGENCY})\)?\W*",
    rf".{{0,200}}\bvia {_AGENCY}\W*",
    r".{0,200}\b(photograph|photo|image|picture|illustration|composite)\s*:\s*[^.]{2,80}",
    r"credit\s*(\.{2,}|…|:).{0,120}",
    r"((image|photo|slide)\s*)?\d+\s*(of|/)\s*\d+\W*",
    # widgets and site furniture
    r"(market data|markets|close|menu|search|skip to (main )?content|back to top|home)\W*",
    r"welcome to [^.]{1,60}",
    r"(©|\(c\)|copyright)\s*(\d{4}|©).*",
    r".*\ball rights reserved\b.*",
    r"(tags?|topics?|categories)\s*:.*|(tagged|filed under)\b[^.]*",
    r"(updated|published|posted|last updated)( on)?\b[^.!?]{0,60}\d[^.!?]{0,40}",
    rf"{_DATELINE}([\s,/|·•–-]+(at\s+)?\d{{1,2}}[:.]\d{{2}}\s*([ap]\.?m\.?)?\s*(\w{{2,5}})?)?"
    r"([\s/|·•–-]+(updated|last updated)?\s*\d+\s*(min|mins|minutes|hours?|hrs?|days?)"
    r"\s*ago)?\W*",
    r"(updated\s*)?\d+\s*(min|mins|minutes|hours?|hrs?|days?)\s*ago\W*",
    r"(have a (story|news) tip|follow us on|our standards:|purchase licensing rights"
    r"|order reprints|a version of this article appears in print).*",
    r"(image|media) (copyright|caption|source)\b.*",
    rf"{_AGENCY}\W*",
    r"(click|tap) here\b.{0,120}",
    r"(follow|like) (us|\w+( \w+){0,3}) on (twitter|facebook|instagram|x|linkedin|threads"
    r"|bluesky|tiktok|youtube|google news)\b.{0,60}",
    r"(download|get|install) (our|the) (free )?([\w-]+ ){0,3}app\b.{0,80}",
    r"(loading|please enable javascript)\b.{0,80}",
    r"[«‹<]?\s*(previous|next)( (post|article|story|page))?\s*[»›>]?(\s*:.{0,100})?",
    r"(watch|video|listen|gallery|slideshow)\s*[:|].{0,120}",
    r"(was this article helpful\??|reuse this content|support us|thank you for reading"
    r"|report an error|send us your feedback|corrections? policy).{0,40}",
    r"(you can |you may )?unsubscribe (at )?any ?time\b.*|(see|read|view) our privacy"
    r" (policy|notice)\b.*",
    r"(got|have) a (news |story )?(tip|story)\b.*",
    r"(contact|e-?mail|write to|reach) [^@]{0,60}\S+@\S+\.\w+.*",  # a line opening so
    r"[^|]{1,60}(\|[^|]{1,60}){2,}",  # "Name | 30 May 2026, 11:20 | Section" (see below)
    # bylines
    rf"(?-i:By|BY|Words by|Written by|Reporting by|Story by)\s+{_NAME}"
    rf"(\s*(,|and|&)\s*{_NAME})*\W*",
)
PATTERNS: tuple[re.Pattern[str], ...] = tuple(re.compile(p, re.IGNORECASE) for p in _SOURCES)
_PIPES = next(p for p in PATTERNS if p.pattern.startswith("[^|]"))
# all but the byline-strip pattern in one alternation: one regex call per line, not sixty
_ANY = re.compile("|".join(f"(?:{p.pattern})" for p in PATTERNS if p is not _PIPES), re.I)
_DATEISH = re.compile(
    r"\b(\d{1,2}:\d{2}|\d{4}|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)", re.IGNORECASE
)
_BIO = re.compile(
    r"(?:[A-Z][\w.'’-]+ ){1,3}(is|was|has been) (an? |the )?([\w-]+ ){0,4}(reporter|writer"
    r"|correspondent|editor|journalist|columnist|contributor|producer|photographer|author"
    r"|fellow)\b"
)
_BIO_MAX_WORDS = 60


def is_furniture(line: str) -> bool:
    """True when the whole line is site furniture (an empty line counts as furniture)."""
    stripped = " ".join(line.split()).lstrip("-•*·|> ").strip()
    if not stripped:
        return True
    words = len(_WORD.findall(stripped))
    if words > MAX_WORDS:
        return False
    if _ANY.fullmatch(stripped):
        return True
    # "Name | 30 May 2026, 11:20 | Section"; a table row or a long strip is not a byline
    return bool(
        _PIPES.fullmatch(stripped)
        and not line.lstrip().startswith("|")
        and words <= 15
        and _DATEISH.search(stripped)
    )


def is_author_bio(line: str) -> bool:
    """True for a line shaped like an author bio ("Jane Doe is a staff writer ...")."""
    stripped = line.strip()
    return bool(_BIO.match(stripped)) and len(_WORD.findall(stripped)) <= _BIO_MAX_WORDS
