"""``newsbrief summarize FILE|URL|- ...``: print the summary of one article (or of many, with a
progress bar). Files may be plain text or HTML (HTML goes through the article extractor)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from news.text import looks_like_html

if TYPE_CHECKING:
    from config import Settings

__all__ = ["register"]

logger = logging.getLogger(__name__)

_BATCH = 16


def register(subparsers: Any) -> None:  # argparse._SubParsersAction
    """Add the ``summarize`` subcommand."""
    parser = subparsers.add_parser(
        "summarize",
        help="print the summary of an article (file, URL or - for stdin)",
        description=__doc__,
    )
    parser.add_argument("inputs", nargs="+", metavar="FILE|URL|-", help="text or HTML sources")
    parser.add_argument(
        "--backend", choices=["extractive", "abstractive"], default=None, help="summarizer"
    )
    parser.add_argument("--model", default=None, help="seq2seq checkpoint (hub name or folder)")
    parser.add_argument("--device", default=None, help="auto, cpu or cuda[:N]")
    parser.add_argument("--sentences", type=int, default=3, help="at most this many sentences")
    parser.add_argument("--words", type=int, default=120, help="at most this many words")
    parser.set_defaults(func=run)


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


# The news modules, tqdm and the summarizer are imported when the command runs (each import
# below is lazy only to keep `newsbrief --help` fast: trafilatura and torch are slow to import).


def _from_html(html: str, url: str | None) -> str:
    from news.sources.extract import extract

    return extract(html, url).text


async def _fetch(settings: Settings, url: str) -> str:
    from news.sources.fetch import Fetcher

    fetcher = Fetcher(settings)
    try:
        page = await fetcher.fetch_page(url, user_supplied=True)
    finally:
        await fetcher.aclose()
    return await asyncio.to_thread(_from_html, page.text, page.url)


def read_source(settings: Settings, source: str) -> str:
    """The article text of a file, ``-`` (stdin) or an http(s) URL."""
    if _is_url(source):
        return asyncio.run(_fetch(settings, source))
    text = sys.stdin.read() if source == "-" else Path(source).read_text("utf-8", "replace")
    return _from_html(text, None) if looks_like_html(text) else text


def _user_errors() -> tuple[type[Exception], ...]:
    """Fetch and extraction failures that carry a user-facing ``reason``."""
    from news.sources.extract import NotAnArticle
    from news.sources.fetch import FetchError

    return (FetchError, NotAnArticle)


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Summarize every input; exit 1 when any could not be read."""
    from tqdm import tqdm

    import summarizer

    update: dict[str, Any] = {}
    if args.backend:
        update["summarizer"] = args.backend
    if args.model:
        update["summarizer_model"] = args.model
        update.setdefault("summarizer", "abstractive")
    if args.device:
        update["summarizer_device"] = args.device
    if update:
        settings = settings.model_copy(update=update)
    inputs: Sequence[str] = args.inputs
    many = len(inputs) > 1
    failed = 0
    texts: list[tuple[str, str]] = []
    for source in inputs:
        try:
            texts.append((source, read_source(settings, source)))
        except OSError as exc:
            print(f"newsbrief: {source}: {exc.strerror or exc}", file=sys.stderr)
            failed += 1
        except _user_errors() as exc:
            print(f"newsbrief: {source}: {getattr(exc, 'reason', exc)}", file=sys.stderr)
            failed += 1
    model = summarizer.load(settings)
    with tqdm(total=len(texts), desc="summarizing", unit="article", disable=not many) as bar:
        for start in range(0, len(texts), _BATCH):
            batch = texts[start : start + _BATCH]
            results = model.summarize(
                [text for _, text in batch], max_sentences=args.sentences, max_words=args.words
            )
            for (source, _), result in zip(batch, results, strict=True):
                if many:
                    bar.write(f"== {source}")
                    bar.write(result.text or "(no summary: the text has no sentences)")
                else:
                    print(result.text or "(no summary: the text has no sentences)")
            bar.update(len(batch))
    return 1 if failed else 0
