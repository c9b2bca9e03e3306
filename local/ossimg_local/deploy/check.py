"""``ossimg template``: the rules are the one source of truth for a function's OSS triggers and role.

``render`` prints the triggers and statements the rules need, as template.yml writes them; ``check``
compares them with the template and names each missing or excess trigger and (action, resource).
``ossimg build``, ``make up`` and the tests run the check, so rules whose uploads no trigger would
deliver, or a role that lacks what the code does, stop before anything is built or deployed.
"""

from __future__ import annotations

import json
from pathlib import Path

from ossimg.rules.compiled import CompiledRules
from ossimg.rules.load import load_rules

from ..fc.template import FunctionSpec, OssTrigger
from .needs import Statement, TriggerNeed, granted, role_needs, trigger_needs

ROLE_SERVICES = ("oss:", "mns:", "log:")  # the services whose grants the rules decide


def check(spec: FunctionSpec, rules: CompiledRules, template: str = "template.yml") -> list[str]:
    """Every disagreement between ``spec`` (from ``template``) and what ``rules`` need, one line each."""
    where = f"{template}: {spec.service}/{spec.name}"
    problems = [f"{where}: {line}" for line in _triggers(spec.triggers, trigger_needs(rules))]
    needs = role_needs(rules, spec)
    purpose = {pair: s.purpose for s in needs for pair in s.pairs()}
    have = {pair for pair in granted(spec.policies) if pair[0].startswith(ROLE_SERVICES)}
    for action, resource in sorted(set(purpose) - have):
        problems.append(f"{where}: the role lacks {action} on {resource} ({purpose[(action, resource)]})")
    for action, resource in sorted(have - set(purpose)):
        problems.append(f"{where}: the role grants {action} on {resource}, which nothing in the rules needs")
    return problems


def _triggers(have: tuple[OssTrigger, ...], need: list[TriggerNeed]) -> list[str]:
    lines = []
    by_place = {(t.bucket, t.prefix, t.suffix): t for t in have}
    for trigger in need:
        found = by_place.pop((trigger.bucket, trigger.prefix, trigger.suffix), None)
        rules = ", ".join(trigger.rules)
        if found is None:
            lines.append(
                f"no OSS trigger delivers uploads to {trigger.where()} (rule {rules}): add trigger "
                f"{trigger.name!r} (`ossimg template` prints it)"
            )
        elif tuple(sorted(found.events)) != tuple(sorted(trigger.events)):
            lines.append(
                f"trigger {found.name!r} ({trigger.where()}) subscribes to {', '.join(found.events)}; "
                f"the function needs exactly {', '.join(trigger.events)} "
                "(one event per finished upload)"
            )
    for extra in by_place.values():
        lines.append(
            f"trigger {extra.name!r} (oss://{extra.bucket}/{extra.prefix}*{extra.suffix}) matches no "
            "rule: every upload it delivers would invoke the function for nothing"
        )
    return lines


def check_files(specs: list[FunctionSpec], rules_file: Path, template: str = "template.yml") -> list[str]:
    """``check`` for every function that loads its rules from the bundled file (``OSSIMG_RULES``
    without ``oss://``, which ``ossimg build`` fills from ``rules_file``), or from OSS."""
    rules = load_rules(rules_file)
    return [line for spec in specs for line in check(spec, rules, template)]


def render(spec: FunctionSpec, rules: CompiledRules) -> str:
    """The ``Policies`` and ``Events`` the rules need, in template.yml's YAML."""
    out = [
        f"# {spec.service} (Aliyun::Serverless::Service) Properties:",
        "      Policies:",
        "        - Version: '1'",
        "          Statement:",
    ]
    for statement in role_needs(rules, spec):
        out += _statement(statement)
    out += ["", f"# {spec.name} (Aliyun::Serverless::Function):", "      Events:"]
    for trigger in trigger_needs(rules):
        out += [
            f"        {trigger.name}:",
            "          Type: OSS",
            "          Properties:",
            f"            BucketName: {trigger.bucket}",
            "            Events:",
            *(f"              - {event}" for event in trigger.events),
            "            Filter:",
            "              Key:",
            f"                Prefix: {json.dumps(trigger.prefix)}",
            f"                Suffix: {json.dumps(trigger.suffix)}",
        ]
    return "\n".join(out) + "\n"


def _statement(statement: Statement) -> list[str]:
    return [
        f"            # {statement.purpose}",
        "            - Effect: Allow",
        "              Action:",
        *(f"                - {a}" for a in statement.actions),
        "              Resource:",
        *(f"                - {r}" for r in statement.resources),
    ]
