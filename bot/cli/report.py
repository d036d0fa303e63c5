"""`report`: what people asked, what the bot answered, what it could not (HTML or CSV)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli.context import CliError, add_common, config_from, load_all
from bot.config import Config
from bot.runtime import Loaded

if TYPE_CHECKING:
    from bot.matching import Matcher
    from bot.reporting import Nearest
    from bot.storage import ReportRows

DEFAULT_DAYS = 90


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "report", help="write a report of questions, answers and feedback (HTML or CSV)")
    parser.add_argument("--since", metavar="DATE",
                        help=f"first day, YYYY-MM-DD (default: {DEFAULT_DAYS} days ago)")
    parser.add_argument("--clinic", metavar="SLUG",
                        help="only this clinic's patients; numbers from fewer than 5 people "
                        "are then shown as <5")
    parser.add_argument("--format", choices=["html", "csv"], default="html",
                        help="html: one self-contained page (default); csv: the tables, "
                        "as a folder of .csv files, or a .zip if OUT ends in .zip")
    parser.add_argument("--out", required=True, metavar="OUT", help="the file (or folder)")
    parser.add_argument("--lang", choices=["nl", "en"],
                        help="language of the HTML page (default: default_language of the "
                        "configuration)")
    add_common(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Imported here: they bring SQLAlchemy, which every other command (`ask` above all, run
    # once per question by some scripts) would otherwise load for nothing.
    from bot.reporting import (
        build_report,
        knowledge_weights,
        render_html,
        report_tables,
        write_tables,
    )

    out = Path(args.out)
    _check_out(out, args.format)  # before the slow part
    today = dt.datetime.now(dt.UTC).date()
    since = _since(args.since, today)
    if since > today:
        raise CliError(f"--since {since} is in the future (today is {today}, UTC): there is "
                       "nothing to report yet")
    config = config_from(args)  # usage errors first: the knowledge base takes a while
    lang: str = args.lang or config.default_language
    scope = "all clinics"
    if args.clinic is not None:
        clinic = config.clinic(args.clinic)
        if clinic is None:
            known = ", ".join(sorted(c.slug for c in config.clinics)) or "none"
            raise CliError(f"unknown clinic {args.clinic!r}; known clinics: {known}")
        scope = clinic.name
    loaded = load_all(args)
    rows = asyncio.run(_fetch(config, since, args.clinic))
    report = build_report(rows, since=since, until=today, scope=scope,
                          clinic=args.clinic, nearest=_nearest(loaded.matcher),
                          titles=_titles(loaded, lang),
                          phrasing_score=config.matching.suggest_threshold,
                          weights=knowledge_weights(loaded.kb), lang=lang,
                          statements={e: s.text(lang) for e, s in loaded.kb.quiz.items()})
    try:
        if args.format == "csv":
            write_tables(report_tables(report), out)
        else:
            out.write_text(render_html(report, dt.datetime.now(dt.UTC), lang), encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot write {out} ({exc.strerror or exc.__class__.__name__})") from None
    print(f"report ({scope}, {since} to {today}: {report.total.value} questions) "
          f"written to {out}")
    return 0


def _check_out(out: Path, form: str) -> None:
    """Refuse an --out that does not say what will be written there."""
    suffix = out.suffix.lower()
    if form == "html" and suffix not in (".html", ".htm"):
        raise CliError(f"--out {out}: an HTML report needs a name ending in .html "
                       "(for spreadsheets use --format csv)")
    if form == "csv" and suffix not in ("", ".zip"):
        raise CliError(f"--out {out}: CSV tables go into a folder (a name without an "
                       "extension) or a .zip file")


def _since(raw: str | None, today: dt.date) -> dt.date:
    if raw is None:
        return today - dt.timedelta(days=DEFAULT_DAYS - 1)
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise CliError(f"--since {raw!r} is not a date; write it as YYYY-MM-DD") from None


async def _fetch(config: Config, since: dt.date, clinic: str | None) -> ReportRows:
    from bot.storage import StorageConfigError, StorageError, open_storage
    from bot.storage.engine import parse_url

    try:
        target = parse_url(config.storage.url)
        if target.sqlite_file is not None and not target.sqlite_file.exists():
            raise CliError(f"there is no database at {target.sqlite_file} yet (has the bot run "
                           "with this configuration? check storage.url)")
        # Reports only count people, so they need no secret to recognise them.
        storage = await open_storage(config, os.environ, identify_users=False)
        async with storage:
            start = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC)
            return await storage.report_rows(since=start, clinic=clinic)
    except (StorageError, StorageConfigError) as exc:
        raise CliError(str(exc)) from None


def _nearest(matcher: Matcher) -> Nearest:
    def nearest(question: str, lang: str) -> tuple[str, float] | None:
        ranked = matcher.rank(question, lang)
        return ranked[0] if ranked else None
    return nearest


def _titles(loaded: Loaded, lang: str) -> dict[str, str]:
    return {entry_id: entry.text(lang).title for entry_id, entry in loaded.kb.entries.items()}
