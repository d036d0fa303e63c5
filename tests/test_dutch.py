"""Belgian or Netherlands Dutch: one table in knowledge/dutch.yaml, swapped where people read."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.clinics import layout
from bot.clinics.fonts import FontSet
from bot.clinics.poster import Text
from bot.config import Clinic, Config
from bot.knowledge import KnowledgeBase, KnowledgeError, load_knowledge
from bot.knowledge.dutch import regional, swapper
from bot.runtime import Loaded
from tests.conftest import EXAMPLE_CONFIG, KNOWLEDGE
from tests.helpers import updates
from tests.helpers.fake_bot_api import FakeBotApi
from tests.helpers.telegram_bot import Harness, bot_config, running_bot

pytestmark = pytest.mark.timeout(20)

NL_CLINIC = Clinic(slug="fysio-utrecht", name="Fysiopraktijk Utrecht",
                   welcome={"nl": "Welkom!", "en": "Welcome!"}, dutch="nl")


def test_the_swap_keeps_whole_words_and_a_capital(kb: KnowledgeBase) -> None:
    to_nl = swapper(kb.dutch, "nl")
    assert to_nl("Kinesitherapie helpt; vraag je kinesitherapeut of de huisarts van wacht.") == (
        "Fysiotherapie helpt; vraag je fysiotherapeut of de huisartsenpost.")
    assert to_nl("Scan de code met je gsm-camera, of bel met je gsm.") == (
        "Scan de code met je telefooncamera, of bel met je mobiel.")
    # Not inside other words, names or links.
    assert to_nl("Kinepraktijk Demo, example.org/kinepraktijk") == (
        "Kinepraktijk Demo, example.org/kinepraktijk")
    assert swapper(kb.dutch, "be")("kinesitherapeut") == "kinesitherapeut"


def test_a_netherlands_knowledge_base_says_fysiotherapeut_everywhere_it_is_read(
        kb: KnowledgeBase) -> None:
    nl = regional(kb, "nl")
    entry = nl.entries["physiotherapy"]
    shown = " ".join([entry.nl.title, entry.nl.claim, entry.nl.short, entry.nl.explanation,
                      *entry.nl.tips, *(m.nl for m in nl.messages.values())])
    assert "kinesitherapeut" not in shown.lower() and "fysiotherapeut" in shown
    assert "(in Nederland: fysiotherapeut)" not in entry.nl.explanation
    # What people type is matched as before, and English is untouched.
    assert entry.nl.questions == kb.entries["physiotherapy"].nl.questions
    assert entry.en == kb.entries["physiotherapy"].en
    assert regional(kb, "be") is kb


def test_check_wants_both_forms_of_every_word(knowledge_copy: Path) -> None:
    table = knowledge_copy / "dutch.yaml"
    table.write_text("words:\n  - {be: gsm, nl: mobiel}\n  - {be: ziekenfonds}\n"
                     "  - {be: gsm, nl: telefoon}\n  - {be: kine, nl: ''}\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(knowledge_copy)
    problems = [str(p) for p in info.value.problems]
    assert any(p.startswith("knowledge/dutch.yaml:3: ") and "needs both forms" in p
               for p in problems), problems
    assert any(p.startswith("knowledge/dutch.yaml:5: ") and "needs both forms" in p
               for p in problems), problems
    assert any(p.startswith("knowledge/dutch.yaml:4: ") and "already in the table" in p
               for p in problems), problems


def test_the_poster_says_telefooncamera_for_the_netherlands(kb: KnowledgeBase) -> None:
    fonts = FontSet(None, None)

    def measure(text: str, size: float, bold: bool) -> float:
        return fonts.measure(bold)(fonts.displayable(text, bold), size)

    def texts(dutch: str) -> str:
        poster = layout(NL_CLINIC, "a_bot", "a4", measure,
                        swapper(kb.dutch, "nl" if dutch == "nl" else "be"))
        return " ".join(s.text for s in poster.shapes if isinstance(s, Text))

    assert "gsm-camera" in texts("be") and "kinesitherapeut" in texts("be")
    netherlands = texts("nl")
    assert "telefooncamera" in netherlands and "gsm" not in netherlands
    assert "fysiotherapeut" in netherlands and "kinesitherapeut" not in netherlands
    assert "phone camera" in netherlands  # the English line stays


@pytest.fixture
async def bot(api: FakeBotApi, config: Config, tmp_path: Path,
              loaded: Loaded) -> AsyncIterator[Harness]:
    settings = bot_config(config, api, tmp_path)
    settings = settings.model_copy(update={"clinics": [*settings.clinics, NL_CLINIC]})
    async with running_bot(api, settings, loaded=loaded) as harness:
        yield harness


async def test_a_patient_of_a_netherlands_clinic_reads_netherlands_dutch(bot: Harness) -> None:
    belgian = updates.user(501, "Jan", language_code="nl")
    dutch = updates.user(502, "Joop", language_code="nl")
    question = "Moet ik naar de kine voor mijn artrose?"

    welcome, _offer = await bot.say("/start fysio-utrecht", user=dutch, replies=2)
    (answer,) = await bot.say(question, user=dutch)
    (answer_be,) = await bot.say(question, user=belgian)
    assert "<b>Welkom!</b>" in welcome.text
    assert "fysiotherapeut" in welcome.text and "kinesitherapeut" not in welcome.text
    assert "fysiotherapeut" in answer.text.lower(), answer.text
    assert "kinesitherapeut" not in answer.text.lower()
    assert "kinesitherapeut" in answer_be.text.lower(), answer_be.text
    # Messages too: the fallback names the right profession.
    (fallback,) = await bot.say("Hoeveel kost een parkeerkaart in Utrecht?", user=dutch)
    assert "fysiotherapeut" in fallback.text and "kinesitherapeut" not in fallback.text


def test_qr_follows_the_clinics_dutch(tmp_path: Path) -> None:
    data = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    data["knowledge_dir"] = str(KNOWLEDGE)
    data["clinics"].append(NL_CLINIC.model_dump(exclude_none=True))
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    for slug, says, not_says in (("fysio-utrecht", "telefooncamera", "gsm-camera"),
                                 ("demo-kine", "gsm-camera", "telefooncamera")):
        out = tmp_path / f"{slug}.svg"
        assert main(["qr", "--clinic", slug, "--out", str(out), "--config", str(config)]) == 0
        svg = out.read_text(encoding="utf-8")
        assert says in svg and not_says not in svg
