"""The static site in a real browser: search, links, printing and an accessibility scan.

Headless Chromium (Debian's `chromium`) driven by Playwright, over pages served from
127.0.0.1. Without a browser these tests skip with the reason; in CI (`CI` set) a missing
browser is a failure, since `.ci/run` installs one. Set MYTHBOT_SCREENSHOTS=DIR to keep the
screenshots that the README shows (`make screenshots`).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.config import Config
from bot.knowledge import KnowledgeBase
from bot.site import build_site

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without these, Chromium keeps trying to reach Google's services from a closed network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BAD_IMPACTS = {"serious", "critical"}


def _need_browser() -> None:
    if Path(CHROMIUM).is_file():
        return
    reason = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(reason + ": CI must have one")
    pytest.skip(reason)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, kb: KnowledgeBase,
           config: Config) -> Iterator[str]:
    """The site for the example clinic, served on 127.0.0.1; yields its base URL."""
    out = tmp_path_factory.mktemp("site") / "dist"
    build_site(kb, config, out, clinic_slug="demo-kine")
    handler = functools.partial(_Quiet, directory=str(out))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    _need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object, served: str) -> Iterator[object]:
    """A page that fails the test on any request outside the site."""
    context = browser.new_context(viewport={"width": 1000, "height": 1200})  # type: ignore[attr-defined]
    outside: list[str] = []

    def guard(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if url.startswith(served):
            route.continue_()  # type: ignore[attr-defined]
        else:
            outside.append(url)
            route.abort()  # type: ignore[attr-defined]

    context.route("**/*", guard)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert outside == [], f"requests outside the site: {outside}"
    assert errors == [], f"script errors: {errors}"


def _shots() -> Path | None:
    folder = os.environ.get("MYTHBOT_SCREENSHOTS")
    if not folder:
        return None
    Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder)


@pytest.mark.parametrize(("lang", "typed", "expected"), [
    ("nl", "moet ik rusten als het pijn doet", "rest-until-pain-free"),
    ("nl", "afvallen", "weight-loss"),
    ("en", "x-ray", "scan-predicts-pain"),
    ("en", "painkillers", "medication"),
])
def test_search_as_people_type_puts_the_right_entry_first(page: object, served: str, lang: str,
                                                           typed: str, expected: str) -> None:
    page.goto(f"{served}{lang}/index.html")  # type: ignore[attr-defined]
    page.fill("#q", typed)  # type: ignore[attr-defined]
    first = page.locator("#results a").first  # type: ignore[attr-defined]
    assert first.get_attribute("href") == f"{expected}.html"
    first.click()
    page.wait_for_url(f"{served}{lang}/{expected}.html")  # type: ignore[attr-defined]
    assert page.locator("h1").count() == 1  # type: ignore[attr-defined]


def test_an_entry_page_links_to_the_clinic_bot_and_to_the_other_language(
        page: object, served: str) -> None:
    page.goto(f"{served}nl/weight-loss.html")  # type: ignore[attr-defined]
    ask = page.locator(".ask a")  # type: ignore[attr-defined]
    # the link only: Telegram itself is outside this machine
    assert ask.get_attribute("href") == "https://t.me/mythbot_artrose_bot?start=demo-kine"
    page.click("text=English")  # type: ignore[attr-defined]
    page.wait_for_url(f"{served}en/weight-loss.html")  # type: ignore[attr-defined]
    assert page.locator("html").get_attribute("lang") == "en"  # type: ignore[attr-defined]


def test_every_entry_prints_as_one_a4_page(page: object, served: str,
                                           kb: KnowledgeBase) -> None:
    page.emulate_media(media="print")  # type: ignore[attr-defined]
    too_long = []
    for lang in ("nl", "en"):
        for entry_id in kb.entries:
            page.goto(f"{served}{lang}/{entry_id}.html")  # type: ignore[attr-defined]
            pdf = page.pdf(format="A4", print_background=True)  # type: ignore[attr-defined]
            pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
            if pages != 1:
                too_long.append(f"{lang}/{entry_id}: {pages} pages")
    assert too_long == []
    # printed, the handout shows the QR code and writes links out, without the navigation
    assert page.locator(".print-qr svg").is_visible()  # type: ignore[attr-defined]
    assert not page.locator(".site-header").is_visible()  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", ["index.html", "nl/index.html", "en/weight-loss.html",
                                  "nl/rest-until-pain-free.html"])
def test_no_serious_accessibility_violations(page: object, served: str, path: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page.goto(f"{served}{path}")  # type: ignore[attr-defined]
    if path.endswith("index.html") and "/" in path:
        page.fill("#q", "knie")  # type: ignore[attr-defined]  # scan the results list too
    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    bad = [f"{v['id']} ({v['impact']}): {v['help']}" for v in result.response["violations"]
           if v["impact"] in BAD_IMPACTS]
    assert bad == []


def test_screenshots_of_the_index_an_entry_and_a_handout(page: object, served: str,
                                                         tmp_path: Path) -> None:
    folder = _shots() or tmp_path
    page.goto(f"{served}nl/index.html")  # type: ignore[attr-defined]
    page.fill("#q", "rusten")  # type: ignore[attr-defined]
    page.screenshot(path=str(folder / "site-index.png"))  # type: ignore[attr-defined]
    page.goto(f"{served}nl/rest-until-pain-free.html")  # type: ignore[attr-defined]
    page.screenshot(path=str(folder / "site-entry.png"))  # type: ignore[attr-defined]
    page.emulate_media(media="print")  # type: ignore[attr-defined]
    page.set_viewport_size({"width": 794, "height": 1123})  # type: ignore[attr-defined]  # A4
    page.screenshot(path=str(folder / "site-handout.png"), full_page=True)  # type: ignore[attr-defined]
    for name in ("site-index.png", "site-entry.png", "site-handout.png"):
        assert (folder / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
