"""Globs and loop-guard patterns: the documented semantics, and time linear in the key on hostile input."""

from __future__ import annotations

import random
import re

import pytest

from ossimg.rules.patterns import Glob, KeyPattern, output_pattern


@pytest.mark.parametrize(("glob", "key", "matches"), [
    ("photos/*/cover.*", "photos/trip/cover.jpg", True),
    ("photos/*/cover.*", "photos/trip/deep/cover.jpg", False),  # * stays within a folder
    ("photos/**/cover.*", "photos/trip/deep/cover.jpg", True),  # ** crosses folders
    ("photos/**cover.jpg", "photos/cover.jpg", True),
    ("a/?.jpg", "a/x.jpg", True), ("a/?.jpg", "a//.jpg", False), ("a/?.jpg", "a/xy.jpg", False),
    ("a/[x].jpg", "a/[x].jpg", True), ("a/[x].jpg", "a/x.jpg", False),  # no character classes
    ("*", "", True), ("*", "a/b", False), ("**", "a/b", True), ("", "", True), ("", "a", False),
])  # fmt: skip
def test_glob_semantics(glob, key, matches):
    assert Glob.compile(glob).fullmatch(key) is matches


def reference(glob):
    """The same semantics as a backtracking regex: an independent oracle on small inputs."""
    out = re.escape(glob).replace(r"\*\*", "\0").replace(r"\*", "[^/]*").replace(r"\?", "[^/]").replace("\0", ".*")
    return re.compile(out)


def test_glob_agrees_with_a_regex_on_random_inputs():
    rnd = random.Random(20261128)
    for _ in range(3000):
        glob = "".join(rnd.choice(["a", "b", "/", "*", "**", "?"]) for _ in range(rnd.randint(0, 7)))
        key = "".join(rnd.choice("ab/") for _ in range(rnd.randint(0, 9)))
        assert Glob.compile(glob).fullmatch(key) is bool(reference(glob).fullmatch(key)), (glob, key)


@pytest.mark.parametrize(("template", "fixed", "key", "matches"), [
    ("thumbs/{key}", {}, "thumbs/uploads/a.jpg", True),
    ("thumbs/{key}", {}, "other/uploads/a.jpg", False),
    ("thumbs/{dir}/{stem}.{format}", {"format": "webp"}, "thumbs/a/b/cat.webp", True),
    ("thumbs/{dir}/{stem}.{format}", {"format": "webp"}, "thumbs/cat.webp", True),  # an empty {dir}
    ("thumbs/{dir}/{stem}.{format}", {"format": "webp"}, "thumbs/a/cat.png", False),
    ("/{variant}//{key}", {"variant": "v"}, "v/x", True),  # keys are normalised: no leading or double /
    ("out/{stem}-{variant}.png", {"variant": "small"}, "out/cat-small.png", True),
    ("out/{stem}-{variant}.png", {"variant": "small"}, "out/cat-large.png", False),
    ("fixed.json", {}, "fixed.json", True), ("fixed.json", {}, "fixed.jsonx", False),
    ("a{stem}a", {}, "a", False), ("a{stem}a", {}, "aa", True),
])  # fmt: skip
def test_output_patterns(template, fixed, key, matches):
    assert output_pattern(template, fixed).fullmatch(key) is matches


@pytest.mark.parametrize(("matcher", "key"), [
    # Each of these took minutes as a regex (catastrophic backtracking); now one pass.
    (Glob.compile("up/" + "*a" * 30 + "*b"), "up/" + "a" * 5000),
    (Glob.compile("up/" + "**a" * 30 + "**b"), "up/" + "a/" * 2500),
    (output_pattern("thumbs/{dir}/{stem}/{name}/{ext}/{key}-{variant}.png", {"variant": "v"}),
     "thumbs/" + "a/" * 5000 + "x"),
    (KeyPattern(("t/", *["-"] * 50, ".png")), "t/" + "-" * 49 + "x" * 10000),
])  # fmt: skip
def test_hostile_keys_are_decided_in_one_pass(matcher, key):
    assert matcher.fullmatch(key) is False
