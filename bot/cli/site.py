"""`site --out DIR [--clinic SLUG] [--lang nl|en]`: the knowledge base as static web pages."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from bot.cli.context import EXIT_CONTENT, CliError, add_common, config_from, valid_knowledge
from bot.site import SiteError, build_site


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "site", help="build static web pages of every answer (any web host can serve them)")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="the folder to write (new, empty, or an earlier site)")
    parser.add_argument("--clinic", metavar="SLUG",
                        help="a clinic's landing page, QR code and deep link")
    parser.add_argument("--lang", choices=["nl", "en"], help="one language only (default: both)")
    add_common(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    config = config_from(args)
    kb = valid_knowledge(args, config)
    try:
        built = build_site(kb, config, Path(args.out), args.clinic, args.lang)
    except SiteError as exc:
        raise CliError(str(exc), EXIT_CONTENT) from None
    print(f"{built.pages} pages in {args.out} ({built.total_bytes // 1024} kB, search index "
          f"{built.search_bytes // 1024} kB) in {time.perf_counter() - started:.1f} s; "
          f"open {Path(args.out) / 'index.html'}")
    return 0
