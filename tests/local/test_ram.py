"""RAM policy evaluation: wildcards, Deny wins, default deny, and refusals that name the statement."""

from __future__ import annotations

import random
import re

import pytest

from ossimg_local.ram import Decision, Policy, PolicyError, wildcard_match

# A read-only grant on one prefix and a Deny carved out of it, in the shape of RAM's documentation examples.
DOCS = [
    {
        "Version": "1",
        "Statement": [
            {"Effect": "Allow", "Action": ["oss:GetObject", "oss:List*"], "Resource": ["acs:oss:*:*:photos/*"]},
            {"Effect": "Deny", "Action": "oss:GetObject", "Resource": "acs:oss:*:*:photos/private/*"},
            {"Effect": "Allow", "Action": "oss:PutObject", "Resource": "acs:oss:*:*:thumbs/20??/*"},
        ],
    }
]


@pytest.mark.parametrize(
    ("action", "resource", "decision"),
    [
        ("oss:GetObject", "acs:oss:cn-hangzhou:1234:photos/a.jpg", Decision.ALLOW),
        ("OSS:getobject", "acs:oss:cn-hangzhou:1234:photos/a.jpg", Decision.ALLOW),  # actions ignore case
        ("oss:GetObject", "acs:oss:cn-hangzhou:1234:Photos/a.jpg", Decision.IMPLICIT_DENY),  # resources do not
        ("oss:ListObjects", "acs:oss:cn-hangzhou:1234:photos/x", Decision.ALLOW),
        ("oss:GetObject", "acs:oss:cn-hangzhou:1234:photos/private/a.jpg", Decision.EXPLICIT_DENY),
        ("oss:PutObject", "acs:oss:cn-hangzhou:1234:photos/a.jpg", Decision.IMPLICIT_DENY),
        ("oss:PutObject", "acs:oss:cn-hangzhou:1234:thumbs/2024/a.jpg", Decision.ALLOW),
        ("oss:PutObject", "acs:oss:cn-hangzhou:1234:thumbs/1999/a.jpg", Decision.IMPLICIT_DENY),
        ("oss:PutObject", "acs:oss:cn-hangzhou:1234:thumbs/202/a.jpg", Decision.IMPLICIT_DENY),
        ("mns:SendMessage", "acs:mns:cn-hangzhou:1234:/queues/q/messages", Decision.IMPLICIT_DENY),
    ],
)
def test_decisions(action, resource, decision):
    assert Policy.from_documents(DOCS).decide(action, resource) is decision


def test_deny_wins_whatever_the_order():
    deny_first = [{"Statement": [DOCS[0]["Statement"][1], DOCS[0]["Statement"][0]]}]
    assert not Policy.from_documents(deny_first).allows("oss:GetObject", "acs:oss:*:*:photos/private/a")


@pytest.mark.parametrize(
    ("statement", "action", "resource", "allowed"),
    [
        ({"Effect": "Allow", "NotAction": "oss:Delete*", "Resource": "*"}, "oss:GetObject", "acs:oss:*:*:b/k",
         True),
        ({"Effect": "Allow", "NotAction": "oss:Delete*", "Resource": "*"}, "oss:DeleteObject", "acs:oss:*:*:b/k",
         False),
        ({"Effect": "Allow", "Action": "oss:*", "NotResource": "acs:oss:*:*:b/*"}, "oss:GetObject", "acs:oss:*:*:b/k",
         False),
        ({"Effect": "Allow", "Action": "oss:*", "NotResource": "acs:oss:*:*:b/*"}, "oss:GetObject", "acs:oss:*:*:c/k",
         True),
        ({"Effect": "Allow", "Action": "*", "Resource": "*"}, "mns:SendMessage", "acs:mns:*:*:/queues/q", True),
    ],
)  # fmt: skip
def test_not_action_and_not_resource(statement, action, resource, allowed):
    assert Policy.from_documents([{"Version": "1", "Statement": [statement]}]).allows(action, resource) is allowed


def test_system_policies_by_name():
    policy = Policy.from_documents(["AliyunOSSReadOnlyAccess"])
    assert policy.allows("oss:GetObject", "acs:oss:*:*:any/key")
    assert not policy.allows("oss:PutObject", "acs:oss:*:*:any/key")


@pytest.mark.parametrize(
    ("documents", "message"),
    [
        (["AliyunEverything"], "policy 0: unknown system policy 'AliyunEverything'"),
        ([{"Version": "1"}], "policy 0: expected a document with a Statement list"),
        ([{"Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]}], "statement 0: Effect must be"),
        ([{"Statement": [{"Effect": "Allow", "Resource": "*"}]}], "statement 0: exactly one of Action and NotAction"),
        ([{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": []}]}], "statement 0: Resource must be"),
        ([{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Principal": "*"}]}],
         "unknown element(s) Principal"),
        ([{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*",
                          "Condition": {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}}]}],
         "Condition is not evaluated"),
    ],
)  # fmt: skip
def test_refusals_name_the_statement(documents, message):
    with pytest.raises(PolicyError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Policy.from_documents(documents)


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("*", "", True), ("a*", "a", True), ("a*c", "abc/def/c", True), ("a*c", "abcd", False),
        ("a?c", "abc", True), ("a?c", "ac", False), ("*.jpg", "x/y.jpg", True), ("**", "anything", True),
        ("a*b*c", "aXbYbZc", True), ("a[b]c", "abc", False), ("a[b]c", "a[b]c", True), ("*a", "b*a", True),
        ("ab*ba", "aba", False), ("a*a", "a", False), ("a*b*a", "aba", True), ("*ab*ab*", "abab", True),
        ("abc", "abc", True), ("abc", "abcd", False),
    ],
)  # fmt: skip
def test_wildcards(pattern, text, matches):
    assert wildcard_match(pattern, text) is matches


def test_wildcards_agree_with_a_regular_expression_on_random_patterns():
    """An independent answer: the same wildcards as a regular expression (``*`` = ``.*``, ``?`` = ``.``)."""
    rng = random.Random(7)
    for _ in range(5000):
        pattern = "".join(rng.choice("ab*?") for _ in range(rng.randint(0, 6)))
        text = "".join(rng.choice("ab") for _ in range(rng.randint(0, 8)))
        oracle = re.fullmatch("".join({"*": ".*", "?": "."}.get(c, re.escape(c)) for c in pattern), text, re.S)
        assert wildcard_match(pattern, text) is (oracle is not None), (pattern, text)


def test_wildcards_do_not_backtrack_exponentially():
    assert not wildcard_match("*a" * 40 + "b", "a" * 5000)
