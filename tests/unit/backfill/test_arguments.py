"""Bounds of ``ossimg backfill``, ``prune`` and ``inventory``: refused before anything starts, in one line
naming the option (``--in-flight 0`` would never have room for a batch, ``--rate 0`` divide by zero)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ossimg_local import cli

RULES = str(Path(__file__).resolve().parents[3] / "rules" / "example.yaml")
NOWHERE = "http://127.0.0.1:1"  # nothing listens: a check that let the run start would fail differently


@pytest.mark.parametrize(("command", "option", "value", "line"), [
    ("backfill", "--in-flight", "0", "--in-flight must be at least 1, not 0"),
    ("backfill", "--batch", "0", "--batch must be at least 1, not 0"),
    ("backfill", "--workers", "-1", "--workers must be at least 1, not -1"),
    ("backfill", "--rate", "0", "--rate must be above 0, not 0.0"),
    ("backfill", "--rate", "nan", "--rate must be above 0, not nan"),
    ("backfill", "--poll", "0", "--poll must be above 0, not 0.0"),
    ("backfill", "--timeout", "-5", "--timeout must be above 0, not -5.0"),
    ("prune", "--workers", "0", "--workers must be at least 1, not 0"),
    ("inventory", "--rows", "0", "--rows must be at least 1, not 0"),
])  # fmt: skip
def test_a_bound_out_of_range_is_one_line_naming_the_option(tmp_path, capsys, command, option, value, line):
    where = ["--dest", "oss://inv"] if command == "inventory" else ["--rules", RULES]
    fc = ["--via", "fc", "--fc-endpoint", NOWHERE, "--checkpoint", str(tmp_path / "cp.json")]
    argv = [command, "--bucket", "ossimg-uploads", *where, *(fc if command == "backfill" else []),
            "--endpoint", NOWHERE, option, value]  # fmt: skip
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [f"ossimg {command}: {line}"]
    assert not (tmp_path / "cp.json").exists()
