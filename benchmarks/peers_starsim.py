"""Starsim's side of ``peers.py``: its standard SIR, coupled through the dongs by a Route.

Starsim couples groups of agents with ``ss.MixingPools``, one ``MixingPool`` per (source, target)
pair, each keeping a per-agent array: 425 x 425 pools of 9.6 million agents do not fit in memory.
So the coupling is a small ``ss.Route`` (:class:`GravityRoute`), the interface Starsim's own mixing
pools implement: each step it gives every susceptible agent of dong j the probability
``1 - exp(-lambda_j)`` with LASER's force of infection
``lambda_j = (1 - sum_k W[j, k]) b I_j / N_j + sum_i W[i, j] b I_i / N_i`` and draws them with one
``ss.bernoulli`` (Starsim's random streams).

The disease is ``ss.SIR`` unchanged: ``beta = ss.perday(0.25)``, ``dur_inf = ss.expon(scale =
ss.days(10))`` (recovery at the first daily step past it), ``p_death = 0``, ``init_prev = 0``, then
10 agents of the outbreak's dong infected at the start. ``ss.Sim``: one agent a person
(``n_agents`` = the census), ``start = ss.days(0)``, ``dt = ss.days(1)``, ``steps`` days, no
demographics, ``people_results = False`` (no per-step people counts, which the run does not
need), silent.
Starsim runs on one core (numpy; its few numba helpers are not parallel).
"""

from __future__ import annotations

import os

import numpy as np
from peers_world import BETA, GAMMA, SEED_INFECTED, PeerRun, PeerWorld, timed


def available() -> bool:
    """Whether starsim is installed (the ``bench`` extra)."""
    import importlib.util

    return importlib.util.find_spec("starsim") is not None


def _route_class():
    """``GravityRoute``, defined on first use so that importing this module needs no Starsim."""
    import starsim as ss

    class GravityRoute(ss.Route):
        """Force of infection between dongs through LASER's gravity network (see the module)."""

        def __init__(self, world: PeerWorld, **kwargs):
            super().__init__(**kwargs)
            self.dong = np.repeat(np.arange(world.n), world.population)  # agent uid -> dong
            self.people_of_dong = world.population.astype(np.float64)
            # M[i, j]: share of dong i's force felt in dong j (LASER's TransmissionSI)
            self.mixing = world.coupling + np.diag(1.0 - world.coupling.sum(axis=1))
            self.p_acquire = ss.bernoulli(p=0.0)

        def step(self):
            """Nothing moves between steps: the dongs' people are fixed."""

        def compute_transmission(self, rel_sus, rel_trans, disease_beta, disease=None):
            rate = -np.log1p(-disease_beta)  # ss.perday(b).to_prob(1 day) = 1 - exp(-b)
            n = len(self.dong)
            infectious = np.bincount(self.dong, rel_trans.raw[:n], minlength=len(self.mixing))
            force = (rate * infectious / self.people_of_dong) @ self.mixing
            susceptible = disease.susceptible.uids
            self.p_acquire.set(p=-np.expm1(-force[self.dong[susceptible]]))
            return self.p_acquire.filter(susceptible)

    return GravityRoute


def _sim(world: PeerWorld, steps: int, seed: int):
    os.environ.setdefault("STARSIM_INSTALL_FONTS", "0")  # no font cache rebuilt in a timing
    import starsim as ss

    sir = ss.SIR(
        beta=ss.perday(BETA),
        dur_inf=ss.expon(scale=ss.days(1.0 / GAMMA)),
        p_death=0.0,
        init_prev=0.0,
    )
    sim = ss.Sim(
        n_agents=int(world.population.sum()),
        diseases=sir,
        networks=_route_class()(world, name="gravity"),
        start=ss.days(0),
        dur=ss.days(steps),
        dt=ss.days(1),
        rand_seed=seed,
        people_results=False,
        verbose=0,
    )
    sim.init()
    sir = sim.diseases.sir  # the Sim's own copy of the module
    first = int(world.population[: world.seed_dong].sum())
    sir.set_prognoses(ss.uids(np.arange(first, first + SEED_INFECTED)))
    return sim, sir


def run_starsim(world: PeerWorld, steps: int, seed: int) -> PeerRun:
    """One history of ``steps`` daily steps, timed, with its attack rate."""

    def history() -> float:
        sim, sir = _sim(world, steps, seed)
        sim.run()
        people = int(world.population.sum())
        return 1.0 - np.count_nonzero(sir.susceptible.raw[:people]) / people

    return timed(history)


def warm_up(world: PeerWorld) -> None:
    """Import Starsim and compile its helpers on a two-day run, outside the timings."""
    run_starsim(world, 2, seed=0)
