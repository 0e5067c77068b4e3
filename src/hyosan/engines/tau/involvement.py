"""The adaptive step's bound: per run, the largest rate at which one unit present anywhere takes
part in any event (``tau_involvement``), the largest ``rates.place_involvement``."""

from __future__ import annotations

import numba as nb
import numpy as np

from hyosan.engines.tau.arrays import GAP, PreparedNetwork
from hyosan.engines.tau.rates import place_involvement
from hyosan.engines.tau.schedule import LeapSchedule
from hyosan.engines.tau.sweep import PARALLEL
from hyosan.engines.tau.tables import network_arrays, prepare_network

INVOLVEMENT_PIECE = 1024
"""Fewest places per parallel piece of work of ``tau_involvement``."""


@nb.njit(cache=True, parallel=PARALLEL, _nrt=False)
def involvement_bounds(counts, model, tables, scratch, piece_bounds, no_pull, known):
    """Per run and piece of its places, the largest ``place_involvement`` (into
    ``piece_bounds``, (runs, pieces); ``scratch``: a row per piece and run, each of at least
    ``GAP`` + species elements, the first ``GAP`` unused). Where a run's schedule is ``known``
    to match its counts, places it marks as feeling no pull skip their biased hops, whose rates
    are then zero: a fallen city's idle zombies everywhere.

    In parallel, and without reference counting: a counted function takes a reference to
    every array it reads out of ``model`` and ``tables``, at every place, two atomic
    operations each (most of this loop's time in a city)."""
    runs, n_places = counts.shape[0], counts.shape[1]
    n_pieces = piece_bounds.shape[1]
    for item_ in nb.prange(runs * n_pieces):
        item = np.int64(item_)
        k, piece = item // n_pieces, item % n_pieces
        bound = 0.0
        for i in range(piece * n_places // n_pieces, (piece + 1) * n_places // n_pieces):
            idle = known[k] and no_pull[k, i]
            bound = max(
                bound, place_involvement(i, counts[k], scratch[item, GAP:], model, tables, idle)
            )
        piece_bounds[k, piece] = bound


def tau_involvement(
    counts: np.ndarray,
    *kernel_args: np.ndarray,
    prepared: PreparedNetwork | None = None,
    schedule: LeapSchedule | None = None,
    step: np.ndarray | None = None,
) -> np.ndarray:
    """Per run, the largest per-unit rate of taking part in any event, in the current state.

    An adaptive step ``accuracy / bound`` keeps every unit's expected events per step below
    ``accuracy``: where the fast reactions have no partners left (a city with no humans left,
    a school before the first bite) the step grows; where they meet it shrinks.
    ``kernel_args``: ``CompiledNetwork.kernel_args()``, spread; ``prepared``: what
    ``tau_prepare`` gave for them. ``schedule`` and ``step`` (per run, the next step): the
    schedule ``tau_advance`` left, whose marks of places that feel no pull spare looking at
    their neighbours while it still holds.
    """
    runs, n_places, n_species = counts.shape
    if prepared is None:
        arrays = network_arrays(*kernel_args)
        if schedule is None:
            prepared = prepare_network(n_species, arrays)
        else:
            prepared = schedule.prepare(n_species, arrays)
    if schedule is None or step is None:
        no_pull, known = np.zeros((runs, n_places), np.bool_), np.zeros(runs, np.bool_)
    else:
        no_pull = schedule.no_pull
        known = np.isfinite(schedule.dt) & (schedule.next_step == step)
        known &= schedule.drawn_for(prepared)
    n_pieces = max(min(n_places // INVOLVEMENT_PIECE, 4 * nb.get_num_threads()), 1)
    piece_bounds = np.empty((runs, n_pieces), np.float64)
    scratch = np.empty((runs * n_pieces, GAP + n_species), np.float64)  # rows apart (``GAP``)
    involvement_bounds(
        counts, prepared.model, prepared.tables, scratch, piece_bounds, no_pull, known
    )
    return piece_bounds.max(axis=1)
