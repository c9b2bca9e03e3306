"""Bounds a rule file must keep before any YAML parser sees it; pure.

Why: libyaml's composer recurses once per nesting level and dies with SIGSEGV past some tens of
thousands of levels, Python's parsers raise RecursionError far earlier, and YAML aliases (merge
keys included) can make a 1 KB file expand exponentially. A rule file kept in OSS can be replaced
by anyone allowed to write that object, so a bad one must be refused, never crash the instance.
Real rule files nest about ten levels deep and use a few anchors at most.

One pass over the text, linear in its length, bounds the nesting: flow collections (``[``, ``{``)
outside quoted scalars and comments, and block nesting by indentation and compact ``- `` / ``? ``
indicators. Aliases are counted the same way; only when a file has some does a second pass over
the parser's events (iterative, no recursion) bound how far they expand.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

MAX_BYTES = 8 * 1024 * 1024
MAX_FLOW_DEPTH = 32
MAX_INDENT = 256
MAX_COMPACT = 32  # "- - - x": nested sequences on one line
MAX_EXPANDED_NODES = 1_000_000
# What the scanner looks at; everything else is plain text to it.
SPECIAL = re.compile(r"""[\[\]{}'"#*|>\\]""")


class TooDeep(ValueError):
    """The text is beyond a bound; the message says which, and on which line."""


def check_text(text: str) -> None:
    """Raise TooDeep when ``text`` could not be parsed safely and quickly."""
    if len(text) > MAX_BYTES:
        raise TooDeep(f"the file is {len(text)} characters; rule files are limited to {MAX_BYTES}")
    scanner = _Scanner()
    for number, line in enumerate(text.split("\n"), 1):
        scanner.line(number, line)
    if scanner.aliases:
        _check_expansion(text)


class _Scanner:
    """YAML's lexical state, as much of it as bounding the nesting needs."""

    def __init__(self) -> None:
        self.depth = 0  # open [ and {
        self.quote = ""  # the quote character of a quoted scalar still open
        self.block = -1  # while in a block scalar: the indentation its content must exceed
        self.aliases = 0

    def line(self, number: int, line: str) -> None:
        indent = len(line) - len(line.lstrip(" "))
        if self.block >= 0 and (indent > self.block or not line.strip()):
            return  # a block scalar's content is text, not YAML
        self.block, at = -1, 0
        if not self.quote and self.depth == 0:
            if indent > MAX_INDENT:
                raise TooDeep(f"line {number} is indented {indent} columns; at most {MAX_INDENT}")
            at = _compact(line, indent, number)
        skip = 0
        for found in SPECIAL.finditer(line, at):
            pos, char = found.start(), found.group()
            if pos < skip:
                continue  # escaped by a backslash
            if self.quote:
                skip = self._quoted(char, pos)
                continue
            node_start = pos == at or line[pos - 1] in " \t[{,-?:"
            if char == "#" and (pos == 0 or line[pos - 1] in " \t"):
                return
            if node_start and char in "|>" and self.depth == 0 and _block_header(line, pos):
                self.block = indent
                return
            self._plain(char, node_start, number)

    def _quoted(self, char: str, pos: int) -> int:
        """Inside a quoted scalar: close it, or skip the character a backslash escapes (in ``"``)."""
        if char == "\\" and self.quote == '"':
            return pos + 2
        if char == self.quote:
            self.quote = ""
        return 0

    def _plain(self, char: str, node_start: bool, number: int) -> None:
        if node_start and char in "'\"":
            self.quote = char
        elif char in "[{":
            self.depth += 1
            if self.depth > MAX_FLOW_DEPTH:
                raise TooDeep(f"line {number} opens more than {MAX_FLOW_DEPTH} nested [ or {{")
        elif char in "]}":
            self.depth = max(0, self.depth - 1)
        elif node_start and char == "*":
            self.aliases += 1


def _compact(line: str, at: int, number: int) -> int:
    """Skip ``- `` / ``? `` / ``: `` indicators at the start of a line; refuse too many."""
    compact = 0
    while line.startswith(("- ", "? ", ": "), at) or (at == len(line) - 1 and line[at] in "-?"):
        compact, at = compact + 1, at + 2
        while at < len(line) and line[at] == " ":
            at += 1
        if compact > MAX_COMPACT:
            raise TooDeep(f"line {number} nests more than {MAX_COMPACT} collections on one line")
    return at


def _block_header(line: str, at: int) -> bool:
    """Is ``line[at:]`` a block scalar header (``|``, ``>-``, ``|2+`` … then nothing but a comment)?"""
    rest = line[at + 1 :].split(" #", 1)[0].strip()
    return all(c in "+-0123456789" for c in rest)


def _check_expansion(text: str) -> None:
    """Walk the parser's events (iteratively), counting nodes as if every alias were a copy of its anchor."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    # Not YAML at all: the loader that follows says where, with the line.
    with contextlib.suppress(YAMLError):
        _count_expansion(YAML(typ="safe").parse(text))


def _count_expansion(events: Any) -> None:
    sizes: dict[str, int] = {}
    stack: list[tuple[str | None, list[int]]] = [(None, [0])]  # per open collection: its anchor, its size
    expanded = 0
    for event in events:
        kind = type(event).__name__
        anchor = getattr(event, "anchor", None)
        if kind in ("MappingStartEvent", "SequenceStartEvent"):
            stack.append((anchor, [1]))
            expanded += 1
        elif kind in ("MappingEndEvent", "SequenceEndEvent"):
            anchor, (size,) = stack.pop()
            stack[-1][1][0] += size
            if anchor:
                sizes[anchor] = size
        elif kind in ("ScalarEvent", "AliasEvent"):
            size = sizes.get(str(anchor), 1) if kind == "AliasEvent" else 1
            if anchor and kind == "ScalarEvent":
                sizes[anchor] = 1
            stack[-1][1][0] += size
            expanded += size
        if expanded > MAX_EXPANDED_NODES:
            raise TooDeep(f"aliases expand the file to more than {MAX_EXPANDED_NODES} nodes")
