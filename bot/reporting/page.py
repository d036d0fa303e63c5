"""The report as one self-contained HTML page: inline CSS and SVG, no scripts, no network.

Every text that did not come from this file (questions, comments, clinic and entry names) is
escaped on the way in: questions are typed by anyone who finds the bot.
"""

from __future__ import annotations

import datetime as dt
from html import escape

from bot.reporting.beliefs import BeliefRow, Share
from bot.reporting.model import (
    WITHHELD,
    Cell,
    Comment,
    Day,
    EntryRow,
    KindRow,
    QuestionGroup,
    Report,
)

KIND_LABELS = {
    "answer": "answered",
    "suggest": "“did you mean…”",
    "fallback": "not understood",
    "red_flag": "red flag (urgent advice)",
    "smalltalk": "small talk",
}
KIND_COLORS = {
    "answer": "#0b6e69",
    "suggest": "#e0a526",
    "fallback": "#c2410c",
    "red_flag": "#9b1c1c",
    "smalltalk": "#7b8794",
}
QUESTIONS_COLOR = "#0b6e69"
PEOPLE_COLOR = "#e0a526"
HIDDEN_COLOR = "#cbd2d9"
CHART_ENTRIES = 10

CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;color:#1f2933;
margin:0;background:#f5f7fa;line-height:1.45}
main{max-width:980px;margin:0 auto;padding:24px}
header{background:#0b6e69;color:#fff;padding:20px 24px}
header h1{margin:0 0 4px;font-size:1.6em}header p{margin:0;opacity:.9}
section{background:#fff;border-radius:8px;padding:16px 20px;margin:16px 0;
box-shadow:0 1px 2px rgba(0,0,0,.08)}
h2{margin:0 0 12px;font-size:1.2em;color:#0b6e69}
.tiles{display:flex;gap:12px;flex-wrap:wrap}
.tile{flex:1;min-width:150px;background:#f0f4f8;border-radius:6px;padding:10px 14px}
.tile b{display:block;font-size:1.6em}
table{border-collapse:collapse;width:100%;font-size:.93em}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e4e7eb;vertical-align:top}
th{background:#f0f4f8}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.note{color:#52606d;font-size:.9em}
.legend span{display:inline-block;margin-right:14px}
.swatch{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px;
vertical-align:-1px}
.group{border-top:1px solid #e4e7eb;padding:10px 0}
.group q{font-weight:600}.advice{color:#0b6e69;font-weight:600}
details summary{cursor:pointer;color:#52606d}
ul.wordings{margin:6px 0 0;padding-left:20px}
"""


def render_html(report: Report, generated: dt.datetime) -> str:
    title = f"mythbot report: {report.scope}"
    period = f"{report.since.isoformat()} to {report.until.isoformat()} (UTC days)"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<header><h1>{escape(title)}</h1><p>{escape(period)} · generated "
        f"{escape(generated.strftime('%Y-%m-%d %H:%M UTC'))}</p></header><main>",
    ]
    if report.min_users is not None:
        parts.append(
            f'<p class="note">To protect patients, numbers that rest on fewer than '
            f"{report.min_users} people are shown as “&lt;{report.min_users}” and grey bars, "
            f"and questions or comments from fewer than {report.min_users} people are left "
            f"out. A number shown as “{WITHHELD}” is withheld so that a “&lt;"
            f"{report.min_users}” in the same table cannot be worked out from the total.</p>")
    parts += [_summary(report), _over_time(report), _kinds(report), _entries(report),
              _beliefs(report), _unanswered(report), _comments(report), _definitions(),
              "</main></body></html>"]
    return "\n".join(parts) + "\n"


def _show(cell: Cell, report: Report) -> str:
    return escape(cell.show(report.min_users))


def _summary(report: Report) -> str:
    answered = next((k for k in report.kinds if k.kind == "answer"), None)
    share = "–"
    if answered is not None and report.total.value and not answered.questions.hidden(
            report.min_users):
        share = f"{answered.share:.0%}"
    tiles = [
        ("questions", _show(report.total, report)),
        ("people", _show(report.people, report)),
        ("answered", share),
        ("helpful / not helpful", f"{_show(report.helpful, report)} / "
                                  f"{_show(report.not_helpful, report)}"),
    ]
    body = "".join(f'<div class="tile"><b>{value}</b>{escape(label)}</div>'
                   for label, value in tiles)
    return f'<section><h2>Summary</h2><div class="tiles">{body}</div></section>'


def _over_time(report: Report) -> str:
    if not report.total.value:
        return ("<section><h2>Conversations and questions per day</h2>"
                "<p>No questions in this period.</p></section>")
    legend = (f'<p class="legend"><span><i class="swatch" style="background:{QUESTIONS_COLOR}">'
              f'</i>questions</span><span><i class="swatch" style="background:{PEOPLE_COLOR}">'
              "</i>conversations (people who asked something that day)</span>"
              + (f'<span><i class="swatch" style="background:{HIDDEN_COLOR}"></i>'
                 f"&lt;{report.min_users} people</span>" if report.min_users else "")
              + "</p>")
    rows = "".join(
        f"<tr><td>{d.date.isoformat()}</td><td class=n>{_show(d.conversations, report)}</td>"
        f"<td class=n>{_show(d.questions, report)}</td></tr>"
        for d in report.days if d.questions.value)
    table = ("<details><summary>numbers per day</summary><table><tr><th>day</th>"
             "<th class=n>conversations</th><th class=n>questions</th></tr>"
             f"{rows}</table></details>")
    return (f"<section><h2>Conversations and questions per day</h2>{legend}"
            f"{_day_chart(report.days, report.min_users)}{table}</section>")


def _day_chart(days: tuple[Day, ...], min_users: int | None) -> str:
    width, height, left, bottom, top = 940, 220, 36, 24, 10
    plot_w, plot_h = width - left - 8, height - bottom - top
    hidden_height = (min_users - 1) if min_users else 0
    peak = max([d.questions.value for d in days if not d.questions.hidden(min_users)]
               + [hidden_height, 1])
    slot = plot_w / len(days)
    bar = max(slot * 0.4, 0.5)
    shapes = [f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 8}" y2="{top + plot_h}" '
              'stroke="#9aa5b1"/>',
              f'<text x="{left - 4}" y="{top + 8}" text-anchor="end">{peak}</text>',
              f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end">0</text>']
    for i, day in enumerate(days):
        x = left + i * slot + slot * 0.1
        for offset, cell, color, what in ((0.0, day.questions, QUESTIONS_COLOR, "questions"),
                                          (bar, day.conversations, PEOPLE_COLOR,
                                           "conversations")):
            if not cell.value:
                continue
            hidden = cell.hidden(min_users)
            value = hidden_height if hidden else cell.value
            h = plot_h * value / peak
            label = f"{day.date.isoformat()}: {cell.show(min_users)} {what}"
            shapes.append(f'<rect x="{x + offset:.1f}" y="{top + plot_h - h:.1f}" '
                          f'width="{bar:.1f}" height="{h:.1f}" '
                          f'fill="{HIDDEN_COLOR if hidden else color}">'
                          f"<title>{escape(label)}</title></rect>")
    step = max(1, round(len(days) / 8))
    for i in range(0, len(days), step):
        x = left + (i + 0.5) * slot
        shapes.append(f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle">'
                      f"{days[i].date.strftime('%d %b')}</text>")
    return (f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" '
            f'aria-label="questions per day" font-size="11" fill="#52606d">'
            f'{"".join(shapes)}</svg>')


def _kinds(report: Report) -> str:
    if not report.total.value:
        return ""
    stacked = []
    x = 0.0
    for row in report.kinds:
        if row.questions.hidden(report.min_users) or not row.share:
            continue
        w = row.share * 100
        stacked.append(f'<rect x="{x:.2f}%" y="0" width="{w:.2f}%" height="26" '
                       f'fill="{KIND_COLORS[row.kind]}"><title>{escape(KIND_LABELS[row.kind])}: '
                       f"{row.share:.0%}</title></rect>")
        x += w
    bar = f'<svg width="100%" height="26" role="img" aria-label="shares">{"".join(stacked)}</svg>'
    rows = "".join(_kind_row(row, report) for row in report.kinds)
    return ("<section><h2>How questions were handled</h2>"
            f"{bar}<table><tr><th>outcome</th><th class=n>questions</th><th class=n>share</th>"
            f"</tr>{rows}</table></section>")


def _kind_row(row: KindRow, report: Report) -> str:
    hidden = row.questions.hidden(report.min_users)
    share = "–" if hidden else f"{row.share:.1%}"
    swatch = f'<i class="swatch" style="background:{KIND_COLORS[row.kind]}"></i>'
    return (f"<tr><td>{swatch}{escape(KIND_LABELS[row.kind])}</td>"
            f"<td class=n>{_show(row.questions, report)}</td><td class=n>{share}</td></tr>")


def _entries(report: Report) -> str:
    if not report.entries:
        return ("<section><h2>Most asked entries</h2><p>No answers or ratings in this period."
                "</p></section>")
    charted = [e for e in report.entries[:CHART_ENTRIES] if e.asked.value]
    peak = max([e.asked.value for e in charted] + [1])
    bars = []
    for i, entry in enumerate(charted):
        hidden = entry.asked.hidden(report.min_users)
        value = (report.min_users or 1) - 1 if hidden else entry.asked.value
        w = 520 * value / peak
        y = i * 24
        bars.append(
            f'<text x="0" y="{y + 16}">{escape(_clip(entry.title, 44))}</text>'
            f'<rect x="300" y="{y + 4}" width="{w:.1f}" height="16" '
            f'fill="{HIDDEN_COLOR if hidden else QUESTIONS_COLOR}"/>'
            f'<text x="{306 + w:.1f}" y="{y + 16}">{_show(entry.asked, report)}</text>')
    chart = (f'<svg viewBox="0 0 860 {len(charted) * 24 + 4}" width="100%" font-size="12" '
             f'role="img" aria-label="most asked entries">{"".join(bars)}</svg>'
             if charted else "")
    rows = "".join(_entry_row(e, report) for e in report.entries)
    return ("<section><h2>Most asked entries, and how useful people found them</h2>"
            f"{chart}<table><tr><th>entry</th><th class=n>answered</th><th class=n>helpful</th>"
            f"<th class=n>not helpful</th><th class=n>helpful share</th></tr>{rows}</table>"
            "</section>")


def _entry_row(entry: EntryRow, report: Report) -> str:
    votes = entry.helpful.value + entry.not_helpful.value
    hidden = entry.helpful.hidden(report.min_users) or entry.not_helpful.hidden(
        report.min_users)
    share = "–" if hidden or not votes else f"{entry.helpful.value / votes:.0%}"
    return (f"<tr><td>{escape(entry.title)}<br><span class=note>{escape(entry.entry_id)}"
            f"</span></td><td class=n>{_show(entry.asked, report)}</td>"
            f"<td class=n>{_show(entry.helpful, report)}</td>"
            f"<td class=n>{_show(entry.not_helpful, report)}</td><td class=n>{share}</td></tr>")


BEFORE_COLOR = "#9aa5b1"
AFTER_COLOR = "#0b6e69"


def _beliefs(report: Report) -> str:
    head = ("<section><h2>What patients believe, before and after</h2>"
            '<p class="note">People who agreed to the follow-up answered the same statements '
            "before they read anything and again when the follow-up came (after "
            "beliefs.follow_up_days, 14 by default). Each bar is the share "
            "holding the correct belief (“not sure” counts as not holding it), with its 95% "
            "interval (Wilson). Only people who answered both times are counted.</p>")
    shown = [row for row in report.beliefs if not row.hidden]
    hidden = len(report.beliefs) - len(shown)
    note = (f'<p class="note">{hidden} statement(s) answered by fewer than {report.min_users} '
            "people are not shown.</p>" if hidden else "")
    if not shown:
        what = ("No follow-up was answered by enough people in this period." if hidden
                else "No follow-up answers in this period.")
        return f"{head}{note}<p>{what}</p></section>"
    rows = "".join(
        f"<tr><td>{escape(r.statement)}<br><span class=note>{escape(r.entry_id)}"
        f"{' · ' + escape(r.clinic) if r.clinic else ''}</span></td>"
        f"<td class=n>{r.people}</td>{_share(r.before)}{_share(r.after)}</tr>" for r in shown)
    legend = (f'<p class="legend"><span><i class="swatch" style="background:{BEFORE_COLOR}">'
              f'</i>before</span><span><i class="swatch" style="background:{AFTER_COLOR}">'
              "</i>after</span></p>")
    return (f"{head}{note}{legend}{_belief_chart([r for r in shown if r.clinic is None])}"
            "<table><tr><th>statement</th><th class=n>people</th><th class=n>correct before"
            f"</th><th class=n>correct after</th></tr>{rows}</table></section>")


def _share(share: Share) -> str:
    low, high = share.interval
    return (f"<td class=n>{share.rate:.0%} <span class=note>({low:.0%}–{high:.0%})</span>"
            "</td>")


def _belief_chart(rows: list[BeliefRow]) -> str:
    """Per statement a pair of bars, before and after, with their intervals as whiskers."""
    if not rows:
        return ""
    left, width, step = 330, 500, 40
    parts = []
    for i, row in enumerate(rows):
        y = i * step
        parts.append(f'<text x="0" y="{y + 20}">{escape(_clip(row.statement, 52))}</text>')
        for j, (share, color) in enumerate(((row.before, BEFORE_COLOR),
                                            (row.after, AFTER_COLOR))):
            top = y + 4 + j * 16
            low, high = share.interval
            parts.append(
                f'<rect x="{left}" y="{top}" width="{width * share.rate:.1f}" height="13" '
                f'fill="{color}"/><line x1="{left + width * low:.1f}" y1="{top + 6.5}" '
                f'x2="{left + width * high:.1f}" y2="{top + 6.5}" stroke="#1f2933"/>'
                f'<text x="{left + width + 8}" y="{top + 11}">{share.rate:.0%}</text>')
    return (f'<svg viewBox="0 0 880 {len(rows) * step + 4}" width="100%" font-size="12" '
            f'role="img" aria-label="share with the correct belief, before and after">'
            f'{"".join(parts)}</svg>')


def _unanswered(report: Report) -> str:
    head = "<section><h2>Unanswered questions, grouped by similarity</h2>"
    intro = ('<p class="note">Questions the bot could not answer or only guessed at '
             "(“did you mean…”), kept for the retention period. Each group shows the nearest "
             "entry: add the wording to it as an example question, or write a new entry.</p>")
    if report.hidden_groups:
        intro += (f'<p class="note">{report.hidden_groups} group(s) asked by fewer than '
                  f"{report.min_users} people are not shown.</p>")
    if not report.groups:
        return f"{head}{intro}<p>None in this period.</p></section>"
    return head + intro + "".join(_group(g, i + 1) for i, g in enumerate(report.groups)) + (
        "</section>")


def _group(item: QuestionGroup, number: int) -> str:
    group = item.group
    nearest = "none"
    if item.nearest is not None:
        entry_id, score = item.nearest
        nearest = (f"{escape(item.nearest_title or entry_id)} <span class=note>"
                   f"({escape(entry_id)}, score {score:.2f})</span>")
    wordings = "".join(f"<li>{escape(text)}" + (f" <span class=note>×{count}</span>"
                                                  if count > 1 else "") + "</li>"
                       for text, count in group.texts)
    more = (f"<details><summary>{len(group.texts)} wordings</summary>"
            f'<ul class="wordings">{wordings}</ul></details>' if len(group.texts) > 1 else "")
    return (f'<div class="group"><b>{number}.</b> <q>{escape(group.representative)}</q> '
            f'<span class="note">[{escape(group.lang)}] asked {group.size}× by '
            f"{group.users} {'person' if group.users == 1 else 'people'}</span><br>"
            f'nearest entry: {nearest}<br><span class="advice">→ {escape(item.advice)}</span>'
            f"{more}</div>")


def _comments(report: Report) -> str:
    return (_own_words("Questions whose answer was rated “not helpful”", "question",
                       report.disliked)
            + _own_words("“What was missing?” (after “not helpful”)", "comment",
                         report.comments))


def _own_words(title: str, what: str, items: tuple[Comment, ...]) -> str:
    if not items:
        return ""
    rows = "".join(f"<tr><td>{escape(c.entry_id)}</td><td>{c.at.date().isoformat()}</td>"
                   f"<td>{escape(c.text)}</td></tr>" for c in items)
    return (f"<section><h2>{title}</h2><table><tr><th>entry</th><th>day</th><th>{what}</th>"
            f"</tr>{rows}</table></section>")


def _definitions() -> str:
    return ('<p class="note">Conversations: people who asked at least one question that day. '
            "People are counted by a pseudonymous key; no names or Telegram ids are stored. "
            "Days are UTC.</p>")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
