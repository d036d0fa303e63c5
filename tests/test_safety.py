"""Red flags come first, tolerate word order, inflection and typos, and don't cry wolf."""

from __future__ import annotations

import pytest

from bot.matching import Matcher
from bot.matching.safety import word_matches

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
# Everyday phrasings an audit found missed, and variants of them, with the rule that must catch
# them: the rule decides the reply ("crisis" for suicidal thoughts, "urgent" for the others).
AUDITED = {
    "suicidal-thoughts": [
        "ik heb geen zin meer om te leven",
        "ik wil er niet meer zijn",
        "het leven heeft geen zin meer",
        "het leven heeft voor mij geen zin meer",
        "ik wil me van kant maken",
        "ik wil mij van kant maken",
        "mezelf van het leven beroven",
        "ik wil dood",
        "ik wil doodgaan",
        "ik wou dat ik dood was",
        "ik wil sterven",
        "ik zie geen uitweg meer",
        "ik zie er geen uitweg meer in",
        "ik wil niet meer verder leven",
        "ik heb geen goesting meer om te leven",
        "ik zie het echt ni meer zitten",
        "ik ben het leven beu",
        "ik ben levensmoe",
        "mijn leven is zinloos geworden",
        "ik wil er een eind aan maken",
        "ik wil gaan slapen en nooit meer wakker worden",
        "ik wil mijn leven beëindigen",
        "waarom zou ik nog leven met deze pijn",
        "i want to end it",
        "I just want to end it",
        "i feel like ending it",
        "I'm thinking about ending it all",
        "i don't want to live anymore",
        "i don't wanna live like this anymore",
        "i want to kill myself",
        "i'm going to kill myself",
        "no reason to live",
        "i have nothing to live for",
        "there's no point in living anymore",
        "what's the point of living",
        "life is not worth living with this pain",
        "i wish i was dead",
        "i see no way out",
        "everyone would be better off without me",
        "i'm tired of life",
        "i want to hurt myself",
        "i've been having thoughts of harming myself",
    ],
    "weight-loss-and-night-pain": [
        "ik val veel af zonder te willen en heb nachtpijn",
        "ik ben 10 kg kwijt zonder dat ik het wou en word 's nachts wakker van de pijn",
        "ik ben 6 kilo kwijt zonder te willen",
        "ik viel af zonder dat ik wou en mijn rug doet 's nachts pijn",
        "ik ben de laatste maanden veel vermagerd zonder reden en heb 's nachts pijn",
        "ik ben onverklaarbaar afgevallen",
        "ik ben aan het vermageren zonder reden",
        "ik word steeds magerder zonder reden",
        "ik ben zomaar 5 kilo lichter",
        "ik ben al 6 kilo kwijt zonder dieet en heb 's nachts pijn",
        "ik ben veel gewicht kwijt en lig 's nachts wakker van de pijn in mijn heup",
        "losing weight without trying and pain at night",
        "I've lost 8 kg without trying and my back hurts at night",
        "I'm losing weight for no reason and the pain wakes me up at night",
        "I'm losing weight without dieting and my hip hurts at night",
        "I've lost a lot of weight and my hip aches at night",
        "unexplained weight loss and night pain",
        "my weight dropped for no reason",
    ],
    "injury-after-fall": [
        "na mijn val is mijn pols blauw en dik en ik kan hem niet bewegen",
        "ik viel van de trap en mijn enkel staat raar",
        "na een val staat mijn pols raar",
        "ik ben gevallen en kan mijn arm niet bewegen",
        "na mijn valpartij kan ik mijn pols niet meer plooien",
        "ik ben uitgeschoven en mijn enkel is dik en blauw",
        "ik ben gevallen en mijn knie is bont en blauw en gezwollen",
        "ik ben van de trap gevallen en mijn arm staat in een rare hoek",
        "I fell and my wrist is at a weird angle",
        "I fell and can't move my arm",
        "I tripped and my ankle is bruised and swollen",
        "I slipped on the ice and my wrist looks wrong",
        "I fell down the stairs and my shoulder popped out",
    ],
    "calf-or-breathing-after-surgery": [
        "ik krijg moeilijk adem na mijn operatie",
        "ik krijg amper adem sinds de operatie",
        "ik kan moeilijk ademhalen na de operatie",
        "na mijn knieprothese heb ik pijn bij het ademen",
        # Breathless after surgery may be a clot in the lungs, even if it's "only" on the stairs.
        "is het normaal dat ik na de operatie wat kortademig ben bij trappen",
        "ik hoest bloed op",
        "I can't catch my breath after my knee replacement",
        "it hurts to breathe since my surgery",
        "I'm coughing up blood",
    ],
    "sudden-weakness-or-numbness": [
        "ik kan mijn arm ineens niet meer optillen",
        "ik kan mijn arm plots niet meer heffen",
        "mijn hand is ineens gevoelloos",
        "ik kan van het ene moment op het andere mijn been niet meer optillen",
        "I suddenly can't lift my arm",
        "all of a sudden my leg is weak",
        "my hand suddenly went numb",
    ],
    "hot-red-swollen-joint": [
        "mijn knie is rood, warm en dik",
        "mijn knie is plots heet en gezwollen",
        "mijn duim is vuurrood en opgezet",
        "my knee is hot and swollen",
        "my knee is red, warm and swollen",
    ],
    "hot-swollen-joint-with-fever": [
        "ik heb koorst en mijn knie is heet",  # letters swapped: one typo
        "mijn knie is gezwolen en ik heb koortz",
        "i have a fevre and my knee is swollen",
    ],
}
NOT_EMERGENCIES = [
    "mijn knie is dik en warm na het wandelen",
    "helpt een warm bad als mijn knie dik is",
    "is a hot pack good for a swollen knee",
    "does a hot shower help when my knee is swollen",
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
    # Near misses of the audited phrasings: ordinary questions that must still get an answer.
    "mag ik sporten na een val vorig jaar",
    "ik ben vorig jaar gevallen, kan artrose daardoor komen",
    "ik ben bang om te vallen, mag ik nog wandelen",
    "ik ben bang dat ik val als ik trappen doe, ik kan niet goed steunen op mijn knie",
    "ik ben bang dat ik iets breek als ik val",
    "I'm afraid I'll fall, I can't walk far anymore",
    "het is me opgevallen dat ik niet meer lang kan stappen",
    "ik ben afgevallen maar kan nog niet lang staan",
    "ik ben afgevallen en kan nu weer beter bewegen",
    "ik kan niet in slaap vallen door de pijn",
    "I can't fall asleep and can't stand the pain",
    "helpt afvallen bij knieartrose",
    "helpt afvallen tegen artrose?",
    "ik wil afvallen",
    "hoeveel kilo moet ik afvallen voor mijn knie",
    "kan ik afvallen zonder dieet",
    "kan ik vermageren zonder dieet",
    "hoe raak ik mijn kilo's kwijt zonder te lijnen",
    "ik wil 5 kilo kwijt zonder dieet",
    "gaan de kilo's vanzelf kwijt als ik wandel?",
    "word ik vanzelf magerder als ik meer wandel?",
    "als ik een paar kilo kwijt ben, heb ik dan 's nachts minder pijn",
    "als ik afgevallen ben, heb ik dan 's nachts minder pijn?",
    "ik ben 5 kilo afgevallen met een dieet en heb nu minder pijn 's nachts",
    "ik ben 3 kilo kwijt sinds ik elke dag wandel, merkt mijn knie dat",
    "I lost 5 kilos on a diet and my knee hurts less at night",
    "will losing weight help my knee pain at night",
    "does weight loss reduce night pain",
    "how do I lose weight without dieting",
    "is losing weight without dieting possible",
    "if I lost weight would my pain at night get better",
    "ik slaap slecht door de pijn",
    "ik word 's nachts wakker van de pijn in mijn knie",
    "I wake up at night with knee pain",
    "mag ik na mijn operatie weer fietsen",
    "hoe lang na de operatie mag ik weer lopen",
    "ik ben wat buiten adem na het fietsen",
    "I get a bit out of breath when I exercise",
    "my knee suddenly gave way on the stairs",
    "mijn knie blokkeert soms plots",
    "ik kan mijn arm niet goed optillen door mijn schouderartrose",
    "hoe kan ik leren leven met artrose",
    "heeft het zin om te sporten met artrose",
    "ik ben het beu dat mijn knie altijd pijn doet",
    "this pain is killing me",
    "is there no way to avoid surgery",
    "can i hurt myself by exercising too much",
    "will I harm myself if I keep running",
    "I'm scared of bending it too far",
]


@pytest.mark.parametrize("question", EMERGENCIES_NL + EMERGENCIES_EN)
def test_emergencies_are_red_flags(matcher: Matcher, question: str) -> None:
    decision = matcher.match(question)
    assert decision.kind == "red_flag", question
    assert decision.entry_id is None and decision.candidates == ()


@pytest.mark.parametrize(("rule", "question"),
                         [(rule, q) for rule, questions in AUDITED.items() for q in questions])
def test_everyday_phrasings_get_their_rule(matcher: Matcher, rule: str, question: str) -> None:
    decision = matcher.match(question)
    assert (decision.kind, decision.rule) == ("red_flag", rule), question


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


@pytest.mark.parametrize(("pattern", "token", "matches"), [
    ("koorts", "koorst", True),  # two letters swapped: one typo
    ("koorts", "kootrs", True),
    ("koorts", "koors", True),  # a letter missing
    ("koorts", "koortsen", True),
    ("koorts", "kroost", False),  # two typos
    ("val", "lav", False),  # short words: exact only
    ("gevallen", "omgevallen", True),
])
def test_word_matches_tolerates_one_typo(pattern: str, token: str, matches: bool) -> None:
    assert word_matches(pattern, token) is matches
