"""`report`: the numbers match what was stored, small numbers stay hidden per clinic, and
user text cannot break out of the page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.matching import Decision
from bot.reporting import (
    Asked,
    Cell,
    Report,
    Weights,
    build_report,
    complement,
    group_questions,
    idf_weights,
    render_html,
)
from bot.reporting.tables import user_text
from bot.storage import EventRow, FeedbackRow, ReportRows, Storage
from bot.storage.engine import create_engine, parse_url
from tests.conftest import EXAMPLE_CONFIG, KNOWLEDGE

SECRET = b"report-test-secret-0123456789"
TODAY = dt.datetime.now(dt.UTC).replace(hour=12, minute=0, second=0, microsecond=0)
DAY1 = TODAY - dt.timedelta(days=3)
DAY2 = TODAY - dt.timedelta(days=1)
SINCE = (TODAY - dt.timedelta(days=6)).date()
CLINIC_USERS = range(1, 7)  # six patients of demo-kine
OTHER_USERS = range(100, 103)
SCRIPT = "<script>alert(1)</script> knie"


class Tables(HTMLParser):
    """Every table row of a page as a list of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def table_rows(html: str) -> dict[str, list[str]]:
    parser = Tables()
    parser.feed(html)
    return {row[0]: row[1:] for row in parser.rows if row}


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


# ----- the numbers, without a database -----------------------------------------------------


def event(user: str, at: dt.datetime, kind: str, entry: str | None = None,
          question: str | None = None, clinic: str | None = "c") -> EventRow:
    return EventRow(user, at, kind, entry, "nl", clinic, question)


def rating(user: str, at: dt.datetime, entry: str, helpful: bool,
           comment: str | None = None) -> FeedbackRow:
    return FeedbackRow(user, at, entry, helpful, comment, "c")


def build(rows: ReportRows, clinic: str | None) -> Report:
    return build_report(rows, since=DAY1.date(), until=DAY2.date(), scope="test",
                        clinic=clinic, nearest=lambda q, lang: ("near", 0.4),
                        titles={"a": "Entry A"}, phrasing_score=0.3)


def test_counts_per_day_kind_and_entry() -> None:
    rows = ReportRows(
        events=(event("u1", DAY1, "answer", "a"), event("u1", DAY1, "answer", "a"),
                event("u2", DAY1, "fallback", question="x"), event("u3", DAY2, "red_flag"),
                event("u3", DAY2 + dt.timedelta(days=5), "answer", "a")),  # after the period
        feedback=(rating("u1", DAY1, "a", True), rating("u2", DAY1, "a", False, "te kort")))
    report = build_report(rows, since=DAY1.date(), until=DAY2.date(), scope="test",
                          clinic=None, nearest=lambda q, lang: ("near", 0.4),
                          titles={"a": "Entry A"}, phrasing_score=0.3)
    assert [(d.date, d.conversations.value, d.questions.value) for d in report.days] == [
        (DAY1.date(), 2, 3), ((DAY1 + dt.timedelta(days=1)).date(), 0, 0), (DAY2.date(), 1, 1)]
    kinds = {k.kind: (k.questions.value, round(k.share, 2)) for k in report.kinds}
    assert kinds == {"answer": (2, 0.5), "fallback": (1, 0.25), "red_flag": (1, 0.25),
                     "suggest": (0, 0.0), "smalltalk": (0, 0.0)}
    (entry,) = report.entries
    assert (entry.entry_id, entry.title, entry.asked.value, entry.helpful.value,
            entry.not_helpful.value) == ("a", "Entry A", 2, 1, 1)
    assert (report.total.value, report.people.value) == (4, 3)
    assert [c.text for c in report.comments] == ["te kort"]
    (group,) = report.groups
    assert group.group.texts == (("x", 1),) and group.nearest == ("near", 0.4)
    assert "add these wordings to it" in group.advice


def test_cells_under_five_people_are_suppressed() -> None:
    assert Cell(12, 4).show(5) == "<5"
    assert Cell(5, 5).show(5) == "5"
    assert Cell(0, 0).show(5) == "0"
    assert Cell(3, 3).show(None) == "3"


def test_a_lone_hidden_count_takes_the_smallest_other_with_it() -> None:
    cells = [Cell(30, 9), Cell(1, 1), Cell(0, 0), Cell(7, 6)]
    assert [c.show(5) for c in complement(cells, 5)] == ["30", "<5", "0", "hidden"]
    two = [Cell(30, 9), Cell(1, 1), Cell(2, 2)]
    assert complement(two, 5) == two  # their sum is all subtraction gives
    alone = [Cell(1, 1), Cell(0, 0)]
    assert complement(alone, 5) == alone  # nothing to pair with; the total is hidden too
    assert complement(cells, None) == cells  # the full report hides nothing


def test_no_hidden_count_of_a_clinic_report_follows_from_a_total() -> None:
    """Six patients on day 1 and one on day 2 (the audit's case): with the total shown, a lone
    "<5" on day 2 was the total minus day 1."""
    busy = [event(f"u{n}", DAY1, "answer", "a") for n in range(6) for _ in range(3)]
    rows = ReportRows(events=(*busy, event("lone", DAY2, "fallback", question="x")),
                      feedback=(*(rating(f"u{n}", DAY1, "a", True) for n in range(6)),
                                rating("u0", DAY1, "b", True)))
    report = build(rows, clinic="c")
    assert report.total.show(5) == "19"
    tables = {"days": [d.questions for d in report.days],
              "people per day": [d.conversations for d in report.days],
              "outcomes": [k.questions for k in report.kinds],
              "answered": [e.asked for e in report.entries],
              "helpful": [e.helpful for e in report.entries],
              "not helpful": [e.not_helpful for e in report.entries]}
    for name, cells in tables.items():
        assert sum(c.hidden(5) for c in cells) != 1, name
    assert [d.questions.show(5) for d in report.days] == ["hidden", "0", "<5"]


# ----- grouping unanswered questions -------------------------------------------------------


def test_similar_questions_are_grouped() -> None:
    asked = [Asked("Mag ik zwemmen met artrose?", "nl", "u1"),
             Asked("mag ik zwemmen met artrose", "nl", "u2"),
             Asked("is zwemmen goed bij artrose", "nl", "u3"),
             Asked("is fietsen goed bij artrose", "nl", "u4"),
             Asked("can I swim with osteoarthritis", "en", "u5")]
    # Weights as the knowledge base gives them: "is", "goed", "bij", "artrose" are common.
    weights = {"nl": idf_weights(["is dit goed bij artrose", "is het goed bij artrose",
                                  "wat is goed voor artrose", "mag ik dat met artrose",
                                  "is artrose erg", "mag ik werken"]), "en": Weights()}
    groups = group_questions(asked, weights)
    assert [(g.lang, g.size, g.users) for g in groups] == [("nl", 3, 3), ("en", 1, 1),
                                                          ("nl", 1, 1)]
    assert groups[0].representative == "Mag ik zwemmen met artrose?"
    assert [t for t, _ in groups[0].texts] == ["Mag ik zwemmen met artrose?",
                                               "is zwemmen goed bij artrose",
                                               "mag ik zwemmen met artrose"]
    assert groups[2].representative == "is fietsen goed bij artrose"


def test_typos_still_group() -> None:
    groups = group_questions([Asked("helpt kurkuma tegen artrose", "nl", "u1"),
                              Asked("helpt kurkumma tegen artrose", "nl", "u2")])
    assert len(groups) == 1 and groups[0].users == 2


def test_spreadsheet_formulas_are_defused() -> None:
    assert user_text("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert user_text("@SUM(A1)") == "'@SUM(A1)"
    assert user_text("gewoon een vraag") == "gewoon een vraag"
    assert user_text(None) == ""


def test_html_escapes_user_text_and_needs_no_network() -> None:
    rows = ReportRows(events=tuple(event(f"u{i}", DAY1, "fallback", question=SCRIPT)
                                   for i in range(6)),
                      feedback=(rating("u1", DAY1, "a", False, "<img src=x onerror=alert(1)>"),))
    html = render_html(build(rows, None), TODAY)
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; knie" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    for external in ("src=", "href=", "url(", "<link", "@import"):
        assert external not in html.replace("&lt;img src=x", "")


# ----- from the database to the files, through the command line ----------------------------


@pytest.fixture
async def database(tmp_path: Path) -> Path:
    """Two days of traffic: six patients of demo-kine and three people without a clinic."""
    path = tmp_path / "bot.sqlite3"
    storage = Storage(create_engine(parse_url(f"sqlite+aiosqlite:///{path}"), timeout=2.0),
                      SECRET, retention_days=90, clinics=["demo-kine"])
    async with storage:
        await storage.start()
        for user in CLINIC_USERS:
            await storage.record_visit(user, language="nl", clinic="demo-kine", now=DAY1)
            await storage.record_question(user, "prikken", Decision("answer", "nl", 0.9,
                                                                    "injections"), now=DAY1)
            if user <= 2:
                await storage.record_question(user, "pillen", Decision(
                    "answer", "nl", 0.9, "medication"), now=DAY1)
            if user <= 5:
                await storage.record_feedback(user, "injections", True, now=DAY1)
                await storage.record_question(user, ["mag ik zwemmen met artrose",
                                                     "is zwemmen goed bij artrose"][user % 2],
                                              Decision("fallback", "nl", 0.1), now=DAY2)
            else:
                await storage.record_feedback(user, "injections", False, question="prikken",
                                              now=DAY1)
                await storage.record_comment(user, "injections", "niets over mijn knie")
                await storage.record_question(user, "hoe bak ik pannenkoeken", Decision(
                    "fallback", "nl", 0.0), now=DAY2)
        for user in OTHER_USERS:
            await storage.record_question(user, "afvallen", Decision(
                "answer", "nl", 0.9, "weight-loss"), now=DAY2)
        await storage.record_question(100, "koorts en een hete knie", Decision(
            "red_flag", "nl", 1.0), now=DAY2)
        await storage.record_question(101, SCRIPT, Decision("suggest", "nl", 0.35), now=DAY2)
    return path


@pytest.fixture
def config_file(tmp_path: Path, database: Path) -> Path:
    data = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    data["knowledge_dir"] = str(KNOWLEDGE)
    data["storage"]["url"] = f"sqlite+aiosqlite:///{database}"
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def report(config_file: Path, out: Path, *extra: str) -> None:
    lang = () if "--lang" in extra else ("--lang", "en")
    assert main(["report", "--config", str(config_file), "--since", SINCE.isoformat(),
                 "--out", str(out), *lang, *extra]) == 0


def test_full_report_matches_the_stored_events(config_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    report(config_file, out)
    html = out.read_text(encoding="utf-8")
    rows = table_rows(html)
    # answers: 6 injections + 2 medication + 3 weight-loss; fallbacks: 6; 1 suggest; 1 red flag
    assert rows["answered"] == ["11", "57.9%"]
    assert rows["not understood"] == ["6", "31.6%"]
    assert rows["“did you mean…”"] == ["1", "5.3%"]
    assert rows["red flag (urgent advice)"] == ["1", "5.3%"]
    assert rows[DAY1.date().isoformat()] == ["6", "8"]
    assert rows[DAY2.date().isoformat()] == ["9", "11"]
    injections = next(v for k, v in rows.items() if k.endswith("injections"))
    assert injections == ["6", "5", "1", "83%"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; knie" in html and "<script" not in html
    assert "niets over mijn knie" in html
    assert "hoe bak ik pannenkoeken" in html
    # The question behind the 👎 is kept for editors: which wording led to the wrong entry.
    disliked = html.split("Questions whose answer was rated “not helpful”")[1]
    assert disliked.split("</table>")[0].count("<td>prikken</td>") == 1


def test_clinic_report_suppresses_small_numbers(config_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "clinic.html"
    report(config_file, out, "--clinic", "demo-kine")
    html = out.read_text(encoding="utf-8")
    rows = table_rows(html)
    assert rows["answered"] == ["8", "57.1%"]  # 8 answers by 6 people
    assert rows["not understood"] == ["6", "42.9%"]
    assert rows["red flag (urgent advice)"] == ["0", "0.0%"]
    injections = next(v for k, v in rows.items() if k.endswith("injections"))
    medication = next(v for k, v in rows.items() if k.endswith("medication"))
    assert medication[0] == "<5"  # two people
    # Withheld as well: with the 8 answers shown, "6" would give away medication's 2. One 👎:
    # hidden.
    assert injections == ["hidden", "5", "<5", "–"]
    assert not any(k.endswith("weight-loss") for k in rows)  # not this clinic's patients
    # Five people asked about swimming: shown; one asked about pancakes: hidden.
    assert "zwemmen" in html and "pannenkoeken" not in html
    assert "1 more group(s), each asked by fewer than 5 people, are not shown." in html
    assert "No unanswered questions" not in html
    assert "niets over mijn knie" not in html  # one person's comment
    assert "rated “not helpful”" not in html  # and one person's question


def test_csv_tables_in_a_folder_and_in_a_zip(config_file: Path, tmp_path: Path) -> None:
    folder = tmp_path / "tables"
    report(config_file, folder, "--format", "csv", "--clinic", "demo-kine")
    assert sorted(p.name for p in folder.iterdir()) == [
        "beliefs.csv", "comments.csv", "days.csv", "entries.csv", "not_helpful_questions.csv",
        "outcomes.csv", "unanswered.csv"]
    entries = {r["entry_id"]: r for r in read_csv(
        (folder / "entries.csv").read_text(encoding="utf-8"))}
    assert (entries["injections"]["answered"], entries["injections"]["helpful"],
            entries["injections"]["not_helpful"]) == ("hidden", "5", "<5")
    assert entries["medication"]["answered"] == "<5"

    archive = tmp_path / "tables.zip"
    report(config_file, archive, "--format", "csv")
    with zipfile.ZipFile(archive) as files:
        names = set(files.namelist())
        outcomes = {r["outcome"]: r for r in read_csv(files.read("outcomes.csv").decode())}
        events = read_csv(files.read("events.csv").decode())
        unanswered = read_csv(files.read("unanswered.csv").decode())
    assert {"events.csv", "feedback.csv", "days.csv"} <= names
    assert {k: r["questions"] for k, r in outcomes.items()} == {
        "answer": "11", "suggest": "1", "fallback": "6", "red_flag": "1", "smalltalk": "0"}
    assert len(events) == 19
    assert not any("user" in column for column in events[0])  # no user keys leave
    zwemmen = [r for r in unanswered if "zwemmen" in r["question"]]
    assert len({r["group"] for r in zwemmen}) == 1
    assert sum(int(r["times_asked"]) for r in zwemmen) == 5
    assert zwemmen[0]["nearest_entry"]


def test_unknown_clinic_and_bad_date(config_file: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path / "r.html")
    assert main(["report", "--config", str(config_file), "--clinic", "nope", "--out", out]) == 2
    assert "known clinics: demo-kine" in capsys.readouterr().err
    assert main(["report", "--config", str(config_file), "--since", "1/3/2026",
                 "--out", out]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


@pytest.mark.parametrize(("form", "name", "says"), [
    ("html", "report.pdf", "ending in .html"), ("csv", "report.csv", "a folder"),
])
def test_an_out_name_that_does_not_fit_the_format_is_refused(
        config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], form: str,
        name: str, says: str) -> None:
    out = tmp_path / name
    assert main(["report", "--config", str(config_file), "--format", form,
                 "--out", str(out)]) == 2
    assert says in capsys.readouterr().err and not out.exists()


def test_a_clinic_view_whose_unanswered_questions_are_all_hidden_says_so_once() -> None:
    rows = ReportRows(events=(event("u1", DAY1, "fallback", question="mag ik fietsen"),
                              event("u2", DAY1, "fallback", question="hoe bak ik taart")),
                      feedback=())
    html = render_html(build(rows, "c"), TODAY)
    unanswered = html.split("Unanswered questions, grouped by similarity")[1]
    assert ("There were unanswered questions in this period, but each kind was asked by fewer "
            "than 5 people, so none is shown.") in unanswered
    assert "None in this period" not in html and "are not shown" not in unanswered
    assert "fietsen" not in html
    empty = render_html(build(ReportRows(events=(), feedback=()), "c"), TODAY)
    assert "No unanswered questions in this period." in empty
    assert "each kind was asked" not in empty


def test_the_report_speaks_the_configured_language_or_the_one_asked_for(
        config_file: Path, tmp_path: Path) -> None:
    dutch, english = tmp_path / "nl.html", tmp_path / "en.html"
    assert main(["report", "--config", str(config_file), "--since", SINCE.isoformat(),
                 "--out", str(dutch)]) == 0  # the example config says default_language: nl
    report(config_file, english, "--lang", "en")
    nl, en = dutch.read_text(encoding="utf-8"), english.read_text(encoding="utf-8")
    assert '<html lang="nl">' in nl and '<html lang="en">' in en
    nl_rows, en_rows = table_rows(nl), table_rows(en)
    assert nl_rows["beantwoord"] == en_rows["answered"] == ["11", "57.9%"]
    assert "Gesprekken en vragen per dag" in nl and "mythbot-rapport: alle praktijken" in nl
    assert "Conversations and questions" not in nl and "not understood" not in nl
    assert "Lost een spuitje mijn artrose op?" in nl  # the entries' Dutch titles
    assert "Will an injection fix" in en and "Will an injection fix" not in nl
    assert "nieuw onderwerp" in nl and "new entry" not in nl  # the advice, in Dutch


def test_a_since_in_the_future_is_refused(config_file: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.html"
    future = (TODAY + dt.timedelta(days=30)).date().isoformat()
    assert main(["report", "--config", str(config_file), "--since", future,
                 "--out", str(out)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert "is in the future" in line and future in line
    assert not out.exists()
