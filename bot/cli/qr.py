"""`qr --clinic SLUG --out FILE`: a printable poster with the clinic's QR code (PNG/SVG/PDF)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.cli.context import CliError, config_from
from bot.clinics import FORMATS, PAPER_POINTS, FontError, PosterError, write_poster
from bot.config import EXAMPLE_CONFIG, config_path
from bot.knowledge import KnowledgeError
from bot.knowledge.dutch import swapper
from bot.knowledge.loader import load_dutch_words


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "qr", help="make a printable QR poster for a clinic (PNG, SVG or PDF)")
    parser.add_argument("--clinic", required=True, metavar="SLUG",
                        help="the clinic's slug from the configuration")
    parser.add_argument("--out", required=True, metavar="FILE",
                        help=f"the poster file; its extension ({', '.join(FORMATS)}) "
                        "picks the format")
    parser.add_argument("--paper", choices=sorted(PAPER_POINTS), default="a4",
                        help="paper size (default: a4)")
    parser.add_argument("--config", help="configuration file (default: $MYTHBOT_CONFIG, "
                        "else ./config.yaml, else ./config.example.yaml)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = config_from(args)
    clinic = config.clinic(args.clinic)
    if clinic is None:
        known = ", ".join(sorted(c.slug for c in config.clinics))
        raise CliError(f"unknown clinic {args.clinic!r}; known clinics: {known}" if known else
                       f"unknown clinic {args.clinic!r}: the configuration lists no clinics "
                       "(add them under 'clinics:')")
    try:
        words = load_dutch_words(config.knowledge_dir)
    except KnowledgeError as exc:
        raise CliError(f"{exc.problems[0]} (run `python -m bot check` for all)") from None
    out = Path(args.out)
    try:
        url = write_poster(out, clinic, config.telegram.bot_username, args.paper,
                           swapper(words, config.dutch_for(clinic.slug)))
    except (PosterError, FontError) as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot write {out} ({exc.strerror or exc.__class__.__name__})") from None
    print(f"poster for {clinic.name} written to {out} ({url})")
    if config_path(args.config) == EXAMPLE_CONFIG:
        # A clinic would otherwise print posters for the example's bot, which is not theirs.
        print(f"mythbot: warning: the poster points to @{config.telegram.bot_username} from "
              f"{EXAMPLE_CONFIG}; put your bot's username under telegram.bot_username in "
              "config.yaml and make the poster again", file=sys.stderr)
    return 0
