"""Seeded fuzzing: hundreds of malformed or odd events and rule files; never a crash, always a clear line."""

from __future__ import annotations

import copy
import io
import json
import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from ossimg.errors import RuleError, RuleFileError
from ossimg.logs import JsonLog
from ossimg.on_upload import run
from ossimg.oss import Oss2Client
from ossimg.rules.load import load_rules, parse_rules
from ossimg.settings import Credentials
from ossimg_local.samples import sample_image

from .conftest import AK, SK

ROOT = Path(__file__).resolve().parents[2]
EVENTS, RULE_FILES = 1000, 1000
ODD = [None, 0, -1, 2**63, 3.5, True, "", " ", "猫/🐱.jpg", "%2F..%00", "a" * 2000, "\x00\x07", [], {}, [1], {"k": "v"},
       "uploads/\ud800.jpg", "\udfff", "9" * 5000]  # fmt: skip
# Whole rule-file fragments an attacker would try, spliced into otherwise good files.
HOSTILE_RULES = [
    "[" * 50_000 + "]" * 50_000,  # libyaml's composer dies with SIGSEGV on this
    "{a: " * 20_000 + "1" + "}" * 20_000,  # RecursionError in the constructor
    "- " * 3000 + "x",
    "9" * 5000,
    "&a [x, y]",
    "*a",
    "<<: *a",
    "'../{key}'",
    "'image/resize,w_1_0'",
    "'image/resize,w_+10'",
    '"\\ud800"',
    "|\n  ' unbalanced [[[",
    "'" + "x" * 3000 + "/{key}'",
]


def paths(node: object, prefix: tuple[object, ...] = ()) -> Iterator[tuple[object, ...]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield (*prefix, k)
            yield from paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield (*prefix, i)
            yield from paths(v, (*prefix, i))


def mutate_event(rnd: random.Random, sample: dict) -> bytes:
    doc = copy.deepcopy(sample)
    for _ in range(rnd.randint(1, 3)):
        choices = list(paths(doc))
        if not choices or rnd.random() < 0.1:
            break
        path = rnd.choice(choices)
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        action = rnd.random()
        if action < 0.3:
            del parent[path[-1]]
        elif action < 0.8:
            parent[path[-1]] = rnd.choice(ODD)
        elif isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
    # Without ASCII escapes a lone surrogate cannot be UTF-8: those bytes then are not JSON at all.
    raw = json.dumps(doc, ensure_ascii=rnd.random() < 0.5).encode("utf-8", "surrogatepass")
    return reshape(rnd, raw, doc)


def reshape(rnd: random.Random, raw: bytes, doc: dict) -> bytes:
    """Now and then, an event that is broken as a whole rather than in one field."""
    shape = rnd.random()
    if shape < 0.05:
        return raw[: rnd.randrange(len(raw))]  # truncated
    if shape < 0.08:
        return bytes(rnd.randrange(256) for _ in range(rnd.randrange(64)))  # noise
    if shape < 0.12:
        return json.dumps(rnd.choice([[doc, doc], doc.get("events", doc), "text", 7])).encode("utf-8", "surrogatepass")
    if shape < 0.14:
        return b"[" * 5000 + raw + b"]" * 5000  # nested past any parser's recursion
    if shape < 0.16:
        return raw.replace(b'"size": ', b'"size": ' + b"9" * 5000, 1)  # past Python's int-from-text limit
    return raw


@pytest.fixture(name="world")
def _world(cloud):
    for key in ("uploads/photos/cat.jpg", "uploads/2026/beach.png", "avatars/alice.jpg"):
        cloud.bucket("ossimg-uploads").put_object(key, sample_image(key, (64, 48)))
    client = Oss2Client(cloud.endpoint, "cn-hangzhou", Credentials(AK, SK))
    return load_rules(ROOT / "rules" / "example.yaml"), client


@pytest.mark.slow
def test_odd_events_never_crash_and_always_say_what_happened(world):
    rules, client = world
    samples = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "events").glob("oss-*.json"))]
    rnd = random.Random(1124)
    outcomes: Counter[str] = Counter()
    for n in range(EVENTS):
        event = mutate_event(rnd, rnd.choice(samples))
        stream = io.StringIO()
        summary = run(event, rules, lambda: client, JsonLog(stream))  # any exception fails the test
        lines = [json.loads(line) for line in stream.getvalue().splitlines()]
        assert lines[-1]["msg"] == "summary", (n, event[:200])
        kinds = [line["msg"] for line in lines[:-1]]
        assert kinds.count("variant") == len(summary.results)
        assert kinds.count("record skipped") == summary.skipped
        assert kinds.count("invalid record") + kinds.count("invalid event") == summary.invalid
        handled = {line["record"] for line in lines if line["msg"] in ("variant", "record skipped")}
        assert len(handled) == summary.records, (n, event[:200])
        assert all(line.get("error_message") or line["msg"] != "invalid record" for line in lines)
        outcomes.update(kinds)
    # The mutations must reach every path: work done, records skipped, records and events rejected.
    assert min(outcomes[k] for k in ("variant", "record skipped", "invalid record", "invalid event")) >= 10, outcomes


def mutate_rules(rnd: random.Random, text: str) -> str:
    lines = text.splitlines()
    for _ in range(rnd.randint(1, 4)):
        i = rnd.randrange(len(lines))
        action = rnd.random()
        if action < 0.25:
            del lines[i]
        elif action < 0.4:
            lines.insert(i, lines[rnd.randrange(len(lines))])
        elif action < 0.7:
            words = lines[i].split(" ")
            j = rnd.randrange(len(words))
            words[j] = str(rnd.choice([-5, 0, 99999, "x", "{bad}", "image/slim,1", "[", "'", "null", "webp", "/"]))
            lines[i] = " ".join(words)
        elif action < 0.8:
            lines[i] = " " * rnd.randrange(8) + lines[i].lstrip()
        elif action < 0.88:
            words = lines[i].split(" ")
            words[rnd.randrange(len(words))] = rnd.choice(HOSTILE_RULES)
            lines[i] = " ".join(words)
        else:
            pos = rnd.randrange(len(lines[i]) + 1)
            lines[i] = lines[i][:pos] + rnd.choice(":{}[]-#&*!|>'\"%@`\t") + lines[i][pos:]
    return "\n".join(lines) + "\n"


@pytest.mark.slow
def test_broken_rule_files_are_refused_with_their_place(root):
    text = (root / "rules" / "example.yaml").read_text(encoding="utf-8")
    rnd = random.Random(2411)
    refused = 0
    for _ in range(RULE_FILES):
        errors = problems(mutate_rules(rnd, text))  # anything but RuleFileError fails the test
        if errors is None:
            continue
        refused += 1
        assert errors
        for error in errors:
            assert error.detail
            assert error.source == "fuzz.yaml"
            assert str(error).startswith("fuzz.yaml")
    assert refused > RULE_FILES / 3


def problems(text: str) -> list[RuleError] | None:
    """The refusals of a rule file, or None when it loads."""
    try:
        parse_rules(text.encode(), source="fuzz.yaml")
    except RuleFileError as exc:
        return exc.errors
    return None
