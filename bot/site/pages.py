"""The site's pages as HTML strings. Pure: the same models and renderer as the bot, no I/O.

Entry prose is Telegram HTML that `check` has verified (a small, closed set of inline tags), so
it is valid HTML as it is; everything else (titles of sources, clinic data, links) is escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from bot.config import Clinic
from bot.knowledge.models import LANGS, Entry, KnowledgeBase
from bot.knowledge.telegram_html import strip_tags
from bot.rendering import Renderer, citation

ASSETS = "assets"


@dataclass(frozen=True)
class Site:
    """What every page needs to know about the site being built."""

    kb: KnowledgeBase
    renderer: Renderer
    langs: tuple[str, ...]
    bot_link: str  # the clinic's deep link, or the bot's own link
    clinic: Clinic | None
    qr_svg: str  # inline <svg> of bot_link's QR code

    def other_langs(self, lang: str) -> tuple[str, ...]:
        return tuple(other for other in self.langs if other != lang)

    def message(self, key: str, lang: str) -> str:
        return self.kb.message(key, lang)


def entry_path(entry_id: str, lang: str) -> str:
    return f"{lang}/{entry_id}.html"


def index_path(lang: str) -> str:
    return f"{lang}/index.html"


def _paragraphs(text: str) -> str:
    blocks = [block.strip() for block in text.split("\n\n") if block.strip()]
    return "\n".join(f"<p>{block.replace(chr(10), '<br>')}</p>" for block in blocks)


def _page(site: Site, lang: str, title: str, body: str, *, depth: int,
          alternates: dict[str, str], scripts: tuple[str, ...] = ()) -> str:
    """The frame every page shares: head, skip link, header with language links, footer."""
    up = "../" * depth
    links = "".join(
        f'\n<link rel="alternate" hreflang="{other}" href="{up}{escape(path)}">'
        for other, path in alternates.items())
    switch = "".join(
        f'<a href="{up}{escape(path)}" hreflang="{other}" lang="{other}">'
        f'{escape(site.message("site-other-language", lang))}</a>'
        for other, path in alternates.items() if other != lang)
    script_tags = "".join(f'\n<script src="{up}{ASSETS}/{name}" defer></script>'
                          for name in scripts)
    home = f"{up}{index_path(lang)}"
    return f"""<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<link rel="stylesheet" href="{up}{ASSETS}/site.css">{links}{script_tags}
</head>
<body>
<a class="skip" href="#main">{escape(site.message("site-skip", lang))}</a>
<header class="site-header">
<a class="home" href="{home}">{escape(site.message("site-title", lang))}</a>
<nav aria-label="{escape(site.message("site-language", lang))}">{switch}</nav>
</header>
<main id="main" tabindex="-1">
{body}
</main>
<footer class="site-footer"><p>{site.message("disclaimer", lang)}</p></footer>
</body>
</html>
"""


def _ask_button(site: Site, lang: str) -> str:
    return (f'<p class="ask"><a class="button" href="{escape(site.bot_link)}">'
            f'{escape(site.message("site-ask-bot", lang))}</a></p>')


def entry_page(site: Site, entry: Entry, lang: str) -> str:
    text = entry.text(lang)
    title = strip_tags(text.title)
    label = site.renderer.verdict(entry, lang)
    verdict = (f'<p class="verdict verdict-{entry.verdict}">{escape(label)}</p>\n'
               if label else "")
    tips = "\n".join(f"<li>{tip}</li>" for tip in text.tips)
    sources = "\n".join(f"<li>{citation(site.kb.sources[s])}</li>" for s in entry.sources)
    related = "\n".join(
        f'<li><a href="{escape(r)}.html">{escape(strip_tags(site.kb.entries[r].text(lang).title))}'
        "</a></li>" for r in entry.related if r in site.kb.entries)
    body = f"""<article class="entry">
<h1>{text.title}</h1>
{verdict}<p class="short">{text.short}</p>
<h2>{escape(site.message("site-explanation", lang))}</h2>
{_paragraphs(text.explanation)}
<h2>{escape(strip_tags(site.message("tips-heading", lang)))}</h2>
<ul class="tips">
{tips}
</ul>
<h2>{escape(site.message("sources-heading", lang))}</h2>
<ol class="sources">
{sources}
</ol>
<p class="status">{site.renderer.source_line(entry, lang)}</p>
{_ask_button(site, lang)}
<div class="print-qr" aria-hidden="true">{site.qr_svg}
<p>{escape(site.message("site-print-qr", lang))}<br>{site.message("disclaimer", lang)}</p></div>
</article>
<nav class="related" aria-labelledby="related-{entry.id}">
<h2 id="related-{entry.id}">{escape(site.message("site-related", lang))}</h2>
<ul>
{related}
</ul>
<p><a href="index.html">{escape(site.message("site-back", lang))}</a></p>
</nav>"""
    alternates = {other: entry_path(entry.id, other) for other in site.langs}
    return _page(site, lang, f"{title} · {site.message('site-title', lang)}", body, depth=1,
                 alternates=alternates)


def index_page(site: Site, lang: str) -> str:
    """The topics with their entries' questions, and search over them as people type."""
    sections = []
    for topic in site.kb.topics.values():
        items = "\n".join(
            f'<li><a href="{escape(e.id)}.html">{escape(strip_tags(e.text(lang).title))}</a></li>'
            for e in site.kb.entries.values() if e.topic == topic.id)
        if items:
            sections.append(f'<section aria-labelledby="topic-{topic.id}">\n'
                            f'<h3 id="topic-{topic.id}">{escape(topic.label(lang))}</h3>\n'
                            f"<ul>\n{items}\n</ul>\n</section>")
    body = f"""<h1>{escape(site.message("site-title", lang))}</h1>
<p class="intro">{escape(site.message("site-intro", lang))}</p>
<search class="search" hidden>
<label for="q">{escape(site.message("site-search-label", lang))}</label>
<input id="q" type="search" autocomplete="off" aria-describedby="q-hint" aria-controls="results">
<p id="q-hint" class="hint">{escape(site.message("site-search-hint", lang))}</p>
<ol id="results" class="results" aria-live="polite"></ol>
<p id="no-results" class="hint" hidden>{escape(site.message("site-search-none", lang))}</p>
</search>
{_ask_button(site, lang)}
<h2>{escape(site.message("site-topics", lang))}</h2>
{chr(10).join(sections)}"""
    alternates = {other: index_path(other) for other in site.langs}
    return _page(site, lang, site.message("site-title", lang), body, depth=1,
                 alternates=alternates, scripts=(f"search-{lang}.js", "search.js"))


def landing_page(site: Site) -> str:
    """The site's front door: the clinic's name and QR code when built for a clinic, and the
    way to the questions in every language."""
    lang = site.langs[0]
    parts = []
    for each in site.langs:
        read = (f'<a href="{index_path(each)}" lang="{each}" hreflang="{each}">'
                f'{escape(site.message("site-all-questions", each))}</a>')
        parts.append(f'<section lang="{each}" aria-labelledby="h-{each}">\n'
                     f'<h2 id="h-{each}">{escape(site.message("site-clinic-heading", each))}</h2>\n'
                     f'<p>{escape(site.message("site-clinic-how", each))}</p>\n'
                     f'{_ask_button(site, each)}\n'
                     f'<p>{escape(site.message("site-clinic-read", each))} {read}</p>\n'
                     "</section>")
    name = site.clinic.name if site.clinic else site.message("site-title", lang)
    contact = ""
    if site.clinic and (site.clinic.phone or site.clinic.url):
        items = []
        if site.clinic.phone:
            items.append(f'<li><a href="tel:{escape(site.clinic.phone.replace(" ", ""))}">'
                         f"{escape(site.clinic.phone)}</a></li>")
        if site.clinic.url:
            items.append(f'<li><a href="{escape(site.clinic.url)}">{escape(site.clinic.url)}'
                         "</a></li>")
        contact = f'<ul class="contact">{"".join(items)}</ul>'
    body = f"""<h1>{escape(name)}</h1>
{contact}
<figure class="qr">{site.qr_svg}<figcaption>{escape(site.bot_link)}</figcaption></figure>
{chr(10).join(parts)}"""
    # Bilingual itself (each section carries its own lang), so it has no alternates.
    return _page(site, lang, name, body, depth=0, alternates={})


def languages(requested: str | None) -> tuple[str, ...]:
    return (requested,) if requested else LANGS
