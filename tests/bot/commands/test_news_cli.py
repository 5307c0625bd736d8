"""``newsbrief ingest | feeds | articles | db`` through the real console entry point."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from tests.support.http_server import LocalHTTPServer
from tests.support.sitegen import generate, render_page, rss_feed, stub_page

HTML = {"Content-Type": "text/html; charset=utf-8"}


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("NEWSBRIEF_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("NEWSBRIEF_FETCH_TIMEOUT", "2")
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers  # main() configures logging for the process; undo it
    root.setLevel(level)


@pytest.fixture
def site() -> Iterator[LocalHTTPServer]:
    articles = generate(5, seed=21)
    with LocalHTTPServer() as server:
        for article in articles:
            server.set(article.path, (200, HTML, render_page(article, server.base_url)))
        server.set(
            "/feed.xml",
            (200, {"Content-Type": "application/rss+xml"}, rss_feed(articles, server.base_url)),
        )
        server.set("/login.html", (200, HTML, stub_page()))
        yield server


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ingest_feed_page_and_listing(
    site: LocalHTTPServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSBRIEF_ALLOW_LOOPBACK", "true")
    code, out, _ = run(capsys, "ingest", "--no-embed", "--no-progress", site.url("/feed.xml"))
    assert code == 0
    assert out.strip().startswith("5 new, 0 duplicate, 0 rejected")
    code, out, _ = run(
        capsys,
        "ingest",
        "--no-embed",
        "--no-progress",
        site.url("/feed.xml"),
        site.url(generate(5, seed=21)[0].path),
        site.url("/login.html"),
    )
    assert code == 0
    assert out.strip().startswith("0 new, 1 duplicate, 1 rejected: ")
    code, out, _ = run(capsys, "feeds", "list")
    assert code == 0
    assert site.url("/feed.xml") in out
    assert "The Daily Example" in out
    code, out, _ = run(capsys, "articles", "list", "--limit", "3")
    assert code == 0
    assert "(1-3 of 5 articles)" in out
    first_id = out.split()[0]
    code, out, _ = run(capsys, "articles", "show", first_id)
    assert code == 0
    assert "source:    The Daily Example" in out
    assert "url:       " + site.base_url in out
    assert run(capsys, "articles", "show", "999")[0] == 1


def test_loopback_is_refused_unless_allowed(
    site: LocalHTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "ingest", "--no-embed", "--no-progress", site.url("/feed.xml"))
    assert code == 1
    assert out.startswith("0 new, 0 duplicate, 1 rejected: ")
    assert site.requests == []
    code, _, err = run(capsys, "feeds", "add", site.url("/feed.xml"))
    assert code == 1
    assert err.splitlines()[-1] == (  # after the guard's log line
        f"newsbrief: {site.url('/feed.xml')}: The link points to a private or local network "
        "address, which is not fetched."
    )


def test_feeds_add_remove_and_db_upgrade(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSBRIEF_ALLOW_LOOPBACK", "true")
    code, out, _ = run(capsys, "db", "upgrade")
    assert code == 0
    assert "latest revision" in out
    code, out, _ = run(capsys, "db", "analyze")
    assert code == 0
    assert out.startswith("analyzed sqlite:///")
    code, out, _ = run(capsys, "feeds", "add", "http://127.0.0.1:9/a.xml", "--title", "A")
    assert code == 0
    feed_id = out.split()[1].rstrip(":")
    run(capsys, "feeds", "add", "http://127.0.0.1:9/b.xml")
    code, out, _ = run(capsys, "feeds", "list")
    assert out.count("http://127.0.0.1:9/") == 2
    code, _, err = run(capsys, "feeds", "remove", "²")  # not an id: "²".isdigit() is True
    assert code == 1
    assert err == "newsbrief: no feed ²\n"
    assert run(capsys, "feeds", "remove", feed_id)[0] == 0
    assert run(capsys, "feeds", "remove", "http://127.0.0.1:9/b.xml")[0] == 0
    assert run(capsys, "feeds", "remove", "http://127.0.0.1:9/b.xml")[0] == 1
    assert "no feeds" in run(capsys, "feeds", "list")[1]


def test_ingest_folder_and_unknown_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    for article in generate(3, seed=22):
        (folder / f"{article.slug}.html").write_text(render_page(article, "https://x.example"))
    (folder / "wall.html").write_text(stub_page())
    code, out, _ = run(capsys, "ingest", "--no-embed", "--no-progress", str(folder))
    assert code == 0
    assert out.startswith("3 new, 0 duplicate, 1 rejected: ")
    code, out, _ = run(capsys, "ingest", "--no-embed", "--no-progress", str(tmp_path / "nope"))
    assert code == 1
    assert "not a URL, a file or a folder" in out


@pytest.mark.slow
def test_ingest_folder_with_worker_processes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    for article in generate(4, seed=23):
        (folder / f"{article.slug}.html").write_text(render_page(article, "https://x.example"))
    (folder / "wall.html").write_text(stub_page())
    code, out, _ = run(
        capsys, "ingest", "--no-embed", "--no-progress", "--workers", "2", str(folder)
    )
    assert code == 0
    assert out.startswith("4 new, 0 duplicate, 1 rejected: ")  # NotAnArticle crossed processes
