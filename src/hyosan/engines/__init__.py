"""Engines: one compiled network, several ways to run it. None holds model-specific code.

Each engine owns the state ``(runs, places, species)`` and advances it from t0 to t1 in one call;
``simulate`` calls it chunk by chunk, recording and applying interventions in between.
"""

from __future__ import annotations

import numpy as np

from hyosan.engines.base import Cohorts, Engine
from hyosan.engines.ode import OdeEngine
from hyosan.engines.ssa import SsaEngine
from hyosan.engines.tau.engine import TauEngine
from hyosan.errors import HyosanError
from hyosan.network.compiled import CompiledNetwork

ENGINES = ("tau", "ssa", "ode")
"""The engines by name: what `simulate(engine=...)`, `--engine` and the file schema accept."""


def make_engine(
    name: str,
    net: CompiledNetwork,
    runs: int,
    keys: np.ndarray,
    dt: float | None = None,
    accuracy: float | None = None,
) -> SsaEngine | TauEngine | OdeEngine:
    """The engine called ``name`` for this network and ensemble (``accuracy``: adaptive tau)."""
    if name == "ssa":
        return SsaEngine(net, runs, keys)
    if name == "tau":
        if dt is None:
            raise HyosanError("engine 'tau' needs dt")
        return TauEngine(net, runs, keys, dt, accuracy)
    if name == "ode":
        return OdeEngine(net, runs)
    from hyosan.errors import suggest

    raise HyosanError("engine: " + suggest(name, ENGINES, "engine"))


__all__ = ["ENGINES", "Cohorts", "Engine", "OdeEngine", "SsaEngine", "TauEngine", "make_engine"]
