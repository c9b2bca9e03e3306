"""Output key templates: every placeholder, and keys OSS would refuse."""

from __future__ import annotations

import pytest

from ossimg.rules.keys import key_parts, literal_prefix, render_key, template_fields

SOURCE = "photos/2024/cat.JPG"
VALUES = {**key_parts(SOURCE), "variant": "thumb", "format": "webp", "rule": "photos/"}


@pytest.mark.parametrize(("template", "key"), [
    ("{key}", "photos/2024/cat.JPG"),
    ("{dir}/small/{name}", "photos/2024/small/cat.JPG"),
    ("thumbs/{stem}.{format}", "thumbs/cat.webp"),
    ("{stem}.{ext}", "cat.JPG"),
    ("{variant}/{stem}", "thumb/cat"),
    ("out/{rule}{name}", "out/photos/cat.JPG"),
    ("/leading//double/./slashes/{name}", "leading/double/slashes/cat.JPG"),
])  # fmt: skip
def test_placeholders(template, key):
    assert render_key(template, VALUES) == key


@pytest.mark.parametrize(("source", "parts"), [
    ("a.jpg", {"dir": "", "name": "a.jpg", "stem": "a", "ext": "jpg"}),
    ("d/archive.tar.gz", {"dir": "d", "name": "archive.tar.gz", "stem": "archive.tar", "ext": "gz"}),
    ("d/noext", {"dir": "d", "name": "noext", "stem": "noext", "ext": ""}),
    ("d/.hidden", {"dir": "d", "name": ".hidden", "stem": ".hidden", "ext": ""}),
])  # fmt: skip
def test_key_parts(source, parts):
    assert {k: key_parts(source)[k] for k in parts} == parts


@pytest.mark.parametrize(("template", "values", "message"), [
    ("../{name}", VALUES, "climbs out"),
    ("a/{stem}", {**VALUES, "stem": "x\x07y"}, "control character"),
    ("{dir}", {**VALUES, "dir": ""}, "empty key"),
    ("{stem}", {**VALUES, "stem": "x" * 1100}, "longer than 1023"),
])  # fmt: skip
def test_refused_keys(template, values, message):
    with pytest.raises(ValueError, match=message):
        render_key(template, values)


def test_unknown_placeholder():
    with pytest.raises(ValueError, match=r"unknown placeholder \{width\}"):
        template_fields("{stem}-{width}.jpg")
    assert template_fields("{dir}/{stem}.{format}") == ["dir", "stem", "format"]


def test_source_and_time_placeholders():
    values = {**VALUES, "bucket": "uploads", "etag": "688a7bf4", "year": "2026", "month": "11", "day": "20"}
    assert render_key("{bucket}/{year}/{month}/{day}/{etag}-{name}", values) == "uploads/2026/11/20/688a7bf4-cat.JPG"


@pytest.mark.parametrize(("template", "values", "message"), [
    ("thumbs/{key}", {**VALUES, "key": "../../etc/passwd"}, "climbs out"),
    ("thumbs/{name}", {**VALUES, "name": "../x"}, "climbs out"),
    ("thumbs/{dir}", {**VALUES, "dir": ""}, "escapes the template's prefix"),
])  # fmt: skip
def test_a_key_never_escapes_the_templates_prefix(template, values, message):
    with pytest.raises(ValueError, match=message):
        render_key(template, values)


@pytest.mark.parametrize(("template", "prefix"), [
    ("thumbs/{key}", "thumbs/"), ("thumbs/small-{name}", "thumbs/small-"), ("{dir}/x", ""), ("./a//b/{key}", "a/b/"),
])  # fmt: skip
def test_literal_prefix(template, prefix):
    assert literal_prefix(template) == prefix
