"""The tau engine: the ensemble's counts, keys and schedules, advanced by ``tau_advance`` in
fixed steps or in steps each run chooses from its own state (``tau_involvement``)."""

from __future__ import annotations

import numpy as np

from hyosan.engines.base import Cohorts, Engine
from hyosan.engines.tau.advance import tau_advance
from hyosan.engines.tau.involvement import tau_involvement
from hyosan.engines.tau.schedule import LeapSchedule
from hyosan.errors import HyosanError
from hyosan.network.compiled import CompiledNetwork


class TauEngine(Engine):
    """Chain-binomial leaps; draws keyed by (run, step, place).

    Fixed steps of ``dt``, or, with ``accuracy``, adaptive ones: each run chooses its own step
    from its own state every ``ADAPT_EVERY`` steps (``accuracy`` over the largest per-unit event
    rate, see ``tau_involvement``; at most ``dt``), so a run's history never depends on the
    others in its batch. A network with reactions across links takes fixed steps of ``dt``
    (``tau.contact``).
    """

    name = "tau"
    ADAPT_EVERY = 16
    KEEP_STEP = 0.8

    def __init__(
        self,
        net: CompiledNetwork,
        runs: int,
        keys: np.ndarray,
        dt: float,
        accuracy: float | None = None,
    ) -> None:
        if not dt > 0:
            raise HyosanError(f"dt must be positive, got {dt}")
        if accuracy is not None and not accuracy > 0:
            raise HyosanError(f"accuracy must be positive, got {accuracy}")
        self.net = net
        self.dt = float(dt)
        self.accuracy = accuracy
        self.state = np.repeat(net.initial[None], runs, axis=0).astype(np.int32)
        self.keys = np.asarray(keys, np.uint64).reshape(runs).copy()
        self.steps_done = np.zeros(runs, np.int64)
        self.clamps = np.zeros(runs, np.int64)
        self.schedule = LeapSchedule(runs, net.n_places)

    def state_edited(self, run: int) -> None:
        """Counts of ``run`` were changed between calls (an intervention): its places' next
        visits no longer hold."""
        self.schedule.forget(run)

    def advance(self, t0: float, t1: float, cohorts: Cohorts | None = None) -> None:
        if t1 <= t0:
            return
        for runs, net in cohorts or [(None, self.net)]:
            whole = runs is None or len(runs) == len(self.state)
            index = slice(None) if whole else runs
            state = self.state if whole else self.state[runs]
            schedule = self.schedule if whole else self.schedule.take(runs)
            steps = self.steps_done[index]
            if net.has_contact:  # reactions across links: fixed steps, fields step by step
                from hyosan.engines.tau.contact import advance_across

                advance_across(self, state, index, steps, t1, net)
            elif self.accuracy is None:
                self._fixed(state, index, steps, t0, t1, net, schedule)
            else:
                self._adaptive(state, index, steps, t0, t1, net, schedule)
            if not whole:
                self.state[runs] = state
                self.schedule.put(runs, schedule)

    def _fixed(self, state, index, steps, t0, t1, net, schedule) -> None:
        n_steps = np.maximum(round(t1 / self.dt) - steps, 0)
        if not np.any(n_steps):
            return
        self.clamps[index] += tau_advance(
            state, self.keys[index], steps, n_steps, self.dt, *net.kernel_args(), schedule=schedule
        )
        self.steps_done[index] = steps + n_steps

    def _adaptive(self, state, index, steps, t0, t1, net, schedule) -> None:
        args = net.kernel_args()
        prepared = schedule.prepare(state.shape[2], args)
        keys = self.keys[index]
        steps = steps.copy()
        now = np.full(len(state), float(t0))
        last_dt = np.where(schedule.next_step == steps, schedule.dt, np.inf)
        while True:
            left = t1 - now
            going = left > 1e-12 * max(abs(t1), 1.0)
            if not np.any(going):
                break
            bound = tau_involvement(state, *args, prepared=prepared, schedule=schedule, step=steps)
            wanted = np.minimum(self.dt, self.accuracy / np.maximum(bound, 1e-300))
            needed = np.ceil(left / wanted - 1e-9).astype(np.int64)
            dt = np.where(going, left / np.maximum(needed, 1), 0.0)
            # Keep the last step while it fits, is not much shorter than needed and divides
            # what is left: a new step size makes every place draw its next visit anew.
            fits = (last_dt <= wanted) & (last_dt >= self.KEEP_STEP * wanted)
            step = np.where(fits, last_dt, 1.0)
            whole = np.rint(left / step)
            keep = fits & (np.abs(whole * step - left) <= 1e-9 * left)
            dt = np.where(keep & going, last_dt, dt)
            needed = np.where(keep, whole.astype(np.int64), needed)
            n_steps = np.where(going, np.minimum(np.maximum(needed, 1), self.ADAPT_EVERY), 0)
            self.clamps[index] += tau_advance(
                state, keys, steps, n_steps, dt, *args, schedule=schedule,
                accuracy=self.accuracy, longest=self.dt, time0=now, prepared=prepared,
            )  # fmt: skip
            steps += n_steps
            now = np.where(n_steps >= needed, t1, now + n_steps * dt)
            last_dt = np.where(n_steps > 0, dt, last_dt)
        self.steps_done[index] = steps

    def counters(self) -> dict[str, np.ndarray]:
        return {"clamps": self.clamps, "steps": self.steps_done.copy()}
