"""``newsbrief summarize``: files, stdin, several files with a progress bar, a local URL."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest

from bot.commands.summarize import register
from config import Settings
from summarizer import Encoder
from summarizer.text import word_count
from tests.support.http_server import LocalHTTPServer

pytestmark = pytest.mark.slow

FURNITURE = ("Menu", "Search", "Sign up", "Market Data", "Source:")

HTML = """<!doctype html><html><head><title>Council approves budget</title></head><body>
<nav>Menu Home Politics</nav><article><h1>Council approves budget</h1>
<p>The city council approved a new budget on Tuesday after a debate that lasted six hours.</p>
<p>Officials said the plan would cut costs and protect jobs across the region next year.</p>
<p>Critics argued that the measure did too little for schools, hospitals and public transport.</p>
<p>The mayor promised to publish the full figures next month and to hold public meetings.</p>
<p>Opposition members said they would challenge several of the spending cuts in court.</p>
</article><footer>Sign up for our newsletter</footer></body></html>"""


def _run(argv: list[str], settings: Settings | None = None) -> int:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["summarize", *argv])
    return int(args.func(settings or Settings(), args))


def test_summarize_file(
    seed_page: Path, encoder: Encoder, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run([str(seed_page), "--sentences", "2"]) == 0
    out = capsys.readouterr().out.strip()
    assert "talks" in out.lower()
    assert not any(word in out for word in FURNITURE)


def test_summarize_stdin(
    seed_page: Path,
    encoder: Encoder,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(seed_page.read_text("utf-8")))
    assert _run(["-", "--words", "40"]) == 0
    out = capsys.readouterr().out.strip()
    assert 0 < word_count(out) <= 40


def test_many_files_and_a_missing_one(
    seed_page: Path, encoder: Encoder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page.html"
    page.write_text(HTML, "utf-8")
    assert _run([str(seed_page), str(page), str(tmp_path / "missing.txt")]) == 1
    captured = capsys.readouterr()
    assert f"== {seed_page}" in captured.out
    assert f"== {page}" in captured.out
    assert "council" in captured.out.split(f"== {page}")[1].lower()
    assert "missing.txt" in captured.err
    assert "summarizing" in captured.err  # the progress bar


def test_summarize_local_url(encoder: Encoder, capsys: pytest.CaptureFixture[str]) -> None:
    routes = {"/story": (200, {"Content-Type": "text/html; charset=utf-8"}, HTML)}
    with LocalHTTPServer(routes) as server:
        code = _run([server.url("/story")], Settings(allow_loopback=True))
    assert code == 0
    out = capsys.readouterr().out
    assert "budget" in out
    assert "Sign up" not in out


def test_private_url_is_refused(encoder: Encoder, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["http://127.0.0.1:9/story"]) == 1
    assert capsys.readouterr().err.startswith("newsbrief: http://127.0.0.1:9/story: ")
