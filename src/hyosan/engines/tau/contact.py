"""Leaps of reactions across links: each step, every run's neighbour fields from its counts at
the start of the step, folded into per-place rates of a network where those reactions are local.

A reaction across links in place i, rate k, with field F_i (``network.contact``), is over one step
a reaction of its '@here' units alone at rate k * F_i / scale_i (the field frozen at the step's
start, as a leap freezes every propensity). So the kernels run unchanged: this module gives them
that network, one run and one step at a time (fixed steps; draws stay keyed by (run, step,
place), so histories do not depend on the number of threads). Networks without such reactions
never come here.
"""

from __future__ import annotations

import numpy as np

from hyosan.network.compiled import SCALE_AREA, CompiledNetwork, NetworkArrays
from hyosan.network.contact import neighbour_fields


class LocalContact:
    """A network with reactions across links, as local networks of given neighbour fields."""

    def __init__(self, net: CompiledNetwork) -> None:
        self.net = net
        n_species = net.n_species
        last = net.reactant_species[np.arange(net.n_reactions), np.maximum(net.order - 1, 0)]
        self.across = np.flatnonzero((net.order > 0) & (last >= n_species))
        self.field_of = (last[self.across] - n_species).astype(np.int64)
        order = net.order.copy()
        order[self.across] -= 1
        units = net.reactant_species.copy()
        units[self.across, order[self.across]] = -1
        self.order, self.units = order, units
        self.link_dest = net.link_dest.astype(np.int64)

    def arrays(self, counts: np.ndarray) -> NetworkArrays:
        """The kernels' arrays for one run's counts (P, S): per-place rates with its fields."""
        net = self.net
        fields = neighbour_fields(counts, net.contact, net.out_ptr, self.link_dest)
        if net.scale_mode == SCALE_AREA:
            scale = net.area
        else:
            scale = np.maximum(counts[:, net.pop_mask.astype(bool)].sum(axis=1), 1.0)
        rate = np.array(np.broadcast_to(net.rate, (net.n_places, net.n_reactions)), np.float64)
        rate[:, self.across] *= fields[:, self.field_of] / scale[:, None]
        return net.kernel_args()._replace(rate=rate, order=self.order, reactant_species=self.units)


def advance_across(engine, state, index, steps, t1, net: CompiledNetwork) -> None:
    """Fixed steps of ``engine.dt`` to ``t1`` for the runs ``index`` (``state``: their counts),
    each run's fields taken afresh at the start of every step."""
    from hyosan.engines.tau.advance import tau_advance

    local = LocalContact(net)
    n_steps = np.maximum(round(t1 / engine.dt) - steps, 0)
    keys = engine.keys[index]
    for k in range(len(state)):
        one = state[k : k + 1]
        for step in range(int(steps[k]), int(steps[k] + n_steps[k])):
            args = local.arrays(one[0])
            engine.clamps[np.arange(len(engine.keys))[index][k]] += tau_advance(
                one, keys[k : k + 1], step, 1, engine.dt, *args
            )[0]
    engine.steps_done[index] = steps + n_steps
