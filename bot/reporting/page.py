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

# Every word of the page, per language (`report --lang`).
WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "mythbot report: {scope}", "period": "{since} to {until} (UTC days)",
        "generated": "generated", "all clinics": "all clinics",
        "privacy": "To protect patients, numbers that rest on fewer than {n} people are shown "
                   "as “&lt;{n}” and grey bars, and questions or comments from fewer than {n} "
                   "people are left out. A number shown as “{withheld}” is withheld so that a "
                   "“&lt;{n}” in the same table cannot be worked out from the total.",
        "withheld": "hidden",
        "summary": "Summary", "questions": "questions", "people": "people",
        "answered": "answered", "helpful / not helpful": "helpful / not helpful",
        "per day": "Conversations and questions per day",
        "no questions": "No questions in this period.",
        "conversations legend": "conversations (people who asked something that day)",
        "few people": "&lt;{n} people", "numbers per day": "numbers per day", "day": "day",
        "conversations": "conversations", "handled": "How questions were handled",
        "outcome": "outcome", "share": "share",
        "entries heading": "Most asked entries, and how useful people found them",
        "entries none heading": "Most asked entries",
        "no answers": "No answers or ratings in this period.", "entry": "entry",
        "helpful": "helpful", "not helpful": "not helpful", "helpful share": "helpful share",
        "unanswered": "Unanswered questions, grouped by similarity",
        "unanswered intro": "Questions the bot could not answer or only guessed at (“did you "
                            "mean…”), kept for the retention period. Each group shows the "
                            "nearest entry: add the wording to it as an example question, or "
                            "write a new entry.",
        "unanswered none": "No unanswered questions in this period.",
        "unanswered all hidden": "There were unanswered questions in this period, but each "
                                 "kind was asked by fewer than {n} people, so none is shown.",
        "unanswered some hidden": "{count} more group(s), each asked by fewer than {n} people, "
                                  "are not shown.",
        "asked": "asked {size}× by {users}", "person": "person",
        "nearest": "nearest entry", "none": "none", "score": "score", "wordings": "wordings",
        "disliked": "Questions whose answer was rated “not helpful”", "question": "question",
        "comments": "“What was missing?” (after “not helpful”)", "comment": "comment",
        "definitions": "Conversations: people who asked at least one question that day. "
                       "People are counted by a pseudonymous key; no names or Telegram ids are "
                       "stored. Days are UTC.",
        "answer": "answered", "suggest": "“did you mean…”", "fallback": "not understood",
        "red_flag": "red flag (urgent advice)", "smalltalk": "small talk",
        "months": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
        "beliefs": "What patients believe, before and after",
        "beliefs intro": "People who agreed to the follow-up answered the same statements "
                         "before they read anything and again at the follow-up (after "
                         "beliefs.follow_up_days, 14 by default). Each bar "
                         "is the share holding the correct belief (“not sure” counts as not "
                         "holding it), with its 95% interval (Wilson). Only people who answered "
                         "both times are counted.",
        "beliefs hidden": "{count} statement(s) answered by fewer than {n} people are not shown.",
        "beliefs too few": "No follow-up was answered by enough people in this period.",
        "beliefs none": "No follow-up answers in this period.",
        "before": "before", "after": "after", "statement": "statement",
        "correct before": "correct before", "correct after": "correct after",
    },
    "nl": {
        "title": "mythbot-rapport: {scope}", "period": "{since} tot {until} (dagen in UTC)",
        "generated": "gemaakt", "all clinics": "alle praktijken",
        "privacy": "Om patiënten te beschermen staan getallen die op minder dan {n} mensen "
                   "berusten er als “&lt;{n}” en als grijze balk, en vragen of opmerkingen van "
                   "minder dan {n} mensen staan er niet in. Een getal dat er als “{withheld}” "
                   "staat, is weggelaten zodat een “&lt;{n}” in dezelfde tabel niet uit het "
                   "totaal af te leiden is.",
        "withheld": "verborgen",
        "summary": "Overzicht", "questions": "vragen", "people": "mensen",
        "answered": "beantwoord", "helpful / not helpful": "nuttig / niet nuttig",
        "per day": "Gesprekken en vragen per dag",
        "no questions": "Geen vragen in deze periode.",
        "conversations legend": "gesprekken (mensen die die dag iets vroegen)",
        "few people": "&lt;{n} mensen", "numbers per day": "aantallen per dag", "day": "dag",
        "conversations": "gesprekken", "handled": "Hoe de vragen behandeld werden",
        "outcome": "uitkomst", "share": "aandeel",
        "entries heading": "Meest gevraagde onderwerpen, en hoe nuttig mensen ze vonden",
        "entries none heading": "Meest gevraagde onderwerpen",
        "no answers": "Geen antwoorden of beoordelingen in deze periode.",
        "entry": "onderwerp", "helpful": "nuttig", "not helpful": "niet nuttig",
        "helpful share": "aandeel nuttig",
        "unanswered": "Onbeantwoorde vragen, gegroepeerd op gelijkenis",
        "unanswered intro": "Vragen die de bot niet kon beantwoorden of waarbij hij alleen "
                            "kon raden (“bedoel je…”), bewaard gedurende de bewaartermijn. "
                            "Bij elke groep staat het dichtstbijzijnde onderwerp: voeg de "
                            "formulering daar toe als voorbeeldvraag, of schrijf een nieuw "
                            "onderwerp.",
        "unanswered none": "Geen onbeantwoorde vragen in deze periode.",
        "unanswered all hidden": "Er waren onbeantwoorde vragen in deze periode, maar elke "
                                 "soort werd door minder dan {n} mensen gesteld, dus er staat "
                                 "er geen hier.",
        "unanswered some hidden": "Nog {count} groep(en), elk door minder dan {n} mensen "
                                  "gesteld, staan er niet bij.",
        "asked": "{size}× gevraagd door {users}", "person": "persoon",
        "nearest": "dichtstbijzijnd onderwerp", "none": "geen", "score": "score",
        "wordings": "formuleringen",
        "disliked": "Vragen waarvan het antwoord “niet nuttig” kreeg", "question": "vraag",
        "comments": "“Wat ontbrak er?” (na “niet nuttig”)", "comment": "opmerking",
        "definitions": "Gesprekken: mensen die die dag minstens één vraag stelden. Mensen "
                       "worden geteld met een pseudoniem; namen of Telegram-id's worden niet "
                       "bewaard. Dagen in UTC.",
        "answer": "beantwoord", "suggest": "“bedoel je…”", "fallback": "niet begrepen",
        "red_flag": "alarmsignaal (dringend advies)", "smalltalk": "babbel",
        "months": "jan feb mrt apr mei jun jul aug sep okt nov dec",
        "beliefs": "Wat patiënten denken, voor en na",
        "beliefs intro": "Mensen die met de opvolging instemden, beantwoordden dezelfde "
                         "uitspraken voor ze iets lazen en opnieuw bij de opvolging (na "
                         "beliefs.follow_up_days, standaard 14 dagen). "
                         "Elke balk is het aandeel met de juiste opvatting (“weet ik niet” telt "
                         "niet als juist), met het 95%-interval (Wilson). Alleen mensen die "
                         "beide keren antwoordden, tellen mee.",
        "beliefs hidden": "{count} uitspraak/uitspraken, door minder dan {n} mensen beantwoord, "
                          "staan er niet bij.",
        "beliefs too few": "Geen opvolging werd in deze periode door genoeg mensen beantwoord.",
        "beliefs none": "Geen antwoorden op de opvolging in deze periode.",
        "before": "voor", "after": "na", "statement": "uitspraak",
        "correct before": "juist voor", "correct after": "juist na",
    },
}
KIND_LABELS = {kind: WORDS["en"][kind] for kind in
               ("answer", "suggest", "fallback", "red_flag", "smalltalk")}
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


Words = dict[str, str]


def render_html(report: Report, generated: dt.datetime, lang: str = "en") -> str:
    w = WORDS[lang]
    scope = w["all clinics"] if report.clinic is None else report.scope
    title = w["title"].format(scope=scope)
    period = w["period"].format(since=report.since.isoformat(), until=report.until.isoformat())
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<header><h1>{escape(title)}</h1><p>{escape(period)} · {w['generated']} "
        f"{escape(generated.strftime('%Y-%m-%d %H:%M UTC'))}</p></header><main>",
    ]
    if report.min_users is not None:
        parts.append(f'<p class="note">'
                     f"{w['privacy'].format(n=report.min_users, withheld=w['withheld'])}</p>")
    parts += [_summary(report, w), _over_time(report, w), _kinds(report, w),
              _entries(report, w), _beliefs(report, w), _unanswered(report, w),
              _comments(report, w),
              f'<p class="note">{w["definitions"]}</p>', "</main></body></html>"]
    return "\n".join(parts) + "\n"


def _show(cell: Cell, report: Report, w: Words) -> str:
    shown = cell.show(report.min_users)
    return escape(w["withheld"] if shown == WITHHELD else shown)


def _summary(report: Report, w: Words) -> str:
    answered = next((k for k in report.kinds if k.kind == "answer"), None)
    share = "–"
    if answered is not None and report.total.value and not answered.questions.hidden(
            report.min_users):
        share = f"{answered.share:.0%}"
    tiles = [
        (w["questions"], _show(report.total, report, w)),
        (w["people"], _show(report.people, report, w)),
        (w["answered"], share),
        (w["helpful / not helpful"], f"{_show(report.helpful, report, w)} / "
                                     f"{_show(report.not_helpful, report, w)}"),
    ]
    body = "".join(f'<div class="tile"><b>{value}</b>{escape(label)}</div>'
                   for label, value in tiles)
    return f'<section><h2>{w["summary"]}</h2><div class="tiles">{body}</div></section>'


def _over_time(report: Report, w: Words) -> str:
    if not report.total.value:
        return f"<section><h2>{w['per day']}</h2><p>{w['no questions']}</p></section>"
    legend = (f'<p class="legend"><span><i class="swatch" style="background:{QUESTIONS_COLOR}">'
              f'</i>{w["questions"]}</span><span><i class="swatch" '
              f'style="background:{PEOPLE_COLOR}"></i>{w["conversations legend"]}</span>'
              + (f'<span><i class="swatch" style="background:{HIDDEN_COLOR}"></i>'
                 f"{w['few people'].format(n=report.min_users)}</span>"
                 if report.min_users else "")
              + "</p>")
    rows = "".join(
        f"<tr><td>{d.date.isoformat()}</td><td class=n>{_show(d.conversations, report, w)}</td>"
        f"<td class=n>{_show(d.questions, report, w)}</td></tr>"
        for d in report.days if d.questions.value)
    table = (f"<details><summary>{w['numbers per day']}</summary><table><tr><th>{w['day']}</th>"
             f"<th class=n>{w['conversations']}</th><th class=n>{w['questions']}</th></tr>"
             f"{rows}</table></details>")
    return (f"<section><h2>{w['per day']}</h2>{legend}"
            f"{_day_chart(report.days, report.min_users, w)}{table}</section>")


def _day_chart(days: tuple[Day, ...], min_users: int | None, w: Words) -> str:
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
            shown = cell.show(min_users)
            label = (f"{day.date.isoformat()}: {w['withheld'] if shown == WITHHELD else shown} "
                     f"{w[what]}")
            shapes.append(f'<rect x="{x + offset:.1f}" y="{top + plot_h - h:.1f}" '
                          f'width="{bar:.1f}" height="{h:.1f}" '
                          f'fill="{HIDDEN_COLOR if hidden else color}">'
                          f"<title>{escape(label)}</title></rect>")
    step = max(1, round(len(days) / 8))
    months = w["months"].split()
    for i in range(0, len(days), step):
        x = left + (i + 0.5) * slot
        date = days[i].date
        shapes.append(f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle">'
                      f"{date.day:02d} {months[date.month - 1]}</text>")
    return (f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" '
            f'aria-label="{w["per day"]}" font-size="11" fill="#52606d">'
            f'{"".join(shapes)}</svg>')


def _kinds(report: Report, w: Words) -> str:
    if not report.total.value:
        return ""
    stacked = []
    x = 0.0
    for row in report.kinds:
        if row.questions.hidden(report.min_users) or not row.share:
            continue
        width = row.share * 100
        stacked.append(f'<rect x="{x:.2f}%" y="0" width="{width:.2f}%" height="26" '
                       f'fill="{KIND_COLORS[row.kind]}"><title>{escape(w[row.kind])}: '
                       f"{row.share:.0%}</title></rect>")
        x += width
    bar = (f'<svg width="100%" height="26" role="img" aria-label="{w["share"]}">'
           f'{"".join(stacked)}</svg>')
    rows = "".join(_kind_row(row, report, w) for row in report.kinds)
    return (f"<section><h2>{w['handled']}</h2>"
            f"{bar}<table><tr><th>{w['outcome']}</th><th class=n>{w['questions']}</th>"
            f"<th class=n>{w['share']}</th></tr>{rows}</table></section>")


def _kind_row(row: KindRow, report: Report, w: Words) -> str:
    hidden = row.questions.hidden(report.min_users)
    share = "–" if hidden else f"{row.share:.1%}"
    swatch = f'<i class="swatch" style="background:{KIND_COLORS[row.kind]}"></i>'
    return (f"<tr><td>{swatch}{escape(w[row.kind])}</td>"
            f"<td class=n>{_show(row.questions, report, w)}</td><td class=n>{share}</td></tr>")


def _entries(report: Report, w: Words) -> str:
    if not report.entries:
        return (f"<section><h2>{w['entries none heading']}</h2><p>{w['no answers']}"
                "</p></section>")
    charted = [e for e in report.entries[:CHART_ENTRIES] if e.asked.value]
    peak = max([e.asked.value for e in charted] + [1])
    bars = []
    for i, entry in enumerate(charted):
        hidden = entry.asked.hidden(report.min_users)
        value = (report.min_users or 1) - 1 if hidden else entry.asked.value
        width = 520 * value / peak
        y = i * 24
        bars.append(
            f'<text x="0" y="{y + 16}">{escape(_clip(entry.title, 44))}</text>'
            f'<rect x="300" y="{y + 4}" width="{width:.1f}" height="16" '
            f'fill="{HIDDEN_COLOR if hidden else QUESTIONS_COLOR}"/>'
            f'<text x="{306 + width:.1f}" y="{y + 16}">{_show(entry.asked, report, w)}</text>')
    chart = (f'<svg viewBox="0 0 860 {len(charted) * 24 + 4}" width="100%" font-size="12" '
             f'role="img" aria-label="{w["entries none heading"]}">{"".join(bars)}</svg>'
             if charted else "")
    rows = "".join(_entry_row(e, report, w) for e in report.entries)
    return (f"<section><h2>{w['entries heading']}</h2>"
            f"{chart}<table><tr><th>{w['entry']}</th><th class=n>{w['answered']}</th>"
            f"<th class=n>{w['helpful']}</th><th class=n>{w['not helpful']}</th>"
            f"<th class=n>{w['helpful share']}</th></tr>{rows}</table></section>")


def _entry_row(entry: EntryRow, report: Report, w: Words) -> str:
    votes = entry.helpful.value + entry.not_helpful.value
    hidden = entry.helpful.hidden(report.min_users) or entry.not_helpful.hidden(
        report.min_users)
    share = "–" if hidden or not votes else f"{entry.helpful.value / votes:.0%}"
    return (f"<tr><td>{escape(entry.title)}<br><span class=note>{escape(entry.entry_id)}"
            f"</span></td><td class=n>{_show(entry.asked, report, w)}</td>"
            f"<td class=n>{_show(entry.helpful, report, w)}</td>"
            f"<td class=n>{_show(entry.not_helpful, report, w)}</td><td class=n>{share}</td></tr>")


BEFORE_COLOR = "#9aa5b1"
AFTER_COLOR = "#0b6e69"


def _beliefs(report: Report, w: Words) -> str:
    head = f"<section><h2>{w['beliefs']}</h2><p class=\"note\">{w['beliefs intro']}</p>"
    shown = [row for row in report.beliefs if not row.hidden]
    hidden = len(report.beliefs) - len(shown)
    note = (f'<p class="note">{w["beliefs hidden"].format(count=hidden, n=report.min_users)}'
            "</p>" if hidden else "")
    if not shown:
        what = w["beliefs too few"] if hidden else w["beliefs none"]
        return f"{head}{note}<p>{what}</p></section>"
    rows = "".join(
        f"<tr><td>{escape(r.statement)}<br><span class=note>{escape(r.entry_id)}"
        f"{' · ' + escape(r.clinic) if r.clinic else ''}</span></td>"
        f"<td class=n>{r.people}</td>{_share(r.before)}{_share(r.after)}</tr>" for r in shown)
    legend = (f'<p class="legend"><span><i class="swatch" style="background:{BEFORE_COLOR}">'
              f'</i>{w["before"]}</span><span><i class="swatch" '
              f'style="background:{AFTER_COLOR}"></i>{w["after"]}</span></p>')
    chart = _belief_chart([r for r in shown if r.clinic is None], w)
    return (f"{head}{note}{legend}{chart}<table><tr><th>{w['statement']}</th>"
            f"<th class=n>{w['people']}</th><th class=n>{w['correct before']}</th>"
            f"<th class=n>{w['correct after']}</th></tr>{rows}</table></section>")


def _share(share: Share) -> str:
    low, high = share.interval
    return (f"<td class=n>{share.rate:.0%} <span class=note>({low:.0%}–{high:.0%})</span>"
            "</td>")


def _belief_chart(rows: list[BeliefRow], w: Words) -> str:
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
            f'role="img" aria-label="{w["beliefs"]}">'
            f'{"".join(parts)}</svg>')


def _unanswered(report: Report, w: Words) -> str:
    head = f"<section><h2>{w['unanswered']}</h2><p class=\"note\">{w['unanswered intro']}</p>"
    n = report.min_users
    if not report.groups:
        # One statement that is true: none asked, or asked but each by too few people.
        key = "unanswered all hidden" if report.hidden_groups else "unanswered none"
        return f"{head}<p>{w[key].format(n=n)}</p></section>"
    more = w["unanswered some hidden"].format(count=report.hidden_groups, n=n)
    hidden = f'<p class="note">{more}</p>' if report.hidden_groups else ""
    groups = "".join(_group(g, i + 1, w) for i, g in enumerate(report.groups))
    return f"{head}{groups}{hidden}</section>"


def _group(item: QuestionGroup, number: int, w: Words) -> str:
    group = item.group
    nearest = w["none"]
    if item.nearest is not None:
        entry_id, score = item.nearest
        nearest = (f"{escape(item.nearest_title or entry_id)} <span class=note>"
                   f"({escape(entry_id)}, {w['score']} {score:.2f})</span>")
    wordings = "".join(f"<li>{escape(text)}" + (f" <span class=note>×{count}</span>"
                                                  if count > 1 else "") + "</li>"
                       for text, count in group.texts)
    more = (f"<details><summary>{len(group.texts)} {w['wordings']}</summary>"
            f'<ul class="wordings">{wordings}</ul></details>' if len(group.texts) > 1 else "")
    users = f"{group.users} {w['person'] if group.users == 1 else w['people']}"
    return (f'<div class="group"><b>{number}.</b> <q>{escape(group.representative)}</q> '
            f'<span class="note">[{escape(group.lang)}] '
            f"{w['asked'].format(size=group.size, users=users)}</span><br>"
            f'{w["nearest"]}: {nearest}<br><span class="advice">→ {escape(item.advice)}</span>'
            f"{more}</div>")


def _comments(report: Report, w: Words) -> str:
    return (_own_words(w["disliked"], w["entry"], w["day"], w["question"], report.disliked)
            + _own_words(w["comments"], w["entry"], w["day"], w["comment"], report.comments))


def _own_words(title: str, entry: str, day: str, what: str,
               items: tuple[Comment, ...]) -> str:
    if not items:
        return ""
    rows = "".join(f"<tr><td>{escape(c.entry_id)}</td><td>{c.at.date().isoformat()}</td>"
                   f"<td>{escape(c.text)}</td></tr>" for c in items)
    return (f"<section><h2>{title}</h2><table><tr><th>{entry}</th><th>{day}</th>"
            f"<th>{what}</th></tr>{rows}</table></section>")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
