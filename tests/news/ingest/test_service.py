"""Single pages, saved files and folders of them into the store."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import Settings
from news.ingest import Ingestor
from news.sources.extract import NotAnArticle, extract
from news.sources.fetch import Fetcher
from news.store import Store
from tests.news.conftest import FakeEncoder
from tests.news.ingest.conftest import serve_pages
from tests.support.http_server import LocalHTTPServer
from tests.support.sitegen import generate, render_page, stub_page


async def test_ingest_url_file_and_folder(
    server: LocalHTTPServer,
    store: Store,
    fetcher: Fetcher,
    settings: Settings,
    tmp_path: Path,
) -> None:
    articles = generate(5, seed=9)
    serve_pages(server, articles[:1])
    ingestor = Ingestor(store, fetcher, encoder=FakeEncoder(), on_new=None, settings=settings)
    result = await ingestor.ingest_url(server.url(articles[0].path))
    assert result.status == "new"
    assert result.article.title == articles[0].title
    assert (await ingestor.ingest_url(server.url(articles[0].path))).status == "duplicate"

    folder = tmp_path / "saved"
    (folder / "sub").mkdir(parents=True)
    for n, article in enumerate(articles[1:4]):
        target = folder / ("sub" if n == 2 else "") / f"{article.slug}.html"
        target.write_text(render_page(article, "https://saved.example"), encoding="utf-8")
    (folder / "login.html").write_text(stub_page(), encoding="utf-8")
    (folder / "notes.txt").write_text("not html", encoding="utf-8")
    single = await ingestor.ingest_file(folder / f"{articles[1].slug}.html")
    assert single.status == "new"
    assert single.article.url == "https://saved.example" + articles[1].path  # canonical link
    report = await ingestor.ingest_folder(folder)
    assert (report.new, report.duplicate) == (2, 1)
    with pytest.raises(NotAnArticle) as login:
        extract(stub_page(), None)
    assert [(Path(url).name, reason) for url, reason in report.rejected] == [
        ("login.html", login.value.reason)
    ]
    assert await store.count_articles() == 4
