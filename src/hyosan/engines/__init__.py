"""Engines: one compiled network, several ways to run it. None holds model-specific code.

Each engine owns the state ``(runs, places, species)`` and advances it from t0 to t1 in one call;
``simulate`` calls it chunk by chunk, recording and applying interventions in between.
"""

from __future__ import annotations

import numpy as np

from hyosan.compiled import CompiledNetwork
from hyosan.engines.ode import OdeEngine
from hyosan.errors import HyosanError

ENGINES = ("tau", "ssa", "ode")
Cohorts = list[tuple[np.ndarray | None, CompiledNetwork]]
"""Groups of runs that share one set of arrays (runs whose interventions differ split apart)."""


class SsaEngine:
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

    def counters(self) -> dict[str, np.ndarray]:
        return {"events": self.events}


class TauEngine:
    """Chain-binomial leaps of fixed step ``dt``; draws keyed by (run, step, place)."""

    name = "tau"

    def __init__(self, net: CompiledNetwork, runs: int, keys: np.ndarray, dt: float) -> None:
        if not dt > 0:
            raise HyosanError(f"dt must be positive, got {dt}")
        self.net = net
        self.dt = float(dt)
        self.state = np.repeat(net.initial[None], runs, axis=0).astype(np.int32)
        self.keys = np.asarray(keys, np.uint64).reshape(runs).copy()
        self.steps_done = 0
        self.clamps = np.zeros(runs, np.int64)

    def advance(self, t0: float, t1: float, cohorts: Cohorts | None = None) -> None:
        from hyosan.engines.tau import tau_advance

        target = round(t1 / self.dt)
        n_steps = target - self.steps_done
        if n_steps <= 0:
            return
        step0 = np.int64(self.steps_done)
        for runs, net in cohorts or [(None, self.net)]:
            if runs is None or len(runs) == len(self.state):
                self.clamps += tau_advance(
                    self.state, self.keys, step0, np.int64(n_steps), self.dt, *net.kernel_args()
                )
                continue
            state = self.state[runs]
            self.clamps[runs] += tau_advance(
                state, self.keys[runs], step0, np.int64(n_steps), self.dt, *net.kernel_args()
            )
            self.state[runs] = state
        self.steps_done = target

    def counters(self) -> dict[str, np.ndarray]:
        return {"clamps": self.clamps}


def make_engine(
    name: str, net: CompiledNetwork, runs: int, keys: np.ndarray, dt: float | None = None
) -> SsaEngine | TauEngine | OdeEngine:
    """The engine called ``name`` for this network and ensemble."""
    if name == "ssa":
        return SsaEngine(net, runs, keys)
    if name == "tau":
        if dt is None:
            raise HyosanError("engine 'tau' needs dt")
        return TauEngine(net, runs, keys, dt)
    if name == "ode":
        return OdeEngine(net, runs)
    from hyosan.errors import suggest

    raise HyosanError("engine: " + suggest(name, ENGINES, "engine"))


__all__ = ["ENGINES", "OdeEngine", "SsaEngine", "TauEngine", "make_engine"]
