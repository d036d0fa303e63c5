"""From stored rows to the numbers of a report. Pure: no database, no files, no HTML.

Per-clinic reports are shared with clinics, so every count that rests on fewer than
`MIN_USERS` people is suppressed (shown as "<5"); so are the texts of question groups asked
by fewer people, which in a small practice could point to one patient. Where counts add up to
a total that is shown, one "<5" among them could be worked out by subtraction, so a second
count of the same table is withheld with it (`complement`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from bot.matching import KINDS
from bot.reporting.beliefs import BeliefRow, belief_rows
from bot.reporting.cluster import Asked, Group, Weights, group_questions
from bot.storage import ReportRows
from bot.storage.privacy import TEXT_KINDS

MIN_USERS = 5
SUPPRESSED = f"<{MIN_USERS}"
WITHHELD = "hidden"  # shown for a count withheld only so that a "<5" beside it stays hidden

# (entry id, score) of the entry nearest to a question in a language, or None.
Nearest = Callable[[str, str], tuple[str, float] | None]


@dataclass(frozen=True)
class Cell:
    """A count and how many distinct people it rests on."""

    value: int
    users: int
    withheld: bool = False  # see `complement`

    def hidden(self, min_users: int | None) -> bool:
        return min_users is not None and (self.withheld or 0 < self.users < min_users)

    def show(self, min_users: int | None) -> str:
        if not self.hidden(min_users):
            return str(self.value)
        return WITHHELD if self.withheld else f"<{min_users}"


def complement(cells: Sequence[Cell], min_users: int | None) -> list[Cell]:
    """`cells`, which add up to a total that is shown: when exactly one is hidden, the smallest
    other non-zero one is withheld too, so that subtraction yields only the sum of the two."""
    hidden = [cell for cell in cells if cell.hidden(min_users)]
    partners = [i for i, cell in enumerate(cells) if cell.value and not cell.hidden(min_users)]
    if len(hidden) != 1 or not partners:
        return list(cells)
    partner = min(partners, key=lambda i: (cells[i].value, i))
    return [replace(cell, withheld=True) if i == partner else cell
            for i, cell in enumerate(cells)]


@dataclass(frozen=True)
class Day:
    date: dt.date
    conversations: Cell  # people who asked something that day
    questions: Cell


@dataclass(frozen=True)
class KindRow:
    kind: str
    questions: Cell
    share: float  # of all questions, 0-1


@dataclass(frozen=True)
class EntryRow:
    entry_id: str
    title: str
    asked: Cell  # answered with this entry
    helpful: Cell
    not_helpful: Cell


@dataclass(frozen=True)
class QuestionGroup:
    group: Group
    nearest: tuple[str, float] | None  # (entry id, score)
    nearest_title: str | None
    advice: str


@dataclass(frozen=True)
class Comment:
    """A person's own words about an entry: a "what was missing?" note after 👎, or the
    question whose answer got the 👎."""

    entry_id: str
    at: dt.datetime
    text: str


@dataclass(frozen=True)
class Report:
    scope: str  # "all clinics" or the clinic's name
    clinic: str | None
    since: dt.date
    until: dt.date
    min_users: int | None  # None: nothing suppressed
    total: Cell
    people: Cell
    helpful: Cell
    not_helpful: Cell
    days: tuple[Day, ...]
    kinds: tuple[KindRow, ...]
    entries: tuple[EntryRow, ...]
    groups: tuple[QuestionGroup, ...]
    hidden_groups: int  # groups not shown because too few people asked them
    comments: tuple[Comment, ...]
    disliked: tuple[Comment, ...]  # questions whose answer was rated not helpful
    beliefs: tuple[BeliefRow, ...]  # before and after, per quiz statement (and clinic)
    rows: ReportRows  # the rows of the period, for the CSV export of the full report


def _cell(users: Iterable[str]) -> Cell:
    listed = list(users)
    return Cell(len(listed), len(set(listed)))


ADVICE = {
    "en": {"new": "no entry shares its words: write a new entry",
           "phrasing": "if it asks what '{entry}' answers, add these wordings to it as example "
                       "questions; otherwise write a new entry",
           "far": "far from every entry: probably a new entry"},
    "nl": {"new": "geen enkel onderwerp deelt zijn woorden: schrijf een nieuw onderwerp",
           "phrasing": "vraagt het wat '{entry}' beantwoordt, voeg deze formuleringen daar dan "
                       "toe als voorbeeldvragen; anders schrijf je een nieuw onderwerp",
           "far": "ver van elk onderwerp: wellicht een nieuw onderwerp"},
}


def advice_for(nearest: tuple[str, float] | None, phrasing_score: float,
               lang: str = "en") -> str:
    """What an editor should probably do with a group of unanswered questions.

    These questions were not answered, so even the nearest entry scored low; from
    `phrasing_score` up (the bot offered it as a suggestion) it may be the same question in
    other words, which only a person can tell.
    """
    words = ADVICE[lang]
    if nearest is None:
        return words["new"]
    entry_id, score = nearest
    if score >= phrasing_score:
        return words["phrasing"].format(entry=entry_id)
    return words["far"]


def build_report(rows: ReportRows, *, since: dt.date, until: dt.date, scope: str,
                 clinic: str | None, nearest: Nearest, titles: Mapping[str, str],
                 phrasing_score: float, weights: Mapping[str, Weights] | None = None,
                 lang: str = "en", statements: Mapping[str, str] | None = None) -> Report:
    """All numbers of a report over the days `since`..`until` (inclusive, UTC); `lang` is
    that of the advice on unanswered questions."""
    min_users = MIN_USERS if clinic is not None else None
    events = [e for e in rows.events if since <= e.at.date() <= until]
    ratings = [f for f in rows.feedback if since <= f.at.date() <= until]

    per_day: dict[dt.date, list[str]] = defaultdict(list)
    for event in events:
        per_day[event.at.date()].append(event.user)
    dates = [since + dt.timedelta(days=n) for n in range((until - since).days + 1)]
    # People per day need not add up to the people in all (someone may come back), but often
    # do: they are protected like the questions.
    visitors = complement([Cell(n, n) for n in (len(set(per_day.get(d, []))) for d in dates)],
                          min_users)
    questions = complement([_cell(per_day.get(date, [])) for date in dates], min_users)
    days = [Day(*day) for day in zip(dates, visitors, questions, strict=True)]

    total = _cell(e.user for e in events)
    by_kind: dict[str, list[str]] = defaultdict(list)
    for event in events:
        by_kind[event.kind].append(event.user)
    kinds = tuple(KindRow(kind, cell, cell.value / total.value if total.value else 0.0)
                  for kind, cell in zip(KINDS, complement(
                      [_cell(by_kind.get(kind, [])) for kind in KINDS], min_users), strict=True))

    asked: dict[str, list[str]] = defaultdict(list)
    for event in events:
        if event.kind == "answer" and event.entry_id:
            asked[event.entry_id].append(event.user)
    votes: dict[tuple[str, bool], list[str]] = defaultdict(list)
    for rating in ratings:
        votes[(rating.entry_id, rating.helpful)].append(rating.user)
    rated = {entry for entry, _ in votes}
    ranked = sorted(set(asked) | rated, key=lambda e: (-len(asked.get(e, [])), e))
    def column(users: Callable[[str], list[str]]) -> list[Cell]:
        return complement([_cell(users(entry)) for entry in ranked], min_users)

    entries = tuple(
        EntryRow(e, titles.get(e, e), answered, helpful, not_helpful)
        for e, answered, helpful, not_helpful in zip(
            ranked, column(lambda e: asked.get(e, [])), column(lambda e: votes.get((e, True), [])),
            column(lambda e: votes.get((e, False), [])), strict=True))

    texts = [Asked(e.question, e.language, e.user) for e in events
             if e.kind in TEXT_KINDS and e.question]
    shown: list[QuestionGroup] = []
    hidden = 0
    for group in group_questions(texts, weights):
        if min_users is not None and group.users < min_users:
            hidden += 1
            continue
        near = nearest(group.representative, group.lang)
        title = titles.get(near[0], near[0]) if near else None
        shown.append(QuestionGroup(group, near, title, advice_for(near, phrasing_score, lang)))

    comments = _own_words(((r.user, r.entry_id, r.at, r.comment) for r in ratings
                           if r.comment and not r.helpful), min_users)
    # An answer's question is kept only after a 👎 (bot.storage.privacy).
    disliked = _own_words(((e.user, e.entry_id, e.at, e.question) for e in events
                           if e.kind == "answer" and e.entry_id and e.question), min_users)
    people = len({e.user for e in events})
    beliefs = belief_rows(rows.beliefs, statements or {}, since=since, until=until,
                          min_users=min_users, per_clinic=clinic is None)
    return Report(scope, clinic, since, until, min_users, total, Cell(people, people),
                  _cell(r.user for r in ratings if r.helpful),
                  _cell(r.user for r in ratings if not r.helpful), tuple(days), kinds, entries,
                  tuple(shown), hidden, comments, disliked, beliefs,
                  ReportRows(tuple(events), tuple(ratings), rows.beliefs))


def _own_words(written: Iterable[tuple[str, str, dt.datetime, str]],
               min_users: int | None) -> tuple[Comment, ...]:
    """(user, entry id, when, text) as comments. Each is one person's words, so a clinic's
    report has them only for entries on which at least `min_users` people wrote."""
    listed = list(written)
    if min_users is not None:
        writers: dict[str, set[str]] = defaultdict(set)
        for user, entry_id, _, _ in listed:
            writers[entry_id].add(user)
        listed = [item for item in listed if len(writers[item[1]]) >= min_users]
    return tuple(Comment(entry_id, at, text) for _, entry_id, at, text in listed)
