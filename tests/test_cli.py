"""The command-line contracts that outside tools depend on, run as a user would run them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

CONTRACT_KEYS = {"question", "lang", "kind", "id", "score", "candidates"}


def mythbot(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)


def test_ask_json_from_stdin() -> None:
    result = mythbot("ask", "--json", stdin="is mijn knie versleten\nhoe bak ik pannenkoeken\n\n")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 3
    assert all(set(line) == CONTRACT_KEYS for line in lines)
    assert lines[0]["question"] == "is mijn knie versleten"
    assert lines[0]["kind"] == "answer" and lines[0]["id"] == "worn-out-joint"
    assert lines[0]["lang"] == "nl"
    assert lines[1]["kind"] == "fallback" and lines[1]["id"] is None
    assert lines[2]["kind"] == "fallback"
    for line in lines:
        assert 0 <= line["score"] <= 1
        assert len(line["candidates"]) <= 3


def test_ask_json_red_flag_argument() -> None:
    result = mythbot("ask", "--json", "ik heb koorts en mijn knie is heet en gezwollen")
    line = json.loads(result.stdout)
    assert line["kind"] == "red_flag"
    assert line["id"] is None and line["candidates"] == []


def test_ask_json_lang_option() -> None:
    line = json.loads(mythbot("ask", "--json", "--lang", "en", "should I get surgery?").stdout)
    assert line["lang"] == "en"
    assert line["id"] == "surgery-inevitable"
    assert line["candidates"][0] == "surgery-inevitable"


def test_ask_without_json_prints_the_reply() -> None:
    result = mythbot("ask", "is mijn knie versleten")
    assert result.returncode == 0
    assert "Fabel" in result.stdout
    assert "<b>" not in result.stdout
    assert "[1]" in result.stdout  # buttons are listed


def test_red_flag_reply_names_the_configured_numbers() -> None:
    result = mythbot("ask", "pijn op de borst")
    assert "112" in result.stdout and "1733" in result.stdout


def test_check_is_clean() -> None:
    result = mythbot("check")
    assert result.returncode == 0, result.stderr
    entries = len(list((ROOT / "knowledge" / "entries").glob("*.yaml")))
    assert f"{entries} entries" in result.stdout


def test_check_lists_every_problem_and_exits_1(knowledge_copy: Path) -> None:
    entry = knowledge_copy / "entries" / "worn-out-joint.yaml"
    entry.write_text(entry.read_text(encoding="utf-8").replace("verdict: myth", "verdikt: myth"),
                     encoding="utf-8")
    (knowledge_copy / "smalltalk.yaml").write_text("intents: [oops\n", encoding="utf-8")
    result = mythbot("check", "--knowledge", str(knowledge_copy))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert any(line.startswith("knowledge/entries/worn-out-joint.yaml:") and "verdikt" in line
               for line in lines)
    assert any(line.startswith("knowledge/smalltalk.yaml:") for line in lines)
    assert "Traceback" not in result.stderr


def test_check_refuses_a_review_nobody_did(knowledge_copy: Path) -> None:
    entry = knowledge_copy / "entries" / "weight-loss.yaml"
    text = entry.read_text(encoding="utf-8")
    line = text[:text.index("\nupdated:")].count("\n") + 2  # the line inserted before it
    entry.write_text(text.replace("\nupdated:", "\nreviewed_by: dr-peeters\nupdated:", 1),
                     encoding="utf-8")
    result = mythbot("check", "--knowledge", str(knowledge_copy))
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"knowledge/entries/weight-loss.yaml:{line}: 'reviewed_by' names 'dr-peeters', who is "
        "not in reviewers.yaml (listed: none yet)")


def test_export_json_has_every_entry_and_source() -> None:
    result = mythbot("export", "--json")
    document = json.loads(result.stdout)
    ids = {entry["id"] for entry in document["entries"]}
    assert "worn-out-joint" in ids and len(ids) >= 21
    entry = next(e for e in document["entries"] if e["id"] == "worn-out-joint")
    assert set(entry) >= {"topic", "verdict", "nl", "en", "sources", "related", "updated",
                          "reviewed_by"}
    assert "reviewed" not in entry
    # No clinician has reviewed anything yet: no entry may name a reviewer.
    assert document["reviewers"] == []
    assert all(e["reviewed_by"] is None for e in document["entries"])
    assert set(entry["nl"]) == {"title", "claim", "questions", "keywords", "short",
                                "explanation", "tips"}
    sources = {source["id"] for source in document["sources"]}
    assert all(set(e["sources"]) <= sources for e in document["entries"])


def test_eval_prints_the_table_and_json(tmp_path: Path) -> None:
    tsv = tmp_path / "mini.tsv"
    tsv.write_text("expected\tlang\tquestion\nworn-out-joint\tnl\tis mijn knie versleten\n"
                   "none\tnl\thoe bak ik pannenkoeken\nred-flag\tnl\tpijn op de borst\n",
                   encoding="utf-8")
    text = mythbot("eval", str(tsv)).stdout
    assert "top-1" in text and "red-flag recall" in text
    report = json.loads(mythbot("eval", str(tsv), "--json").stdout)
    assert report["languages"]["nl"]["top1"] == 1.0
    assert report["off_topic"]["abstention"] == 1.0
    assert report["red_flag"]["recall"] == 1.0


def test_chat_keeps_the_conversations_language_for_words_that_do_not_tell() -> None:
    result = mythbot("chat", stdin="should I get surgery?\n🙂\nok\n/quit\n")
    replies = result.stdout.split("> ")[1:]
    assert replies[1].startswith("I didn't see a question.")
    assert replies[2].startswith("OK! If you have another question")


def test_chat_replies_and_presses_buttons() -> None:
    result = mythbot("chat", stdin="is mijn knie versleten\n1\n/quit\n")
    assert result.returncode == 0
    assert "Fabel" in result.stdout
    # Button 1 is "Lees meer": the explanation and the tips follow.
    assert "Wat kan je zelf doen?" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("eval", "does-not-exist.tsv"), "cannot be read"),
        (("check", "--config", "missing.yaml"), "does not exist"),
        (("ask", "--knowledge", "/nonexistent", "hallo"), "knowledge folder does not exist"),
    ],
)
def test_errors_are_one_clear_line(args: tuple[str, ...], message: str) -> None:
    result = mythbot(*args)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args", [("ask", "--lang", "fr", "bonjour"), ("ask", "--frobnicate"),
                                  ("frobnicate",), ()])
def test_usage_errors_are_one_line_that_points_to_help(args: tuple[str, ...]) -> None:
    result = mythbot(*args)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("mythbot") and "--help" in line


def example_config_with(tmp_path: Path, old: str, new: str) -> Path:
    """The example configuration with `old` (which it must contain) replaced by `new`."""
    config = (ROOT / "config.example.yaml").read_text(encoding="utf-8")
    assert old in config
    path = tmp_path / "config.yaml"
    path.write_text(config.replace(old, new), encoding="utf-8")
    return path


@pytest.mark.parametrize(("wrong", "right", "key"), [
    ("default_language: fr\n", "default_language: nl\n", "default_language"),
    ("  messages: lots\n", "  messages: 20\n", "rate_limit.messages"),
    ("  per_seconds: -1\n", "  per_seconds: 60\n", "rate_limit.per_seconds"),
])
def test_a_wrong_config_value_names_its_key_in_one_line(tmp_path: Path, wrong: str, right: str,
                                                        key: str) -> None:
    broken = example_config_with(tmp_path, right, wrong)
    result = mythbot("ask", "--config", str(broken), "hallo")
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert key in line and str(broken) in line


def test_a_misspelt_config_key_is_named_with_the_key_it_meant(tmp_path: Path) -> None:
    broken = example_config_with(tmp_path, "default_language:", "default_langauge:")
    result = mythbot("check", "--config", str(broken))
    assert result.returncode == 2
    assert ("the key 'default_langauge' is not a known key (did you mean 'default_language'?)"
            in result.stderr)


def test_a_yaml_error_in_the_config_says_what_is_wrong(tmp_path: Path) -> None:
    broken = tmp_path / "config.yaml"
    broken.write_text("default_language: nl\nmatching: [unclosed\n", encoding="utf-8")
    result = mythbot("check", "--config", str(broken))
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"mythbot: {broken}:") and "YAML syntax error (" in line


def test_missing_config_key_names_the_key(tmp_path: Path) -> None:
    broken = example_config_with(tmp_path, "default_language: nl\n", "")
    result = mythbot("check", "--config", str(broken))
    assert result.returncode == 2
    assert "default_language" in result.stderr and "missing" in result.stderr


def chat_replies(*lines: str, args: tuple[str, ...] = ()) -> list[str]:
    """What the terminal chat printed after each line typed (the greeting first)."""
    result = mythbot("chat", *args, stdin="".join(f"{line}\n" for line in lines) + "/quit\n")
    assert result.returncode == 0, result.stderr
    return result.stdout.split("> ")[:-1]  # the last prompt is where /quit was typed


def test_chat_commands_behave_as_on_telegram() -> None:
    _, topics, start, language, english = chat_replies(
        "/topics", "/start demo-kine", "/language", "2")
    assert topics.startswith("Over deze onderwerpen kan ik je iets vertellen:")
    assert "[1] Wat is artrose?" in topics and "Fabel" not in topics
    assert start.startswith("👋") and "Welkom via Kinepraktijk Demo!" in start
    assert "+32 9 000 00 00" in start
    assert language.startswith("In welke taal wil je verder?")
    assert "[1] Nederlands" in language and "[2] English" in language
    assert english.startswith("OK, from now on I'll speak English with you.")


def test_chat_says_which_buttons_are_on_screen() -> None:
    _, first, topics, missing = chat_replies("9", "/topics", "9")
    assert first.startswith("Knop 9 staat niet op het scherm")
    assert "[8] " in topics and "[9] " not in topics
    assert missing.startswith("Knop 9 staat niet op het scherm")
    _, english = chat_replies("7", args=("--lang", "en"))
    assert english.startswith("Button 7 is not on screen")


def test_chat_asks_what_was_missing_after_thumbs_down() -> None:
    _, answer, ask, noted = chat_replies("is mijn knie versleten", "7",
                                         "De uitleg was te moeilijk")
    assert "[7] 👎" in answer
    assert "Wat ontbrak er in dit antwoord?" in ask and "[1] Sla over" in ask
    assert noted.startswith("Dank je, we nemen het mee")


def test_chat_clinic_starts_as_the_deep_link_would() -> None:
    _, first = chat_replies("Is artrose slijtage?", args=("--clinic", "demo-kine"))[:2]
    greeting = chat_replies(args=("--clinic", "demo-kine"))[0]
    assert "Welkom via Kinepraktijk Demo!" in greeting and "[1] Wat is artrose?" in greeting
    assert first.startswith("Is mijn gewricht versleten?\n❌ Fabel")
    result = mythbot("chat", "--clinic", "nope", stdin="")
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert "unknown clinic 'nope'; known clinics: demo-kine" in line


def test_ask_json_adds_urgency_on_red_flags_only() -> None:
    result = mythbot("ask", "--json", stdin="ik heb pijn op de borst\nmijn knie is warm en "
                     "gezwollen\nis mijn knie versleten\nik wil er een einde aan maken\n")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line.get("urgency") for line in lines] == ["emergency", "today", None, "emergency"]
    assert set(lines[0]) == CONTRACT_KEYS | {"urgency"}
    assert set(lines[2]) == CONTRACT_KEYS


def test_check_reports_an_example_that_does_not_fire(knowledge_copy: Path) -> None:
    path = knowledge_copy / "safety.yaml"
    text = path.read_text(encoding="utf-8")
    old = "nl: [ik heb pijn op de borst,"
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, "nl: [ik heb een vraag over mijn knie,"), encoding="utf-8")
    result = mythbot("check", "--knowledge", str(knowledge_copy))
    assert result.returncode == 1
    assert (f"knowledge/safety.yaml:{line}: the example 'ik heb een vraag over mijn knie' of "
            "'chest-pain' (emergency) gets no rule") in result.stderr


def test_eval_reads_a_red_flag_set(tmp_path: Path) -> None:
    tsv = tmp_path / "flags.tsv"
    tsv.write_text("level\tkind\tlang\tquestion\n"
                   "emergency\tchest\tnl\tpijn op de borst\n"
                   "emergency\tchest\ten\tmy knee is warm and swollen\n"
                   "today\thot-joint\ten\tmy knee is hot and swollen\n"
                   "none\tlookalike\tnl\tik slaap slecht door de pijn\n"
                   "none\tlookalike\ten\tI have chest pain\n", encoding="utf-8")
    text = mythbot("eval", str(tsv)).stdout
    assert "emergency" in text and "false alarms" in text
    assert "line 3: emergency chest en -> today: my knee is warm and swollen" in text
    report = json.loads(mythbot("eval", str(tsv), "--json").stdout)
    assert report["recall"]["emergency"]["nl"] == {"questions": 1, "caught": 1, "rate": 1.0}
    assert report["recall"]["emergency"]["en"]["rate"] == 0.0
    assert report["recall"]["today"]["all"]["rate"] == 1.0
    assert report["false_alarms"]["all"] == {"questions": 2, "caught": 1, "rate": 0.5}
    assert [m["line"] for m in report["misses"]] == [3]
    assert [a["line"] for a in report["alarms"]] == [6]


def test_eval_red_flag_set_with_a_bad_row(tmp_path: Path) -> None:
    tsv = tmp_path / "flags.tsv"
    tsv.write_text("level\tkind\tlang\tquestion\nurgent\tchest\tnl\tpijn op de borst\n",
                   encoding="utf-8")
    result = mythbot("eval", str(tsv))
    assert result.returncode == 2
    assert f"{tsv}:2: expected 'emergency|today|none" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_collector_paused_for_start_up_runs_again_once_a_command_is_set_up(
        capsys: pytest.CaptureFixture[str]) -> None:
    import gc

    from bot.cli import main

    gc.disable()  # as `python -m bot` starts (bot/__main__.py)
    try:
        assert main(["ask", "--json", "is mijn knie versleten"]) == 0
        assert gc.isenabled()
    finally:
        gc.enable()
    assert '"worn-out-joint"' in capsys.readouterr().out
