"""LASER's side of ``peers.py``: ``laser-generic``'s SIR (``pip install -e ".[bench]"``).

Configured as LASER's own SIR tutorial does (``04_SIR_nobirths_outbreak_size``): a
``laser.generic.Model`` over a scenario table (one row a dong: population, S, I, R and a point
geometry at the dong's centroid in longitude/latitude), params ``beta`` = 0.25 (per daily tick),
``nticks`` = steps and a seed, components ``SIR.Susceptible``, ``SIR.Recovered``,
``SIR.Infectious`` and ``SIR.Transmission`` with ``dists.exponential(scale=10)`` infectious periods
(rounded to whole days, at least 1). One agent a person; no births or deaths.

Coupling: ``Model`` builds its gravity network from the centroids with its defaults (the form
``peers_world`` writes out); it is then replaced by ``world.coupling`` so that every tool runs the
very same matrix (the two differ by great-circle against projected distances only:
``network_difference`` measures it). Each tick ``TransmissionSI`` moves a share ``W[i, j]`` of
dong i's force ``beta I_i / N_i`` to dong j and infects each susceptible agent with probability
``1 - exp(-force)``. NUMBA_NUM_THREADS=1 (``peers.py`` sets one thread for numba).
"""

from __future__ import annotations

import numpy as np
from peers_world import BETA, GAMMA, SEED_INFECTED, PeerRun, PeerWorld, timed


def available() -> bool:
    """Whether laser-generic is installed (the ``bench`` extra)."""
    import importlib.util

    return importlib.util.find_spec("laser") is not None and (
        importlib.util.find_spec("laser.generic") is not None
    )


def _scenario(world: PeerWorld):
    import geopandas as gpd
    from shapely import points

    from hyosan.places import census

    lon, lat = census.xy_to_lonlat(world.xy_km[:, 0] * 1000.0, world.xy_km[:, 1] * 1000.0)
    infected = np.zeros(world.n, np.int64)
    infected[world.seed_dong] = SEED_INFECTED
    return gpd.GeoDataFrame(
        {
            "nodeid": np.arange(world.n),
            "population": world.population,
            "S": world.population - infected,
            "I": infected,
            "R": np.zeros(world.n, np.int64),
        },
        geometry=points(np.column_stack([lon, lat])),
        crs="EPSG:4326",
    )


def _model(world: PeerWorld, steps: int, seed: int):
    import laser.core.distributions as dists
    from laser.core.propertyset import PropertySet
    from laser.generic import SIR
    from laser.generic.model import Model

    params = PropertySet({"seed": seed, "nticks": steps, "beta": BETA})
    model = Model(_scenario(world), params, skip_capacity=True)
    laser_network = model.network
    model.network = world.coupling.astype(laser_network.dtype)
    infectious_period = dists.exponential(scale=1.0 / GAMMA)
    model.components = [
        SIR.Susceptible(model),
        SIR.Recovered(model),
        SIR.Infectious(model, infectious_period),
        SIR.Transmission(model, infectious_period),
    ]
    return model, laser_network


def network_difference(world: PeerWorld) -> float:
    """Largest |LASER's own network - world.coupling| over the largest entry (a relative error)."""
    _, laser_network = _model(world, 1, seed=0)
    return float(np.abs(laser_network - world.coupling).max() / world.coupling.max())


def _silent(iterable, **_):
    return iterable


def run_laser(world: PeerWorld, steps: int, seed: int) -> PeerRun:
    """One history of ``steps`` daily ticks, timed, with its attack rate."""
    import laser.generic.model

    laser.generic.model.tqdm = _silent  # LASER's progress bar would flood the table

    def history() -> float:
        model, _ = _model(world, steps, seed)
        model.run()
        return 1.0 - float(model.nodes.S[steps].sum()) / float(world.population.sum())

    return timed(history)


def warm_up(world: PeerWorld) -> None:
    """Compile LASER's numba kernels on a two-day run, outside the timings."""
    run_laser(world, 2, seed=0)
