"""`newsbrief demo` driven in real headless Chromium: /start, /brief, subscribe, the second batch's
alert, "Full article". Takes the screenshot the README shows: it replaces docs/demo.png when
NEWSBRIEF_UPDATE_SCREENSHOT=1, so a plain `make test` leaves the tree clean.

Playwright cannot download browsers here, so it launches Debian's chromium. Without it the test
fails under CI=true (CI installs it) and skips elsewhere with the reason.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.demo import ROOT, start_demo

if TYPE_CHECKING:
    from playwright.async_api import Page

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = ROOT / "docs" / "demo.png"
WHY_SCREENSHOT = ROOT / "docs" / "demo-why.png"

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(170)]


def _chromium() -> str:
    path = CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which("chromium")
    if path:
        return path
    if os.environ.get("CI") == "true":
        pytest.fail(
            "Debian's chromium is missing: install Debian's chromium (apt-get install chromium)"
        )
    pytest.skip("install Debian's chromium (apt-get install chromium) to run the browser test")


class Demo:
    """`newsbrief demo` in a subprocess; its output is collected by a reader thread."""

    def __init__(self) -> None:
        self.proc = start_demo()
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    def wait_ready(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                match = re.search(r"ready in .*Open (http://\S+) ", line)
                if match:
                    return match.group(1)
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError("the demo did not come up:\n" + "".join(self.lines[-40:]))

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self._reader.join(timeout=5)
            if self.proc.stdout is not None:
                self.proc.stdout.close()


async def _new_message(
    page: Page, after: int, matches: Callable[[str, list[str]], bool], within: float
) -> str:
    """The id of the first bot message past the first ``after`` whose text and link targets
    satisfy ``matches`` (other messages, such as further alerts, may arrive meanwhile)."""
    messages = page.locator(".msg.in")
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for index in range(after, await messages.count()):
            candidate = messages.nth(index)
            links = await candidate.locator(".content a").evaluate_all("a => a.map(e => e.href)")
            if matches(await candidate.inner_text(), links):
                message_id = await candidate.get_attribute("data-message-id")
                assert message_id is not None
                return message_id
        await page.wait_for_timeout(250)
    raise AssertionError(f"no matching new bot message within {within} s")


@pytest.fixture
def chromium() -> str:
    return _chromium()


@pytest.fixture
def demo(chromium: str) -> Iterator[Demo]:
    running = Demo()
    try:
        yield running
    finally:
        running.stop()


async def test_demo_page_in_headless_chromium(chromium: str, demo: Demo, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright, expect

    url = demo.wait_ready(timeout=120)

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page: Page = await browser.new_page(viewport={"width": 960, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await page.goto(url)
        await expect(page.locator("#batch-status")).to_contain_text("batch 1 of 2")

        # The sanitizer keeps Telegram's tags and drops everything else.
        clean = await page.evaluate(
            "window.newsbriefDemo.sanitize('<b>bold</b> <script>alert(1)</script>"
            '<img src=x onerror="alert(1)"><a href="javascript:alert(1)">bad</a> '
            '<a href="https://example.com/x">ok</a> <i onclick="x()">it</i>\')'
        )
        assert "<b>bold</b>" in clean
        assert "<i>it</i>" in clean
        assert '<a href="https://example.com/x" target="_blank"' in clean
        for bad in ("<script", "<img", "onerror", "onclick", "javascript:"):
            assert bad not in clean

        bot_messages = page.locator(".msg.in")

        async def say(text: str) -> None:
            before = await bot_messages.count()
            await page.fill("#input", text)
            await page.press("#input", "Enter")
            await expect(page.locator(".msg.out").last).to_contain_text(text)
            await expect(bot_messages).to_have_count(before + 1, timeout=45_000)

        await say("/start")
        await expect(bot_messages.last).to_contain_text("/brief")

        await say("/brief")
        briefing = bot_messages.last
        assert await briefing.locator(".content b").count() >= 3  # bold titles
        links = briefing.locator(".content a[href^='http://127.0.0.1']")
        assert await links.count() >= 3
        assert await links.first.get_attribute("target") == "_blank"
        assert await briefing.locator(".keyboard button").count() >= 3

        await say("/subscribe peace talks")
        await expect(bot_messages.last).to_contain_text("peace talks")

        # The second batch: the ceasefire story, carried by three outlets.
        before = await bot_messages.count()
        await page.click("#release-now")
        await expect(page.locator("#batch-status")).to_contain_text("batch 2 of 2", timeout=5000)
        # Its title is the first source's: one of the three outlets' headlines.
        ceasefire = re.compile(r"ceasefire agreement|ceasefire deal|truce signed", re.IGNORECASE)
        message_id = await _new_message(
            page, before, lambda text, links: bool(ceasefire.search(text)), within=60
        )
        alert = page.locator(f'.msg.in[data-message-id="{message_id}"]')
        alert_links = await alert.locator(".content a").evaluate_all("a => a.map(e => e.href)")
        assert any("/peace-talks/" in link for link in alert_links), alert_links

        before = await bot_messages.count()
        await alert.locator(".keyboard button", has_text="Full article").first.click()
        # The reply carries the story's link(s): the same targets as the alert's sources.
        reply_id = await _new_message(
            page, before, lambda text, links: bool(set(links) & set(alert_links)), within=30
        )
        assert reply_id != message_id
        link = page.locator(f'.msg.in[data-message-id="{reply_id}"] .content a').first
        await expect(link).to_be_visible()
        assert "/peace-talks/" in (await link.get_attribute("href") or "")
        assert await link.get_attribute("target") == "_blank"

        assert errors == []
        await page.wait_for_timeout(800)  # the pressed button's fade
        shot = (
            SCREENSHOT if os.environ.get("NEWSBRIEF_UPDATE_SCREENSHOT") else tmp_path / "demo.png"
        )
        await page.screenshot(path=str(shot))
        assert shot.read_bytes().startswith(b"\x89PNG")

        # "Why this?" under the alert: the topic that matched and how, with Unsubscribe and Mute.
        before = await bot_messages.count()
        await alert.locator(".keyboard button", has_text="Why this?").first.click()
        why_id = await _new_message(
            page, before, lambda text, links: "peace talks" in text.lower(), within=30
        )
        why = page.locator(f'.msg.in[data-message-id="{why_id}"]')
        await expect(why.locator(".keyboard button", has_text="Unsubscribe")).to_be_visible()
        await expect(why.locator(".keyboard button", has_text="Mute")).to_be_visible()
        await page.wait_for_timeout(800)
        why_shot = (
            WHY_SCREENSHOT
            if os.environ.get("NEWSBRIEF_UPDATE_SCREENSHOT")
            else tmp_path / "demo-why.png"
        )
        await page.screenshot(path=str(why_shot))
        assert why_shot.read_bytes().startswith(b"\x89PNG")

        # /topics: pressing "Unsubscribe" answers the callback (a toast) and edits the message.
        before = await bot_messages.count()
        await page.fill("#input", "/topics")
        await page.press("#input", "Enter")
        topics_id = await _new_message(
            page, before, lambda text, links: "Unsubscribe" in text, within=30
        )
        topics = page.locator(f'.msg.in[data-message-id="{topics_id}"]')
        await topics.locator(".keyboard button", has_text="Unsubscribe").first.click()
        await expect(page.locator("#toast")).to_contain_text("Unsubscribed", timeout=15_000)
        await expect(topics).to_have_class(re.compile(r"\bedited\b"), timeout=15_000)
        await expect(topics.locator(".meta")).to_contain_text("edited")
        assert await topics.locator(".keyboard button", has_text="Unsubscribe").count() == 0
        assert errors == []
        await browser.close()

    assert demo.stop() == 0
    assert any("stopped." in line for line in demo.lines)
