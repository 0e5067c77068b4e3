"""What a validation case returns: checks with their tolerance and why, and how models are made.

A :class:`Check` compares one measured number with a reference (a closed form, the paper, an
independent engine) within a stated tolerance; a case passes when all its checks do. Every case
gets its models through :func:`prepared`, so a deliberately broken variant (a *mutant*, see
:mod:`hyosan.validation.mutants`) can be swapped in to show that the checks would catch it.
"""

from __future__ import annotations

import contextlib
import math
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hyosan.models.spec import Model

Z_TOLERANCE = 4.0
"""Standard errors allowed for a stochastic estimate (two-sided false alarm ~ 6e-5)."""
P_THRESHOLD = 1e-3
"""Smallest p-value a two-sample test may give before the samples are called different."""


@dataclass(frozen=True)
class Check:
    """One comparison: ``value`` against ``expected`` under ``rule`` ('close', '<=', '>=')."""

    name: str
    value: float
    expected: float
    tolerance: float = 0.0
    rule: str = "close"
    why: str = ""

    @property
    def passed(self) -> bool:
        if not math.isfinite(self.value):
            return False
        if self.rule == "close":
            return abs(self.value - self.expected) <= self.tolerance
        if self.rule == "<=":
            return self.value <= self.expected + self.tolerance
        if self.rule == ">=":
            return self.value >= self.expected - self.tolerance
        raise ValueError(f"check {self.name!r}: unknown rule {self.rule!r}")

    def describe(self) -> str:
        if self.rule == "close":
            target = f"{_fmt(self.expected)} ± {_fmt(self.tolerance)}"
        else:
            target = f"{self.rule} {_fmt(self.expected)}"
            if self.tolerance:
                target += f" (slack {_fmt(self.tolerance)})"
        return f"{self.name}: {_fmt(self.value)} vs {target}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "value": self.value, "expected": self.expected,
            "tolerance": self.tolerance, "rule": self.rule, "why": self.why,
            "passed": self.passed,
        }  # fmt: skip


def close(name: str, value: float, expected: float, tolerance: float, why: str = "") -> Check:
    """|value - expected| <= tolerance."""
    return Check(name, float(value), float(expected), float(tolerance), "close", why)


def at_most(name: str, value: float, bound: float, why: str = "") -> Check:
    """value <= bound."""
    return Check(name, float(value), float(bound), 0.0, "<=", why)


def at_least(name: str, value: float, bound: float, why: str = "") -> Check:
    """value >= bound."""
    return Check(name, float(value), float(bound), 0.0, ">=", why)


def same_distribution(name: str, p_value: float, why: str = "") -> Check:
    """A two-sample test: pass while its p-value is at least :data:`P_THRESHOLD`."""
    return Check(name, float(p_value), P_THRESHOLD, 0.0, ">=", why or "two-sample test p-value")


@dataclass
class CaseResult:
    """A case's checks, notes (findings that are not pass/fail) and figure."""

    name: str
    title: str
    source: str
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    figure: str | None = None
    seconds: float = 0.0
    skipped: str | None = None

    @property
    def passed(self) -> bool:
        return self.skipped is None and all(check.passed for check in self.checks)

    @property
    def status(self) -> str:
        if self.skipped is not None:
            return "skip"
        return "pass" if self.passed else "FAIL"

    def add(self, *checks: Check) -> None:
        self.checks.extend(checks)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "title": self.title, "source": self.source,
            "status": self.status, "seconds": round(self.seconds, 2), "figure": self.figure,
            "skipped": self.skipped, "checks": [c.as_dict() for c in self.checks],
            "notes": self.notes,
        }  # fmt: skip


@dataclass(frozen=True)
class Settings:
    """How hard to look: ``full`` runs the published sizes, else a reduced CI version."""

    full: bool = False
    out: Path | None = None
    seed: int = 20240601

    def runs(self, reduced: int, full: int) -> int:
        return full if self.full else reduced

    def figure_path(self, name: str) -> Path | None:
        return None if self.out is None else Path(self.out) / f"{name}.png"


@dataclass(frozen=True)
class Case:
    """A named validation case: ``run(settings)`` returns its result."""

    name: str
    title: str
    source: str
    run_case: Callable[[Settings, CaseResult], None]

    def run(self, settings: Settings, catch: bool = False) -> CaseResult:
        """Run the case; with ``catch`` an exception fails the case instead of propagating
        (the command-line runner goes on to the next case)."""
        result = CaseResult(self.name, self.title, self.source)
        started = time.perf_counter()
        try:
            self.run_case(settings, result)
        except Exception:
            if not catch:
                raise
            result.add(Check("the case ran to the end", 0.0, 1.0, 0.0, ">=", "no exception"))
            result.note("error: " + traceback.format_exc(limit=4))
        result.seconds = time.perf_counter() - started
        return result


# --- mutants -------------------------------------------------------------------------------
_MUTATION: list[Callable[[Model], Model]] = []


def prepared(model: Model) -> Model:
    """The model a case should simulate: ``model`` itself, or its mutant while one is active."""
    for mutate in _MUTATION:
        model = mutate(model)
    return model


@contextlib.contextmanager
def mutation(mutate: Callable[[Model], Model] | None) -> Iterator[None]:
    """Run cases with every model passed through ``mutate`` (None: no mutation)."""
    if mutate is None:
        yield
        return
    _MUTATION.append(mutate)
    try:
        yield
    finally:
        _MUTATION.remove(mutate)


def _fmt(x: float) -> str:
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    if abs(x) >= 1e4 or abs(x) < 1e-3:
        return f"{x:.3e}"
    return f"{x:.4g}"
