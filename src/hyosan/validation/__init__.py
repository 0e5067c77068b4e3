"""Validation: hyosan against published zombie models and an independent engine.

``python -m hyosan.validation [--full] [--out docs/validation]`` runs every case, prints one
pass/fail line per case and writes a figure per case plus ``results.json`` and ``results.md``.
Without ``--full`` each case runs a reduced version (fewer runs, shorter lattices) with
tolerances from its own standard errors; that is what ``tests/test_validation.py`` runs in CI.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from hyosan.errors import HyosanError, suggest
from hyosan.validation.core import Case, CaseResult, Check, Settings, mutation


def cases() -> list[Case]:
    """Every case, in report order (imported lazily: the crosscheck ones need scipy/GillesPy2)."""
    from hyosan.validation import alemi_cases, crosscheck_cases, lattice_cases, munz_cases

    return [*munz_cases.CASES, *alemi_cases.CASES, *lattice_cases.CASES, *crosscheck_cases.CASES]


def case(name: str) -> Case:
    """The case called ``name``."""
    table = {c.name: c for c in cases()}
    if name not in table:
        raise HyosanError("case: " + suggest(name, table, "validation case"))
    return table[name]


def run_cases(
    names: Iterable[str] | None = None,
    full: bool = False,
    out: str | Path | None = None,
    mutant: str | None = None,
    seed: int = 20240601,
) -> list[CaseResult]:
    """Run the named cases (all by default); figures go to ``out`` when given."""
    from hyosan.validation import mutants

    settings = Settings(full=full, out=Path(out) if out is not None else None, seed=seed)
    chosen = cases() if names is None else [case(n) for n in names]
    with mutation(mutants.get(mutant) if mutant else None):
        return [c.run(settings) for c in chosen]


__all__ = ["Case", "CaseResult", "Check", "Settings", "case", "cases", "run_cases"]
