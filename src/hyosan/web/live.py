"""One history run live, a frame at a time, with interventions added while it runs.

The loop is ``hyosan.simulate``'s, stopping at each record time: the same tau step, the same
chunk boundaries (records, intervention times, trigger checks), the same random keys. An
intervention added at the current time joins the plan as the last one, which is where the
download lists it, so ``hyosan run`` on the download reproduces this history count for count
(``tests/test_web.py`` checks it).
"""

from __future__ import annotations

import dataclasses
import heapq
import math
from typing import Any

import numpy as np

from hyosan.engines import make_engine
from hyosan.interventions import InterventionPlan
from hyosan.run.options import resolve_options
from hyosan.run.simulate import aggregate_regions, choose_dt, run_keys


class LiveRun:
    """Advances one run of ``scenario`` from record time to record time."""

    def __init__(self, scenario: Any, settings: Any, seed: int) -> None:
        options = resolve_options(
            scenario.extra.get("simulate"),
            t_end=settings.t_end,
            default_t_end=scenario.t_end,
            engine=settings.engine,
            dt=settings.dt,
            accuracy=settings.accuracy,
            record_every=settings.record_every,
            check_every=settings.check_every,
        )
        self.scenario = scenario
        self.seed = int(seed)
        self.t_end = options.t_end
        self.net = scenario.compile()
        engine, dt, accuracy = options.engine, options.dt, options.accuracy
        record_every = options.record_every or self.t_end / 100
        adaptive = accuracy is not None
        if engine != "tau":
            dt = None
        else:
            if adaptive:
                dt = record_every if dt is None else float(dt)
            dt = choose_dt(self.net, record_every) if dt is None else float(dt)
            if dt > record_every and not adaptive:
                record_every = dt
        self.grid = dt if engine == "tau" and not adaptive else None
        times = np.arange(0.0, self.t_end + 1e-9 * self.t_end, record_every)
        if times[-1] < self.t_end * (1 - 1e-12):
            times = np.append(times, self.t_end)
        if self.grid is not None:
            times = np.unique(np.minimum(np.ceil(times / dt - 1e-9) * dt, self.t_end))
        self.record_times = times
        self._records = set(np.round(times, 9).tolist())
        self.engine = make_engine(engine, self.net, 1, run_keys(self.seed, 1), dt, accuracy)
        self.check_every = (
            options.check_every
            if options.check_every is not None
            else (dt if self.grid is not None else record_every / 10)
        )
        self.plan = InterventionPlan(scenario, self.net, 1, self.seed)
        self.heap: list[float] = []
        self.t = 0.0
        self.frame = 0
        for t in times[1:]:
            self._push(float(t))
        for t in self.plan.fixed_times():
            self._push(float(t))
        self._checks = False
        self._add_checks()
        self._at_record()

    # ------------------------------------------------------------------------------------------
    def _push(self, t: float) -> None:
        if self.grid is not None:
            t = math.ceil(t / self.grid - 1e-9) * self.grid
        if t <= self.t_end + 1e-12:
            heapq.heappush(self.heap, min(t, self.t_end))

    def _add_checks(self) -> None:
        """Trigger and ramp checks, on the same grid ``simulate`` lays from t=0."""
        if self._checks or not (self.plan.has_triggers or self.plan.has_ramps):
            return
        self._checks = True
        for t in np.arange(self.check_every, self.t_end, self.check_every):
            if t > self.t + 1e-12:
                self._push(float(t))

    def _apply_plan(self) -> None:
        if self.plan.items:
            counts = (
                aggregate_regions(self.net, self.engine.counts())
                if self.plan.has_triggers
                else None
            )
            for extra in self.plan.step(self.t, self.engine, counts):
                self._push(extra)

    def _at_record(self) -> None:
        self._apply_plan()

    @property
    def done(self) -> bool:
        return not self.heap or self.t >= self.t_end - 1e-12

    def advance_frame(self) -> bool:
        """Run on to the next record time; False when the run has ended."""
        while not self.done:
            t_next = heapq.heappop(self.heap)
            while self.heap and (self.heap[0] <= t_next + 1e-12 or t_next <= self.t + 1e-12):
                t_next = max(t_next, heapq.heappop(self.heap))
            if t_next <= self.t + 1e-12:
                return False
            cohorts = self.plan.cohorts(self.t) if self.plan.items else None
            self.engine.advance(self.t, t_next, cohorts)
            self.t = t_next
            self._apply_plan()
            if round(self.t, 9) in self._records:
                self.frame += 1
                return True
        return False

    def add_interventions(self, items: list[Any]) -> None:
        """Add interventions at the current time: the plan is rebuilt with them last, and what
        the earlier ones did so far is carried over."""
        old = self.plan
        scenario = dataclasses.replace(
            self.scenario, interventions=[*self.scenario.interventions, *items]
        )
        plan = InterventionPlan(scenario, self.net, 1, self.seed)
        n = len(old.items)
        for before, after in zip(old.timelines, plan.timelines, strict=True):
            for k in range(n):
                after.scheduled[k] = before.scheduled[k]
                after.started[k] = before.started[k]
                after.ended[k] = before.ended[k]
            after.fired = list(before.fired)
        self.scenario, self.plan = scenario, plan
        for t in plan.fixed_times()[len(old.fixed_times()) :]:
            if t > self.t + 1e-12:
                self._push(t)
        self._add_checks()
        self._apply_plan()  # what starts now starts before the next step, as in simulate

    # ------------------------------------------------------------------------------------------
    def region_counts(self) -> np.ndarray:
        """Counts by (region, reported compartment) now."""
        return aggregate_regions(self.net, self.engine.counts())[0]

    def place_counts(self) -> np.ndarray:
        """Counts by (place, reported compartment) now, int64."""
        labels = self.net.labels
        state = self.engine.counts()[0]
        out = np.zeros((state.shape[0], len(labels.reported)), np.int64)
        for s in range(state.shape[1]):
            out[:, labels.reported_index[s]] += state[:, s]
        return out
