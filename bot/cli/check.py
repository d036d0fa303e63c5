"""`check`: validate the knowledge base and list every problem as file:line: message."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.cli.context import EXIT_CONTENT, add_common, checked_knowledge, config_from
from bot.knowledge import LANGS, KnowledgeBase, Problem
from bot.knowledge.located_yaml import load_located
from bot.knowledge.problems import display_path
from bot.matching.safety import SafetyCheck


def register(commands: Any) -> None:
    parser = commands.add_parser("check", help="validate the knowledge base")
    add_common(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = config_from(args)
    kb = checked_knowledge(args, config)
    if kb is None:
        return EXIT_CONTENT
    root = Path(args.knowledge) if args.knowledge else config.knowledge_dir
    problems = example_problems(kb, root)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found",
              file=sys.stderr)
        return EXIT_CONTENT
    print(f"knowledge base OK: {len(kb.entries)} entries, {len(kb.sources)} sources, "
          f"{len(kb.safety.rules)} red-flag rules")
    return 0


def example_problems(kb: KnowledgeBase, root: Path) -> list[Problem]:
    """Every red-flag example that does not fire its rule's level, in both languages: an
    editor who changes a word sees at once which rule it broke."""
    check = SafetyCheck(kb.safety)
    path = root / "safety.yaml"
    located = load_located(path.read_text(encoding="utf-8"))
    problems = []
    for i, rule in enumerate(kb.safety.rules):
        for lang in LANGS:
            for j, example in enumerate(rule.examples.get(lang)):
                fired = check.check(example)
                if fired is not None and fired.level == rule.level:
                    continue
                got = f"'{fired.id}' ({fired.level})" if fired else "no rule"
                problems.append(Problem(
                    display_path(path, root), located.line(("rules", i, "examples", lang, j)),
                    f"the example {example!r} of '{rule.id}' ({rule.level}) gets {got}; "
                    "add the words it uses to the concepts, or fix the example"))
    return problems
