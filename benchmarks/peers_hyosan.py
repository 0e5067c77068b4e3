"""hyosan's side of ``peers.py``: the SIR on Seoul's dongs, coupled by LASER's gravity network.

Configuration, as fair to the agent-based tools as it can be: the built-in ``sir`` model
(``S + I -> 2 I`` at beta S I / N per place, ``I -> R`` at gamma), engine ``tau`` with fixed
daily steps (``dt=1``: a chain binomial, as LASER and Starsim step a day at a time), one run,
NUMBA_NUM_THREADS=1, counts recorded every 10 days in one region. The timing covers building the
scenario's network and the run, kernels compiled beforehand (``warm_up``).

The coupling is chosen by ``--coupling``:

- ``hops`` (:func:`hops_scenario`): people hop along the gravity links, S, I and R alike. Each
  pair of dongs gets out-and-back links carrying half of ``N_i W[i, j] + N_j W[j, i]`` trips a day
  each way (``mobility.trip_links``, as Seoul's commuting layer is built), so the census stays
  where it is on average and everyone travels at about 3/32 trips a day, the share of the force
  of infection that LASER sends along the same network. 425 x 424 = 180,200 links.
- ``contact`` (:func:`contact_scenario`, the default): the force of infection itself crosses
  the links, as LASER and Starsim couple the dongs here (``S@here + I@there -> I@here +
  I@there``), and nobody moves.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from peers_world import BETA, GAMMA, SEED_INFECTED, PeerRun, PeerWorld, timed

import hyosan
from hyosan.errors import HyosanError
from hyosan.models import sir
from hyosan.models.spec import Model, Parameter, Reaction
from hyosan.places import mobility
from hyosan.places.graph import Places

RECORD_EVERY = 10.0
"""Days between recorded counts: the timing is the simulation's, not the recorder's."""


def _dongs(world: PeerWorld) -> dict:
    """The places' common fields: one region, everyone susceptible but the outbreak."""
    infected = np.zeros(world.n, np.int64)
    infected[world.seed_dong] = SEED_INFECTED
    return {
        "names": world.names,
        "area": world.area_km2,
        "counts": {"S": world.population - infected, "I": infected, "R": np.zeros_like(infected)},
        "region": ["seoul"] * world.n,
        "coords": world.xy_km * 1000.0,
    }


def hops_scenario(world: PeerWorld) -> hyosan.Scenario:
    """Coupling as people hopping along every gravity link (see the module's docstring)."""
    n = world.n
    origin, dest = np.nonzero(~np.eye(n, dtype=bool))
    trips = 0.5 * world.population[origin] * world.coupling[origin, dest]
    source, target, per_day = mobility.trip_links(origin, dest, trips, world.population)
    places = Places(
        **_dongs(world),
        link_source=source,
        link_dest=target,
        link_weight=per_day,
        link_group="gravity",
    )
    return hyosan.Scenario(model=sir(beta=BETA, gamma=GAMMA, hop=1.0), places=places)


def contact_model(world: PeerWorld) -> Model:
    """SIR whose force of infection also crosses the gravity links (LASER's form, exactly).

    LASER's force in dong j is ``beta (1 - sum_k W[j, k]) I_j / N_j + beta sum_i W[i, j] I_i /
    N_i``: the infectiousness a dong sends away is lost at home. The local reaction runs at
    ``beta (1 - sum_k W[j, k])``, one value since Seoul's every row sits at LASER's cap (a row
    below it would need per-place rates: refused here rather than approximated).
    """
    rowsum = world.coupling.sum(axis=1)
    if np.ptp(rowsum) > 1e-12 * rowsum.max():
        raise HyosanError("the rows of the coupling differ: one local rate cannot match LASER")
    return Model(
        name="sir-gravity",
        compartments=("S", "I", "R"),
        reactions=(
            Reaction("infect", "S + I -> 2 I", "beta_home"),
            Reaction(
                "infect_across",
                "S@here + I@there -> I@here + I@there",
                "beta",
                groups={"gravity": 1.0},
            ),
            Reaction("recover", "I -> R", "gamma"),
        ),
        parameters={
            "beta": Parameter(BETA, "1/day", "transmission rate"),
            "beta_home": Parameter(BETA * (1.0 - float(rowsum[0])), "1/day", "kept at home"),
            "gamma": Parameter(GAMMA, "1/day", "recovery rate"),
        },
        time_unit="day",
        contact="frequency",
        infectious=("I",),
        population=("S", "I", "R"),
    )


def contact_scenario(world: PeerWorld) -> hyosan.Scenario:
    """Coupling as a force of infection across the gravity links, as LASER and Starsim have it.

    People stay in their dongs (no hops). In dong j a reaction across links reads its out-links
    j -> i with the rate ``beta * w_ji * S_j * I_i / N_j`` (frequency contact scales by the
    people *here*), so the weight ``w_ji = W[i, j] N_j / N_i`` gives LASER's ``beta W[i, j] I_i /
    N_i``. 425 x 424 = 180,200 links.
    """
    n = world.n
    here, there = np.nonzero(~np.eye(n, dtype=bool))
    pop = world.population.astype(np.float64)
    weight = world.coupling[there, here] * pop[here] / pop[there]
    places = Places(
        **_dongs(world),
        link_source=here,
        link_dest=there,
        link_weight=weight,
        link_group="gravity",
    )
    return hyosan.Scenario(model=contact_model(world), places=places)


COUPLINGS: dict[str, Callable[[PeerWorld], hyosan.Scenario]] = {
    "hops": hops_scenario,
    "contact": contact_scenario,
}


def run_hyosan(world: PeerWorld, steps: int, seed: int, coupling: str = "hops") -> PeerRun:
    """One history of ``steps`` days, timed, with its attack rate (share ever infected)."""
    if coupling not in COUPLINGS:
        raise HyosanError(f"{coupling!r}: choose one of {sorted(COUPLINGS)}", key="coupling")

    def history() -> float:
        ds = hyosan.simulate(
            COUPLINGS[coupling](world),
            t_end=float(steps),
            engine="tau",
            runs=1,
            seed=seed,
            dt=1.0,
            record_every=min(RECORD_EVERY, float(steps)),
        )
        susceptible = float(ds["final_susceptible"].values.reshape(-1)[0])
        return 1.0 - susceptible / float(world.population.sum())

    return timed(history)


def warm_up(world: PeerWorld, coupling: str = "hops") -> None:
    """Compile (or load) tau's kernels on a two-day run, outside the timings."""
    run_hyosan(world, 2, seed=0, coupling=coupling)
