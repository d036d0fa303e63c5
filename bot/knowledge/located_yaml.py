"""YAML loading that remembers on which line every value stands.

Editors fix content by line number, so every later check must be able to say where a value
came from. `load_located` returns plain Python data plus a map from key paths to lines.

YAML aliases (`&name` ... `*name`) are refused: the knowledge base does not need them, and a
few lines of nested aliases (a "billion laughs") expand to gigabytes (4 GB in 40 s, and a
bot deaf to SIGTERM, when it was tried). Texts longer than `MAX_BYTES` are refused too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Loc = tuple[str | int, ...]


@dataclass
class Located:
    """Parsed YAML data and the 1-based line of every key path in it."""

    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def line(self, loc: Loc) -> int:
        """The line of `loc`, or of its nearest parent that has one."""
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), 1)


class YamlSyntaxError(ValueError):
    """Broken YAML, with the line where the parser gave up."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        super().__init__(message)


# libyaml's parser where PyYAML was built with it: the same nodes and line numbers, and the
# knowledge base loads in a third of the time (a part of every start-up and /reload).
_COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


ALIASES_REFUSED = ("YAML aliases (&name and *name) are not allowed here; "
                   "write the value out in full")


def refuse_aliases(text: str) -> None:
    """Raise YamlSyntaxError at the first alias in `text` (a YAML document), before anything
    is built from it; YAML errors are left to the real parse."""
    try:
        for event in yaml.parse(text, Loader=_COMPOSER):
            if isinstance(event, yaml.AliasEvent):
                mark = event.start_mark
                raise YamlSyntaxError(mark.line + 1 if mark is not None else 1, ALIASES_REFUSED)
    except yaml.YAMLError:
        return


class DuplicateKeyError(ValueError):
    def __init__(self, line: int, key: str) -> None:
        self.line = line
        super().__init__(f"the field '{key}' appears twice; keep one")


MAX_BYTES = 1024 * 1024  # per file; the largest knowledge file is about 16 kB


def load_located(text: str) -> Located:
    """Parse one YAML document, keeping line numbers; raises YamlSyntaxError."""
    if len(text) > MAX_BYTES:
        raise YamlSyntaxError(1, f"the file is larger than {MAX_BYTES // 1024} kB; "
                                 "split it, or look for text pasted by mistake")
    try:
        node = yaml.compose(text, Loader=_COMPOSER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or "the YAML cannot be read"
        raise YamlSyntaxError(line, f"YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(1, f"YAML syntax error: {exc}") from None
    located = Located(data=None)
    if node is None:
        return located
    located.data = _Converter(located.lines).convert(node, ())
    return located


class _Converter:
    def __init__(self, lines: dict[Loc, int]) -> None:
        self.lines = lines
        self.seen: set[int] = set()  # nodes converted: one met again is an alias
        # Scalars are built by PyYAML's own safe constructor, so dates and numbers read as usual.
        self.constructor = yaml.SafeLoader("")

    def convert(self, node: yaml.Node, loc: Loc) -> Any:
        if id(node) in self.seen:
            raise YamlSyntaxError(node.start_mark.line + 1, ALIASES_REFUSED)
        self.seen.add(id(node))
        self.lines[loc] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):  # `? [a, b]`, `{a: 1}: x`
                    raise YamlSyntaxError(key_node.start_mark.line + 1,
                                          "a field name must be a single word, not a list "
                                          "or a set of fields")
                key = self.scalar(key_node)
                if key in result:
                    raise DuplicateKeyError(key_node.start_mark.line + 1, str(key))
                child = (*loc, str(key))
                result[key] = self.convert(value_node, child)
                self.lines[child] = key_node.start_mark.line + 1
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*loc, i)) for i, item in enumerate(node.value)]
        return self.scalar(node)

    def scalar(self, node: yaml.Node) -> Any:
        """The value of a scalar; YamlSyntaxError for one YAML cannot build.

        PyYAML's constructors fail in many ways on a value they cannot build: a tag like
        `!x` (an unquoted text starting with "!"), `<<`, a date like 2026-13-45, `!!int abc`.
        To an editor they all mean the same, and the same fix works.
        """
        try:
            return self.constructor.construct_object(node)
        except Exception as exc:
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise YamlSyntaxError(node.start_mark.line + 1,
                                  f"YAML cannot read this value ({problem}); if it is text, "
                                  "put it between quotes") from None
