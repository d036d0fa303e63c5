"""`chat`: talk to the bot in the terminal, with the same replies Telegram would show."""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from bot.cli.context import add_common, load_all
from bot.cli.quiz_session import ACTIONS as QUIZ_ACTIONS
from bot.cli.quiz_session import QuizSession
from bot.rendering import Action, Button, Reply, parse, plain_text
from bot.runtime import Loaded

PROMPT = "> "


def register(commands: Any) -> None:
    parser = commands.add_parser("chat", help="an offline conversation in the terminal")
    parser.add_argument("--lang", choices=["nl", "en"],
                        help="read every question as this language and reply in it "
                        "(default: detected per question)")
    add_common(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    converse(load_all(args), args.lang, sys.stdin, sys.stdout)
    return 0


def converse(loaded: Loaded, lang: str | None, inp: TextIO, out: TextIO) -> None:
    """Read questions (or a button's number) line by line until end of input or "/quit"."""
    shown_lang = lang or loaded.config.default_language
    greeting = loaded.kb.message("disclaimer", shown_lang)
    out.write(f"mythbot — {greeting}\n(type a question, a button number, /quiz, or /quit)\n\n")
    quiz = QuizSession(loaded.kb)
    buttons: list[Button] = []
    previous: str | None = None
    while True:
        out.write(PROMPT)
        out.flush()
        line = inp.readline()
        if not line or line.strip() in ("/quit", "/exit"):
            out.write("\n")
            return
        text = line.strip()
        if text.isdigit() and 1 <= int(text) <= len(buttons):
            reply = _press(loaded, buttons[int(text) - 1], shown_lang, quiz)
        elif text == "/quiz":
            reply = quiz.start(shown_lang)
        else:
            # Words that don't tell a language ("ok", "🙂") keep the conversation's.
            decision = loaded.matcher.match(text, lang, fallback_lang=shown_lang)
            shown_lang = decision.lang
            reply = loaded.renderer.decision(decision, previous)
            previous = decision.kind
        shown, buttons = plain_text(reply)
        out.write(shown + "\n\n")


def _press(loaded: Loaded, button: Button, lang: str, quiz: QuizSession) -> Reply:
    action = parse(button.action) or Action("topics")
    if action.kind in QUIZ_ACTIONS:
        return quiz.press(action, lang) or Reply(loaded.kb.message("button-stale", lang))
    if action.kind in ("up", "down"):
        return Reply(loaded.kb.message("feedback-thanks", lang))
    if action.kind == "none":
        return loaded.renderer.fallback(lang)
    return loaded.renderer.navigate(action, lang) or loaded.renderer.topics(lang)
