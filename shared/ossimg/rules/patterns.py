"""Key matchers whose cost is linear in the key, whatever the pattern; pure.

Why not regular expressions: Python's ``re`` backtracks, and the patterns here come from rule files
while the keys come from uploads. A glob such as ``up/*a*a*a*a*b`` or a loop-guard pattern built
from ``thumbs/{dir}/{stem}-{variant}.png`` made one crafted key run for minutes. Both matchers
below look at each character of the key a bounded number of times.
"""

from __future__ import annotations

import re
import string
from typing import NamedTuple

GLOB_TOKEN = re.compile(r"\*\*|\*|\?|[^*?]+")


class Glob(NamedTuple):
    """A rule's ``glob``: ``*`` any run within a folder, ``**`` any run across folders, ``?`` one
    character but ``/``; everything else literal. Matched by following every position of the glob
    at once (Thompson's construction), so the time is at most len(key) x len(glob)."""

    text: str
    tokens: tuple[str, ...]

    @classmethod
    def compile(cls, text: str) -> Glob:
        """Tokens: ``**``, ``*``, ``?`` and single literal characters."""
        tokens: list[str] = []
        for token in GLOB_TOKEN.findall(text):
            tokens += [token] if token in ("**", "*", "?") else list(token)
        return cls(text, tuple(tokens))

    def fullmatch(self, key: str) -> bool:
        """Does the whole of ``key`` match?"""
        states = self._skip_stars({0})
        for char in key:
            following = set()
            for at in states:
                token = self.tokens[at] if at < len(self.tokens) else None
                if token == "**" or (token == "*" and char != "/"):
                    following.add(at)
                elif (token == "?" and char != "/") or token == char:
                    following.add(at + 1)
            if not following:
                return False
            states = self._skip_stars(following)
        return len(self.tokens) in states

    def _skip_stars(self, states: set[int]) -> set[int]:
        """A star may match nothing: wherever one stands, what follows it is reachable too."""
        out, todo = set(states), list(states)
        while todo:
            at = todo.pop()
            if at < len(self.tokens) and self.tokens[at] in ("*", "**") and at + 1 not in out:
                out.add(at + 1)
                todo.append(at + 1)
        return out


class KeyPattern(NamedTuple):
    """Every key a template can render: fixed pieces with free runs between them.

    ``pieces[0]`` starts the key, ``pieces[-1]`` ends it, the others appear in order between; the
    leftmost place of each is always as good as any later one, so one ``find`` each decides.
    """

    pieces: tuple[str, ...]

    def fullmatch(self, key: str) -> bool:
        """Could ``key`` be a rendering of the template?"""
        first, last = self.pieces[0], self.pieces[-1]
        if len(self.pieces) == 1:
            return key == first
        if len(key) < len(first) + len(last) or not key.startswith(first) or not key.endswith(last):
            return False
        at, end = len(first), len(key) - len(last)
        for piece in self.pieces[1:-1]:
            found = key.find(piece, at, end)
            if found < 0:
                return False
            at = found + len(piece)
        return True


def output_pattern(template: str, fixed: dict[str, str]) -> KeyPattern:
    """The keys ``template`` can render when the ``fixed`` placeholders are known.

    Rendered keys are normalised (no leading or doubled ``/``), so the pattern is too; a ``/`` right
    after a free placeholder may vanish (an empty ``{dir}``), and the free run before it covers it.
    """
    pieces, after_free = [""], False
    for literal, name, _, _ in string.Formatter().parse(template):
        text = literal.lstrip("/") if pieces == [""] else literal
        if after_free and text.startswith("/"):
            text = text[1:]
        pieces[-1] += text
        after_free = name is not None and name not in fixed
        if name is None:
            continue
        if after_free:
            if pieces[-1] or len(pieces) == 1:
                pieces.append("")
        else:
            pieces[-1] += fixed[name]
    return KeyPattern(tuple(re.sub("/{2,}", "/", p) for p in pieces))
