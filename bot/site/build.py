"""`build_site`: the pages, assets and search indexes written to a folder (the I/O edge)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import segno

from bot.clinics.links import bot_link, deep_link
from bot.config import Config
from bot.knowledge.dutch import regional
from bot.knowledge.models import KnowledgeBase
from bot.rendering import Renderer
from bot.site.pages import (
    ASSETS,
    Site,
    entry_page,
    entry_path,
    index_page,
    index_path,
    landing_page,
    languages,
)
from bot.site.search import search_script

# Written into every site we build: a folder with it may be emptied and built again; a folder
# without it is someone else's, and is never touched.
MARKER = ".mythbot-site"
STATIC_ASSETS = ("site.css", "search.js")


class SiteError(Exception):
    """A site that cannot be built, with one line that says why."""


@dataclass(frozen=True)
class Built:
    pages: int
    total_bytes: int
    search_bytes: int


def _qr_svg(url: str, label: str) -> str:
    svg: str = segno.make(url, error="m").svg_inline(scale=4, omitsize=True, title=label)
    return svg.replace("<svg ", '<svg role="img" ', 1)


def _prepare(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise SiteError(f"{out} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise SiteError(f"{out} is not empty and was not made by `site`; "
                            "choose an empty or new folder")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("made by `python -m bot site`; rebuilt as a whole\n", "utf-8")


def build_site(kb: KnowledgeBase, config: Config, out: Path, clinic_slug: str | None = None,
               lang: str | None = None) -> Built:
    clinic = config.clinic(clinic_slug) if clinic_slug else None
    if clinic_slug and clinic is None:
        known = ", ".join(sorted(c.slug for c in config.clinics)) or "none"
        raise SiteError(f"unknown clinic {clinic_slug!r}; known clinics: {known}")
    username = config.telegram.bot_username
    link = deep_link(username, clinic.slug) if clinic else bot_link(username)
    langs = languages(lang)
    # In the Dutch the clinic's patients read (kinesitherapeut or fysiotherapeut…).
    kb = regional(kb, config.dutch_for(clinic.slug if clinic else None))
    site = Site(kb=kb, renderer=Renderer(kb, config.emergency), langs=langs, bot_link=link,
                clinic=clinic, qr_svg=_qr_svg(link, kb.message("site-qr-alt", langs[0])))
    try:
        _prepare(out)
        files: dict[str, str] = {"index.html": landing_page(site)}
        for each in langs:
            files[index_path(each)] = index_page(site, each)
            files[f"{ASSETS}/search-{each}.js"] = search_script(kb, each)
            for entry in kb.entries.values():
                files[entry_path(entry.id, each)] = entry_page(site, entry, each)
        for name in STATIC_ASSETS:
            files[f"{ASSETS}/{name}"] = (resources.files("bot.site").joinpath(f"assets/{name}")
                                         .read_text("utf-8"))
        for name, text in files.items():
            path = out / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, "utf-8")
    except OSError as exc:
        raise SiteError(f"cannot write to {out} ({exc.strerror or exc.__class__.__name__})"
                        ) from None
    sizes = {name: len(text.encode()) for name, text in files.items()}
    return Built(pages=sum(name.endswith(".html") for name in files),
                 total_bytes=sum(sizes.values()),
                 search_bytes=sum(v for k, v in sizes.items() if "/search-" in k))
