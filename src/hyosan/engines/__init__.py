"""Engines: one compiled network, several ways to run it. None holds model-specific code.

Each engine owns the state ``(runs, places, species)`` and advances it from t0 to t1 in one call;
``simulate`` calls it chunk by chunk, recording and applying interventions in between.
"""

from __future__ import annotations

import numpy as np

from hyosan.engines.base import Cohorts, Engine
from hyosan.engines.ode import OdeEngine
from hyosan.engines.tau.engine import TauEngine
from hyosan.errors import HyosanError
from hyosan.network.compiled import CompiledNetwork

ENGINES = ("tau", "ssa", "ode")

class SsaEngine(Engine):
    """Exact next-subvolume simulation; every run has its own random stream."""

    name = "ssa"

    def __init__(self, net: CompiledNetwork, runs: int, keys: np.ndarray) -> None:
        self.net = net
        self.state = np.repeat(net.initial[None], runs, axis=0).astype(np.int32)
        self.rng_state = np.asarray(keys, np.uint64).reshape(runs, 1).copy()
        self.events = np.zeros(runs, np.int64)

    def advance(self, t0: float, t1: float, cohorts: Cohorts | None = None) -> None:
        from hyosan.engines.ssa import ssa_advance

        if t1 <= t0:
            return
        for runs, net in cohorts or [(None, self.net)]:
            if runs is None or len(runs) == len(self.state):
                self.events += ssa_advance(
                    self.state, self.rng_state, float(t0), float(t1), *net.kernel_args()
                )
                continue
            state, rng = self.state[runs], self.rng_state[runs]
            self.events[runs] += ssa_advance(state, rng, float(t0), float(t1), *net.kernel_args())
            self.state[runs], self.rng_state[runs] = state, rng

    def state_edited(self, run: int) -> None:
        """Counts of ``run`` were changed between calls: nothing to redo (each call starts from
        the counts)."""

    def counters(self) -> dict[str, np.ndarray]:
        return {"events": self.events}


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
