"""Every built-in world runs: a few steps of each, with each engine that suits its size.

Mesa's ``tests/test_examples.py`` pattern: a world that no longer builds or runs fails here,
whatever else its own test file checks. Counts must stay non-negative integers and nobody may
appear or vanish (every built-in model moves people between compartments and places only).
"""

import numpy as np
import pytest

from hyosan import scenarios, simulate

SMALL_OPTIONS = {
    "szr-lattice": {"size": 30},
    "hyosan-high": {},
    "seoul": {"gu": ["Seongbuk-gu", "Jongno-gu"], "scale": 0.05},
}
"""Options that keep each world small enough for a test (the options are its builder's)."""


def test_every_built_in_world_is_covered_here():
    assert set(SMALL_OPTIONS) == set(scenarios.names())


@pytest.mark.parametrize("name", sorted(SMALL_OPTIONS))
@pytest.mark.parametrize("engine", ["tau", "ssa", "ode"])
def test_world_runs_a_few_steps(name, engine):
    world = scenarios.load(name, **SMALL_OPTIONS[name])
    t_end = 0.05 if engine == "ssa" else 0.5
    ds = simulate(world, t_end=t_end, engine=engine, runs=2, seed=1, record_every=t_end / 4)

    counts = ds["counts"].values
    assert counts.shape[:2] == (2, 5)
    assert np.all(counts >= 0)
    people = counts.sum(axis=(2, 3))
    np.testing.assert_allclose(people, np.broadcast_to(people[:, :1], people.shape), rtol=1e-6)
    assert ds.attrs["status"] == "complete"
    assert ds.attrs["engine"] == engine


def test_world_listing_describes_each_world():
    for name in scenarios.names():
        assert len(scenarios.describe(name)) > 20
