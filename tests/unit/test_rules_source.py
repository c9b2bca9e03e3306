"""Bundled rule files: the compiled form is used only when it was made from the very same bytes."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from ossimg.errors import RuleFileError
from ossimg.rules.load import load_rules
from ossimg.rules.stored import StoredRules, compiled_path, write_compiled
from ossimg.rules_source import load_file


@pytest.fixture(name="rules_file")
def _rules_file(root, tmp_path):
    path = tmp_path / "rules.yaml"
    shutil.copy(root / "rules" / "example.yaml", path)
    write_compiled(load_rules(path), path.read_bytes(), compiled_path(path))
    return path


def test_the_compiled_form_round_trips(rules_file):
    stored, parsed = load_file(rules_file), load_rules(rules_file)
    assert isinstance(stored, StoredRules)
    assert (stored.all_rules(), stored.version) == (parsed.rules, parsed.version)


def test_a_stale_compiled_form_is_ignored(rules_file):
    rules_file.write_text(rules_file.read_text().replace("w: 200, h: 200", "w: 150, h: 150"))
    chain = load_file(rules_file).rules[0].variants[0].chain
    assert chain.startswith("image/resize,m_fill,w_150,h_150")


def test_an_invalid_file_is_still_refused_without_a_compiled_form(tmp_path):
    bad = tmp_path / "rules.yaml"
    bad.write_text("version: 1\nrules: {}\n")
    with pytest.raises(RuleFileError):
        load_file(bad)


def test_loading_compiled_rules_needs_neither_pydantic_nor_yaml(rules_file):
    script = (
        "import sys; from pathlib import Path; from ossimg.rules_source import load_file;"
        f"rules = load_file(Path({str(rules_file)!r}));"
        "matched = rules.match('uploads/a.jpg', 'ossimg-uploads');"
        "print(len(matched), 'pydantic' in sys.modules, 'ruamel.yaml' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["1", "False", "False"]
