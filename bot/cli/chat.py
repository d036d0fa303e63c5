"""`chat`: talk to the bot in the terminal, as a patient talks to it on Telegram.

The terminal is one more front end of the same `Conversation` the Telegram handlers drive:
commands, deep links (`--clinic`), buttons (typed by number), the 👎 follow-up and the
language all behave as on the phone. Nothing is stored: there is no database here.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any, TextIO

from bot.cli.context import CliError, add_common, load_all
from bot.rendering import Button, Reply, plain_text
from bot.runtime import Loaded

PROMPT = "> "
TERMINAL_USER = 1  # the one person at this terminal
NOT_ON_SCREEN = {"nl": "Knop {n} staat niet op het scherm; typ een van de nummers tussen [ ].",
                 "en": "Button {n} is not on screen; type one of the numbers in [ ]."}


def register(commands: Any) -> None:
    parser = commands.add_parser("chat", help="an offline conversation in the terminal")
    parser.add_argument("--lang", choices=["nl", "en"],
                        help="read every question as this language and reply in it "
                        "(default: detected per question)")
    parser.add_argument("--clinic", metavar="SLUG",
                        help="start as a patient who scanned this clinic's QR code would")
    add_common(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    loaded = load_all(args)
    if args.clinic is not None and loaded.config.clinic(args.clinic) is None:
        known = ", ".join(sorted(c.slug for c in loaded.config.clinics)) or "none"
        raise CliError(f"unknown clinic {args.clinic!r}; known clinics: {known}")
    converse(loaded, args.lang, sys.stdin, sys.stdout, clinic=args.clinic)
    return 0


def converse(loaded: Loaded, lang: str | None, inp: TextIO, out: TextIO, *,
             clinic: str | None = None) -> None:
    """Read messages (or a button's number) line by line until end of input or "/quit"."""
    asyncio.run(_converse(loaded, lang, inp, out, clinic))


async def _converse(loaded: Loaded, lang: str | None, inp: TextIO, out: TextIO,
                    clinic: str | None) -> None:
    # Imported here: `ask` and the other commands need none of this.
    from bot.conversation.conversation import Conversation, Library, Person
    from bot.conversation.recorder import Recorder
    from bot.conversation.state import MemoryStates, UserState

    async def unchanged() -> Loaded:  # the terminal chat has no /reload
        return loaded

    chat = Conversation(loaded.config, Library(loaded, unchanged), MemoryStates(),
                        Recorder())
    person = Person(TERMINAL_USER)
    if lang is not None:
        await chat.states.put(person.id, UserState(loaded=True, chosen_lang=lang,
                                                   reply_lang=lang))
    greeting = loaded.kb.message("disclaimer", lang or loaded.config.default_language)
    out.write(f"mythbot — {greeting}\n(type a question, a command such as /topics, a button "
              "number, or /quit)\n\n")
    buttons: list[Button] = []
    if clinic is not None:
        buttons = _show(out, await chat.start(person, clinic), None, buttons)
    commands = {"help": chat.help, "topics": chat.topics, "quiz": chat.quiz,
                "language": chat.language_menu,
                "sources": chat.sources, "privacy": chat.privacy, "forget": chat.forget_menu,
                "about": chat.about}  # not /whoami: there is no Telegram id here
    while True:
        out.write(PROMPT)
        out.flush()
        line = inp.readline()
        text = line.strip()
        if not line or text in ("/quit", "/exit"):
            out.write("\n")
            return
        if text.isdigit():
            number = int(text)
            if not 1 <= number <= len(buttons):
                shown = NOT_ON_SCREEN[await chat.language(person)].format(n=number)
                out.write(shown + "\n\n")
                continue
            outcome = await chat.press(person, buttons[number - 1].action)
            buttons = _show(out, outcome.reply, outcome.note, buttons)
        elif text.startswith("/"):
            name, _, payload = text[1:].partition(" ")
            if name == "start":
                reply = await chat.start(person, payload.strip() or None)
            elif name in commands:
                reply = await commands[name](person)
            else:
                reply = await chat.unknown_command(person)
            buttons = _show(out, reply, None, buttons)
        else:
            buttons = _show(out, await chat.text(person, text), None, buttons)


def _show(out: TextIO, reply: Reply | None, note: str | None,
          buttons: list[Button]) -> list[Button]:
    """Write a note (Telegram shows it on the button) and a reply; the buttons now on screen."""
    if note:
        out.write(f"({note})\n\n")
    if reply is None:
        return buttons
    shown, new = plain_text(reply)
    out.write(shown + "\n\n")
    return new
