"""Red flags come first, tolerate word order, inflection and typos, and don't cry wolf."""

from __future__ import annotations

import pytest

from bot.matching import Matcher

EMERGENCIES_NL = [
    "ik heb koorts en mijn knie is heet en gezwollen",
    "Mijn knie is rood en dik en ik heb 39 graden koorts",
    "koortsig, en mijn heup is ineens heel warm en opgezet",
    "mn knie is gezwolen en heet en ik heb koude rilingen",
    "ik ben gevallen en kan niet meer op mijn been steunen",
    "na een val kan ik niet meer stappen",
    "Sinds mijn valpartij staat mijn pols helemaal scheef",
    "mijn kuit is dik en pijnlijk sinds mijn knieoperatie",
    "een week na mijn nieuwe heup is mijn kuit gezwollen",
    "ik ben kortademig sinds de operatie",
    "ik heb pijn op de borst",
    "drukkend gevoel op mijn borstkas",
    "plots geen kracht meer in mijn arm",
    "opeens gevoelloos aan één kant van mijn lichaam",
    "ik ben zomaar 8 kilo afgevallen en heb 's nachts veel pijn",
    "ik wil er een einde aan maken",
    "ik denk aan zelfmoord",
    "soms wil ik niet meer leven",
]
EMERGENCIES_EN = [
    "I have a fever and my knee is hot and swollen",
    "swollen red knee and chills",
    "I fell and now I can't put weight on my leg",
    "after my fall my ankle looks deformed",
    "my calf is swollen after my knee replacement",
    "short of breath since my hip operation",
    "I have chest pain",
    "tightness in my chest when I walk",
    "suddenly my arm feels numb and weak",
    "I lost weight without trying and the pain wakes me at night",
    "I want to end my life",
    "sometimes I think about suicide",
]
NOT_EMERGENCIES = [
    "mijn knie is soms wat warm na het fietsen",
    "mijn knie is wat dik na het wandelen",
    "ik heb geen koorts maar mijn knie is warm",
    "hartelijk dank, de pijn is minder",
    "ik ben vroeger gevallen met de fiets, komt mijn artrose daarvan?",
    "helpt afvallen tegen de pijn 's nachts?",
    "mag ik na mijn operatie weer fietsen",
    "is het normaal dat mijn kuiten stijf zijn na het wandelen",
    "I fell off my bike years ago, is that why I have arthritis",
    "my knee feels warm after a long walk",
    "will losing weight help my knee",
    "is it normal to feel a bit breathless when I start exercising",
    "my knee suddenly gave way on the stairs",
    "val ik af als ik meer wandel?",
]


@pytest.mark.parametrize("question", EMERGENCIES_NL + EMERGENCIES_EN)
def test_emergencies_are_red_flags(matcher: Matcher, question: str) -> None:
    decision = matcher.match(question)
    assert decision.kind == "red_flag", question
    assert decision.entry_id is None and decision.candidates == ()


@pytest.mark.parametrize("question", NOT_EMERGENCIES)
def test_ordinary_questions_are_not_red_flags(matcher: Matcher, question: str) -> None:
    assert matcher.match(question).kind != "red_flag"


def test_red_flag_wins_over_a_myth_answer(matcher: Matcher) -> None:
    question = "is mijn knie versleten? ik heb ook koorts en ze is heet en gezwollen"
    assert matcher.match(question).kind == "red_flag"


def test_red_flag_in_the_other_language_than_detected(matcher: Matcher) -> None:
    assert matcher.match("ik heb chest pain", lang="nl").kind == "red_flag"


def test_suicidal_thoughts_get_the_crisis_rule(matcher: Matcher) -> None:
    decision = matcher.match("ik zie het niet meer zitten, ik wil dood")
    assert decision.kind == "red_flag"
    assert decision.rule == "suicidal-thoughts"
