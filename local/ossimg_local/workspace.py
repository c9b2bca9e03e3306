"""The repository a command works in: its root (where template.yml is), the rules it runs, and the
functions the template declares; checked before anything is built or started, so a wrong folder or
a bad rule file is one line that names the user's own file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ossimg.errors import RuleFileError
from ossimg.rules.compiled import CompiledRules
from ossimg.rules.load import load_rules

from .fc.template import FunctionSpec, load_template
from .usererrors import UsageError, rules_problem

DEFAULT_RULES = Path("rules") / "example.yaml"


@dataclass(frozen=True)
class Workspace:
    """``root``, the ``rules`` file (checked valid), and the template's functions."""

    root: Path
    rules: Path
    specs: tuple[FunctionSpec, ...]
    compiled: CompiledRules

    @classmethod
    def open(cls, root: Path, rules: Path | None = None) -> Workspace:
        """Raises UsageError when ``root`` is not the repository or the rules are missing or invalid."""
        root = root.resolve()
        template = root / "template.yml"
        if not template.is_file():
            raise UsageError(
                f"no template.yml in {root}: run ossimg from the repository's root (the folder with "
                "template.yml, functions/ and rules/), or name it with --root"
            )
        rules = (rules or root / DEFAULT_RULES).resolve()
        if not rules.is_file():
            raise UsageError(f"no rules file at {rules}: name an existing one with --rules (make … RULES=…)")
        try:
            compiled = load_rules(rules)
        except RuleFileError as exc:
            raise rules_problem(exc) from None
        specs = tuple(load_template(template))
        if not specs:
            raise UsageError(f"{template} declares no function")
        return cls(root, rules, specs, compiled)

    @property
    def spec(self) -> FunctionSpec:
        """on_upload, the function the demo and ``try`` run."""
        return next((s for s in self.specs if s.name == "on_upload"), self.specs[0])

    def show(self, path: Path) -> str:
        """``path`` relative to the root when it is inside it."""
        path = path.resolve()
        return str(path.relative_to(self.root)) if path.is_relative_to(self.root) else str(path)
