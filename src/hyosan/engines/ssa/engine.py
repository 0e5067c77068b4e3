"""``SsaEngine``: the exact engine as the run loop sees it."""

from __future__ import annotations

import numpy as np

from hyosan.engines.base import Cohorts, Engine
from hyosan.network.compiled import CompiledNetwork


class SsaEngine(Engine):
    """Exact next-subvolume simulation; every run has its own random stream."""

    name = "ssa"

    def __init__(self, net: CompiledNetwork, runs: int, keys: np.ndarray) -> None:
        self.net = net
        self.state = np.repeat(net.initial[None], runs, axis=0).astype(np.int32)
        self.rng_state = np.asarray(keys, np.uint64).reshape(runs, 1).copy()
        self.events = np.zeros(runs, np.int64)

    def advance(self, t0: float, t1: float, cohorts: Cohorts | None = None) -> None:
        from hyosan.engines.ssa.advance import ssa_advance

        if t1 <= t0:
            return
        for runs, net in cohorts or [(None, self.net)]:
            if runs is None or len(runs) == len(self.state):
                self.events += ssa_advance(
                    self.state, self.rng_state, float(t0), float(t1), net.kernel_args(),
                    net.contact_args(),
                )  # fmt: skip
                continue
            state, rng = self.state[runs], self.rng_state[runs]
            self.events[runs] += ssa_advance(
                state, rng, float(t0), float(t1), net.kernel_args(), net.contact_args()
            )
            self.state[runs], self.rng_state[runs] = state, rng

    def state_edited(self, run: int) -> None:
        """Counts of ``run`` were changed between calls: nothing to redo (each call starts from
        the counts)."""

    def counters(self) -> dict[str, np.ndarray]:
        return {"events": self.events}
