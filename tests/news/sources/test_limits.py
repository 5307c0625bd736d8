"""news.sources.limits: HTML cut before parsing, extraction stopped (a worker process) or given up
on (a thread) after its time limit, with a clear reason."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pytest

from news.sources.extract import NotAnArticle
from news.sources.limits import OVERTIME, cut_html, extract_bounded, extract_within

STORY = " ".join(["The council voted on the new budget for the city's schools on Tuesday."] * 8)
SMALL = f"<html><head><title>Budget</title></head><body><article><p>{STORY}</p><p>{STORY}</p>"
SMALL += "</article></body></html>"


def _big_page(blocks: int = 6000) -> str:
    """A page that takes the extractor about a second, warm (many blocks of text and links)."""
    body = "".join(
        f"<div class=c{i % 7}><p>Paragraph {i} of the story, with words in it to read and more "
        f"words after.</p><a href=/x{i}>link {i}</a></div>"
        for i in range(blocks)
    )
    return f"<html><head><title>Big</title></head><body>{body}</body></html>"


def test_cut_html_backs_up_to_a_tag_end() -> None:
    html = "<p>" + "a" * 100 + "</p><p>" + "b" * 100 + "</p>"
    assert cut_html(html, 1000) is html
    assert cut_html(html, 108) == "<p>" + "a" * 100 + "</p>"
    assert cut_html(html.encode(), 108) == ("<p>" + "a" * 100 + "</p>").encode()
    assert cut_html("x" * 50, 10) == "x" * 10  # no tag end at all: a plain cut


def test_overlong_extraction_is_stopped_in_the_main_thread() -> None:
    with pytest.raises(NotAnArticle) as info:
        extract_within(_big_page(), "https://news.example/big", 0.2)
    assert info.value.reason == OVERTIME
    # the alarm is gone: a later extraction is not interrupted
    assert extract_within(SMALL, "https://news.example/s", 30).title == "Budget"


async def test_thread_extraction_gives_up_waiting() -> None:
    with pytest.raises(NotAnArticle) as info:
        await extract_bounded(_big_page(1500), None, max_chars=10_000_000, seconds=0.05)
    assert info.value.reason == OVERTIME


async def test_cut_page_is_extracted_from_its_head() -> None:
    page = SMALL.replace("</body>", "<div>" + "<p>tail</p>" * 50_000 + "</div></body>")
    article = await extract_bounded(page, None, max_chars=len(SMALL) + 100, seconds=30)
    assert (article.title, "tail" in article.text) == ("Budget", False)


async def test_worker_process_stops_an_overlong_page_and_stays_usable() -> None:
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        # warm the worker first, so the import time is not the page's time
        article = await extract_bounded(SMALL, None, max_chars=10**6, seconds=60, executor=pool)
        assert article.title == "Budget"
        with pytest.raises(NotAnArticle) as info:
            await extract_bounded(_big_page(), None, max_chars=10**7, seconds=0.3, executor=pool)
        assert info.value.reason == OVERTIME
        again = await extract_bounded(SMALL, None, max_chars=10**6, seconds=60, executor=pool)
        assert again.title == "Budget"
