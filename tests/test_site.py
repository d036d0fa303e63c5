"""The static site: what `site` writes, its links and what it loads (no browser needed)."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.config import Config
from bot.knowledge import KnowledgeBase
from bot.knowledge.telegram_html import strip_tags
from bot.site import SiteError, build_site
from bot.site.search import search_index

ROOT = Path(__file__).resolve().parent.parent


class _Refs(HTMLParser):
    """Every link (<a href>) and every loaded resource (src, <link href>) of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.loads: list[str] = []
        self.ids: set[str] = set()
        self.lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.lang = found.get("lang")
        if found.get("id"):
            self.ids.add(found["id"] or "")
        if tag == "a" and found.get("href"):
            self.links.append(found["href"] or "")
        if found.get("src"):
            self.loads.append(found["src"] or "")
        if tag == "link" and found.get("rel") == "stylesheet":
            self.loads.append(found.get("href") or "")
        if tag == "link" and found.get("rel") == "alternate":
            self.links.append(found.get("href") or "")


def _refs(path: Path) -> _Refs:
    parser = _Refs()
    parser.feed(path.read_text("utf-8"))
    return parser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, kb: KnowledgeBase, config: Config) -> Path:
    out = tmp_path_factory.mktemp("site") / "dist"
    build_site(kb, config, out, clinic_slug="demo-kine")
    return out


def test_every_entry_has_a_page_in_both_languages(site: Path, kb: KnowledgeBase) -> None:
    for entry in kb.entries.values():
        for lang in ("nl", "en"):
            page = (site / lang / f"{entry.id}.html").read_text("utf-8")
            text = entry.text(lang)
            assert f'<html lang="{lang}">' in page
            assert strip_tags(text.title) in strip_tags(page)
            assert text.short in page
            assert all(tip in page for tip in text.tips)
            for source in entry.sources:
                assert (kb.sources[source].doi or kb.sources[source].link) in page
            assert f'hreflang="{"en" if lang == "nl" else "nl"}"' in page


def test_every_internal_link_resolves_and_nothing_is_loaded_from_outside(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 40
    for page in pages:
        refs = _refs(page)
        for ref in refs.loads:
            assert not urlsplit(ref).scheme and not ref.startswith("//"), (page, ref)
            assert (page.parent / ref).resolve().is_file(), (page, ref)
        for ref in refs.links:
            parts = urlsplit(ref)
            if parts.scheme in ("http", "https", "tel"):
                continue
            assert not parts.scheme, (page, ref)
            target = (page.parent / parts.path).resolve() if parts.path else page
            assert target.is_file(), (page, ref)
            if parts.fragment:
                assert parts.fragment in _refs(target).ids, (page, ref)


def test_the_pages_work_without_javascript(site: Path, kb: KnowledgeBase) -> None:
    index = (site / "nl" / "index.html").read_text("utf-8")
    # every entry is reachable by a plain link; the search box shows only once its script runs
    for entry in kb.entries.values():
        assert f'href="{entry.id}.html"' in index
    assert re.search(r"<search[^>]*\bhidden\b", index)


def test_the_clinic_landing_page_has_its_name_qr_code_and_deep_link(site: Path) -> None:
    landing = (site / "index.html").read_text("utf-8")
    assert "Kinepraktijk Demo" in landing
    assert "https://t.me/mythbot_artrose_bot?start=demo-kine" in landing
    assert '<svg role="img"' in landing
    assert 'href="tel:+3290000000"' in landing
    entry = (site / "en" / "weight-loss.html").read_text("utf-8")
    assert 'href="https://t.me/mythbot_artrose_bot?start=demo-kine"' in entry


def test_clinic_text_is_escaped(tmp_path: Path, kb: KnowledgeBase, config: Config) -> None:
    clinic = config.clinics[0].model_copy(update={"name": "<script>alert(1)</script> & Co"})
    hostile = config.model_copy(update={"clinics": [clinic]})
    build_site(kb, hostile, tmp_path / "dist", clinic_slug=clinic.slug)
    landing = (tmp_path / "dist" / "index.html").read_text("utf-8")
    assert "<script>alert" not in landing
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in landing


def test_one_language_has_no_links_to_the_other(tmp_path: Path, kb: KnowledgeBase,
                                                config: Config) -> None:
    build_site(kb, config, tmp_path / "dist", lang="en")
    assert not (tmp_path / "dist" / "nl").exists()
    page = (tmp_path / "dist" / "en" / "index.html").read_text("utf-8")
    assert 'hreflang="nl"' not in page
    assert "https://t.me/mythbot_artrose_bot" in page  # the bot's own link, no clinic
    assert "?start=" not in page


def test_a_folder_that_is_not_a_site_is_never_emptied(tmp_path: Path, kb: KnowledgeBase,
                                                      config: Config) -> None:
    precious = tmp_path / "home"
    precious.mkdir()
    (precious / "thesis.docx").write_text("years of work")
    with pytest.raises(SiteError, match="not empty"):
        build_site(kb, config, precious)
    assert (precious / "thesis.docx").read_text() == "years of work"
    # an earlier site is rebuilt whole: a page that no longer exists goes away
    site = tmp_path / "dist"
    build_site(kb, config, site)
    (site / "nl" / "stale.html").write_text("old")
    build_site(kb, config, site)
    assert not (site / "nl" / "stale.html").exists()


def test_search_index_holds_every_entry_without_stop_words(kb: KnowledgeBase) -> None:
    index = search_index(kb, "nl")
    docs = index["docs"]
    assert isinstance(docs, list) and {d["id"] for d in docs} == set(kb.entries)
    rest = next(d for d in docs if d["id"] == "rest-until-pain-free")
    assert "rusten" in rest["title_terms"].split()
    assert "de" not in rest["title_terms"].split()


def test_cli_builds_the_site_and_refuses_an_unknown_clinic(tmp_path: Path) -> None:
    ok = subprocess.run([sys.executable, "-m", "bot", "site", "--out", str(tmp_path / "d")],
                        capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert "pages in" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "bot", "site", "--out", str(tmp_path / "e"),
                          "--clinic", "nope"], capture_output=True, text=True, cwd=ROOT,
                         timeout=60)
    assert bad.returncode != 0
    assert bad.stderr.startswith("mythbot: unknown clinic 'nope'")
    assert "Traceback" not in bad.stderr


def test_a_netherlands_clinic_gets_its_own_words(tmp_path: Path, kb: KnowledgeBase,
                                                 config: Config) -> None:
    clinic = config.clinics[0].model_copy(update={"dutch": "nl"})
    dutch = config.model_copy(update={"clinics": [clinic]})
    build_site(kb, dutch, tmp_path / "nl-site", clinic_slug=clinic.slug)
    build_site(kb, config, tmp_path / "be-site", clinic_slug=clinic.slug)
    page = "nl/physiotherapy.html"
    netherlands = (tmp_path / "nl-site" / page).read_text("utf-8")
    assert "fysiotherapeut" in netherlands and "kinesitherapeut" not in netherlands
    assert "kinesitherapeut" in (tmp_path / "be-site" / page).read_text("utf-8")
