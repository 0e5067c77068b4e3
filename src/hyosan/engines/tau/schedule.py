"""What the tau kernel keeps from one call to the next: each run's schedule of visits, the
networks it was drawn for, and the kernel's scratch."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from hyosan.engines.tau.arrays import (
    ItemBuffers,
    PreparedNetwork,
    RunScratch,
    VisitPlan,
    run_scratch,
    work_buffers,
)
from hyosan.engines.tau.tables import PreparedNetworks
from hyosan.network import NetworkArrays

_PER_RUN = ("wake", "no_pull", "until", "leapt", "dt", "next_step", "network")


class KernelScratch(NamedTuple):
    """The kernel's scratch, and what it was allocated for."""

    network: PreparedNetwork
    by_place: bool
    n_work: int
    local: ItemBuffers
    shared: RunScratch


class LeapSchedule:
    """Each run's schedule of visits (``wake.next_wake``), kept from one ``tau_advance`` call to
    the next so that a history does not depend on how it is cut into calls. It holds for the
    step size, first step and network it was drawn for; ``forget`` marks runs whose counts were
    changed outside the kernel (an intervention), and any other mismatch redraws it. With it,
    for worlds with biased hops, the places known to feel no pull (nothing next door attracts
    their biased units; cleared when attractors come next door, see ``leap.nudge_if_first``);
    and when each place's leap over several steps ends (adaptive steps; -inf when none), and
    whether any call leapt over several steps (if not, none of those ends is read).

    It owns the kernels' view of the last few networks (``prepare``; a part from ``take``
    shares it) and the kernel's scratch (``scratch``)."""

    def __init__(self, runs: int, n_places: int, networks: PreparedNetworks | None = None) -> None:
        self.wake = np.zeros((runs, n_places), np.int64)
        self.no_pull = np.zeros((runs, n_places), np.bool_)
        self.until = np.full((runs, n_places), -np.inf)
        self.leapt = np.zeros(runs, np.bool_)
        self.dt = np.full(runs, np.nan)
        self.next_step = np.full(runs, -1, np.int64)
        self.network = np.full(runs, None, object)  # the PreparedNetwork each run's was drawn for
        self.networks = PreparedNetworks() if networks is None else networks
        self._scratch: KernelScratch | None = None

    def prepare(self, n_species: int, arrays: NetworkArrays) -> PreparedNetwork:
        """The kernels' view of ``arrays``: the same object for the same network, so that the
        schedule knows it was drawn for it."""
        return self.networks.get(n_species, arrays)

    def drawn_for(self, prepared: PreparedNetwork) -> np.ndarray:
        """Per run, whether its schedule was drawn for this network."""
        return np.fromiter((n is prepared for n in self.network), np.bool_, len(self.network))

    def plan(self) -> VisitPlan:
        """The schedules as the kernel takes them."""
        return VisitPlan(self.wake, self.no_pull, self.until)

    def forget(self, runs: slice | np.ndarray | int = slice(None)) -> None:
        """Draw these runs' schedules anew at the next call."""
        self.dt[runs] = np.nan
        self._scratch = None

    def scratch(
        self, prepared: PreparedNetwork, by_place: bool, n_work: int
    ) -> tuple[ItemBuffers, RunScratch]:
        """The kernel's scratch (``arrays.work_buffers``, ``arrays.run_scratch``), kept from the
        last call when it fits: a city's is megabytes to allocate and clear every few steps, and
        a call that ends normally leaves it as it found it (departures gathered, flags
        cleared)."""
        kept = self._scratch
        if kept is None or not (
            kept.network is prepared and kept.by_place == by_place and kept.n_work == n_work
        ):
            model, tables = prepared.model, prepared.tables
            n_places, n_species = self.wake.shape[1], tables.hop_column.shape[0]
            local = work_buffers(
                n_work, n_species, model.order.shape[0], tables.n_weights, tables.block
            )
            shared = run_scratch(
                1 if by_place else n_work, n_places, model.link_dest.shape[0], n_species,
                tables.hop_species.shape[0], tables.n_blocks,
            )  # fmt: skip
            kept = self._scratch = KernelScratch(prepared, by_place, n_work, local, shared)
        return kept.local, kept.shared

    def take(self, runs: np.ndarray) -> LeapSchedule:
        """A copy for some runs (``put`` writes it back), sharing the networks' views."""
        part = LeapSchedule(0, 0, self.networks)
        for name in _PER_RUN:
            setattr(part, name, np.ascontiguousarray(getattr(self, name)[runs]))
        return part

    def put(self, runs: np.ndarray, part: LeapSchedule) -> None:
        for name in _PER_RUN:
            getattr(self, name)[runs] = getattr(part, name)
