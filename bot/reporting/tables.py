"""The report as CSV tables, for spreadsheets: a folder of .csv files, or one .zip of them.

days.csv, outcomes.csv, entries.csv, unanswered.csv, not_helpful_questions.csv and
comments.csv hold the report's numbers and texts (with "<5" in a clinic's report, as in its
HTML). The full report (no --clinic) adds the raw rows of the period, without any user key:
events.csv and feedback.csv.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from bot.reporting.model import Report

Table = list[list[str]]
# A cell starting with one of these is a formula to Excel/LibreOffice; user texts are quoted.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def user_text(text: str | None) -> str:
    """A question or comment made safe to open in a spreadsheet."""
    if not text:
        return ""
    return "'" + text if text.startswith(_FORMULA_START) else text


def report_tables(report: Report) -> dict[str, Table]:
    hide = report.min_users
    tables: dict[str, Table] = {
        "days.csv": [["date", "conversations", "questions"]] + [
            [d.date.isoformat(), d.conversations.show(hide), d.questions.show(hide)]
            for d in report.days],
        "outcomes.csv": [["outcome", "questions", "share"]] + [
            [k.kind, k.questions.show(hide),
             "" if k.questions.hidden(hide) else f"{k.share:.4f}"] for k in report.kinds],
        "entries.csv": [["entry_id", "title", "answered", "helpful", "not_helpful"]] + [
            [e.entry_id, e.title, e.asked.show(hide), e.helpful.show(hide),
             e.not_helpful.show(hide)] for e in report.entries],
        "unanswered.csv": [["group", "language", "question", "times_asked", "group_size",
                            "group_people", "nearest_entry", "nearest_score", "advice"]] + [
            [str(number), item.group.lang, user_text(text), str(count), str(item.group.size),
             str(item.group.users), item.nearest[0] if item.nearest else "",
             f"{item.nearest[1]:.3f}" if item.nearest else "", item.advice]
            for number, item in enumerate(report.groups, start=1)
            for text, count in item.group.texts],
        "comments.csv": [["entry_id", "date", "comment"]] + [
            [c.entry_id, c.at.date().isoformat(), user_text(c.text)]
            for c in report.comments],
        "not_helpful_questions.csv": [["entry_id", "date", "question"]] + [
            [c.entry_id, c.at.date().isoformat(), user_text(c.text)]
            for c in report.disliked],
        "beliefs.csv": [["entry_id", "clinic", "people", "correct_before", "correct_after",
                         "before_low", "before_high", "after_low", "after_high"]] + [
            [r.entry_id, r.clinic or "", str(r.people), str(r.before.correct),
             str(r.after.correct), *(f"{v:.4f}" for v in (*r.before.interval,
                                                          *r.after.interval))]
            for r in report.beliefs if not r.hidden],
    }
    if report.clinic is None:
        tables["events.csv"] = [["at", "kind", "entry_id", "language", "clinic", "question"]] + [
            [e.at.isoformat(), e.kind, e.entry_id or "", e.language, e.clinic or "",
             user_text(e.question)] for e in report.rows.events]
        tables["feedback.csv"] = [["at", "entry_id", "helpful", "comment", "clinic"]] + [
            [f.at.isoformat(), f.entry_id, "1" if f.helpful else "0", user_text(f.comment),
             f.clinic or ""] for f in report.rows.feedback]
    return tables


def to_csv(table: Table) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(table)
    return buffer.getvalue()


def write_tables(tables: dict[str, Table], out: Path) -> None:
    """Into the zip file `out` if it ends in .zip, else into the folder `out`.

    Files are UTF-8 with a byte-order mark, which spreadsheet programs need to show é and 👍.
    """
    contents = {name: "\ufeff" + to_csv(table) for name, table in tables.items()}
    if out.suffix.lower() == ".zip":
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, text in contents.items():
                archive.writestr(name, text.encode("utf-8"))
        return
    out.mkdir(parents=True, exist_ok=True)
    for name, text in contents.items():
        (out / name).write_text(text, encoding="utf-8")
