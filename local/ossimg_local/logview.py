"""The function's log for a person at a terminal: one short line per variant, record and invocation.

The deployed function always writes JSON lines (one object each, ``ossimg.logs``); ``demo``, ``up``,
``try`` and ``invoke`` show them in this human form unless ``--log-format json`` asks for the lines
as the function wrote them, FC's ``FC Invoke Start/End`` lines included.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

FORMATS = ("human", "json")
STATUS_WORDS = {"ok": "ok", "up-to-date": "current", "failed-transient": "RETRY", "failed-permanent": "FAILED"}
FC_MARKERS = ("FC Invoke ", "FC Initialize ")


def records(lines: Iterable[str]) -> list[dict[str, Any]]:
    """The JSON objects among ``lines`` (the function's log lines), in order."""
    found = []
    for line in lines:
        if line.startswith("{"):
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            if isinstance(doc, dict):
                found.append(doc)
    return found


def label(rule: str, variant: str) -> str:
    """``uploads/thumb``: the rule's prefix (or label) and the variant's name."""
    return f"{rule}{variant}" if rule.endswith("/") else f"{rule}/{variant}"


def human_size(size: float) -> str:
    """``812 B``, ``12.3 KB``, ``4.1 MB``."""
    if size < 1000:
        return f"{size:.0f} B"
    if size < 1_000_000:
        return f"{size / 1000:.1f} KB"
    return f"{size / 1_000_000:.1f} MB"


def human_ms(ms: float) -> str:
    """``31 ms``, ``1.2 s``."""
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def variant_line(doc: dict[str, Any]) -> str:
    """``ok      uploads/thumb        -> ossimg-variants/thumbs/a.webp  5.2 KB  31 ms``, or the error in words."""
    status = STATUS_WORDS.get(str(doc.get("status")), str(doc.get("status")))
    name = label(str(doc.get("rule", "?")), str(doc.get("variant", "?")))
    target = f"{doc['target_bucket']}/{doc['target_key']}" if doc.get("target_key") else "(no target)"
    duration = human_ms(float(doc.get("duration_ms") or 0))
    if doc.get("status") == "ok":
        tail = f"{human_size(float(doc.get('file_size') or 0))}  {duration}"
        tail += "".join(f"  ({k.replace('_', ' ')}: {doc[k]})" for k in ("lineage_error", "claim_error") if doc.get(k))
    elif doc.get("status") == "up-to-date":
        tail = f"already made from this version  {duration}"
    else:
        tries = int(doc.get("attempts") or 0)
        retry = "FC retries the event" if doc.get("status") == "failed-transient" else "not retried"
        tail = (
            f"{doc.get('error_code', '')}: {doc.get('error_message', '')} "
            f"({tries} attempt{'s' if tries != 1 else ''}, {retry})"
        )
    return f"  {status:<7} {name:<20} -> {target}  {tail}"


def summary_line(doc: dict[str, Any]) -> str:
    """``= ok: 3 variants, 3 ok in 120 ms``."""
    counts = [
        (doc.get("ok", 0), "ok"),
        (doc.get("up_to_date", 0), "up to date"),
        (doc.get("failed_permanent", 0), "failed"),
        (doc.get("failed_transient", 0), "to retry"),
        (doc.get("skipped", 0), "record(s) skipped"),
        (doc.get("invalid", 0), "record(s) invalid"),
    ]
    said = ", ".join(f"{n} {what}" for n, what in counts if n)
    return f"  = {doc.get('outcome')}: {said or 'nothing to do'} in {human_ms(float(doc.get('duration_ms') or 0))}"


def line_for(doc: dict[str, Any]) -> str | None:
    """One log object in words; None for what a person need not see."""
    msg = doc.get("msg")
    where = f"{doc.get('bucket')}/{doc.get('key')}" if doc.get("key") is not None else ""
    if msg == "variant":
        return variant_line(doc)
    if msg == "summary":
        return summary_line(doc)
    if msg == "record skipped":
        return f"  skipped {where}: {doc.get('reason')}"
    if msg == "invalid event":
        return f"  invalid event: {doc.get('error_message')}"
    if msg == "invalid record":
        return f"  invalid record {doc.get('record')}: {doc.get('error_message')}"
    if msg == "rules loaded":
        return f"  rules loaded from {doc.get('source')} (version {doc.get('rules_version')})"
    detail = ": ".join(str(doc[k]) for k in ("error_code", "error_message", "reason") if doc.get(k))
    level = str(doc.get("level", "INFO"))
    said = " ".join(p for p in (level if level != "INFO" else "", where, str(msg)) if p)
    return f"  {said}: {detail}" if detail else f"  {said}"


def human(lines: Iterable[str], error: str = "") -> list[str]:
    """The function's log lines in words. Stack traces and FC's Start/End lines are left out; an
    invocation that failed ends with ``error``, FC's one-line error message."""
    out: list[str] = []
    in_trace = False
    for line in lines:
        if line.startswith(FC_MARKERS):
            continue
        if line.startswith("{"):
            in_trace = False
            doc = records([line])
            text = line_for(doc[0]) if doc else line
            if text:
                out.append(text)
        elif line.startswith("Traceback (most recent call last)"):
            in_trace = True
        elif in_trace and (line[:1].isspace() or not line):
            continue
        elif in_trace:
            in_trace = False  # the exception's own line, which ``error`` repeats
        elif line.strip():
            out.append(f"  {line}")
    if error:
        out.append(f"  invocation failed: {error}")
    return out
