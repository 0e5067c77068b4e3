"""Mobility kernels (radiation, gravity), sparse trip layers, and dasymetric allocation."""

from __future__ import annotations

import numpy as np
import pytest

from hyosan.errors import HyosanError
from hyosan.places import mobility
from hyosan.places.raster import allocate_largest_remainder


def test_radiation_matches_closed_form_on_three_places():
    # places on a line at x = 0, 1, 3 with 10, 20, 30 people. From place 0 (m = 10):
    #   to 1: s = 0,  p = 10*20 / ((10 + 0) (10 + 20 + 0))  = 2/3
    #   to 2: s = 20, p = 10*30 / ((10 + 20) (10 + 30 + 20)) = 1/6
    # From place 1 (m = 20): 0 is at 1, 2 at 2: to 0: 20*10/(20*30) = 1/3; to 2: s = 10,
    #   20*30 / (30*60) = 1/3. From place 2 (m = 30): 1 at 2, 0 at 3: to 1: 30*20/(30*50) = 2/5;
    #   to 0: s = 20, 30*10/(50*60) = 1/10.
    population = np.array([10.0, 20.0, 30.0])
    xy = np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]])
    expected = np.array([[0, 2 / 3, 1 / 6], [1 / 3, 0, 1 / 3], [1 / 10, 2 / 5, 0]])
    p = mobility.radiation(population, xy, finite_size=False)
    np.testing.assert_allclose(p, expected, rtol=1e-12, atol=0)
    # finite-size correction: divide each row by 1 - m_i / M (M = 60)
    corrected = mobility.radiation(population, xy)
    np.testing.assert_allclose(corrected, expected / (1 - population / 60)[:, None], rtol=1e-12)
    np.testing.assert_allclose(corrected.sum(axis=1), 1.0, rtol=1e-12)


def test_radiation_rows_telescope_and_depend_only_on_distance_ranks():
    rng = np.random.default_rng(7)
    population = rng.integers(1, 1000, 60).astype(float)
    xy = rng.uniform(0, 10_000, (60, 2))
    p = mobility.radiation(population, xy, finite_size=False)
    np.testing.assert_allclose(p.sum(axis=1), 1 - population / population.sum(), rtol=1e-12)
    assert np.all(np.diag(p) == 0) and np.all(p >= 0)
    # rescaling distances keeps every ranking, hence every probability
    np.testing.assert_allclose(mobility.radiation(population, 3.7 * xy, False), p, rtol=1e-12)


def test_gravity_is_population_over_distance_squared():
    population = np.array([5.0, 10.0, 40.0])
    xy = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]])
    p = mobility.gravity(population, xy, exponent=2.0, min_distance=1e-9)
    raw = np.array([10 / 1, 40 / 4])
    np.testing.assert_allclose(p[0, 1:], raw / raw.sum(), rtol=1e-12)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    with pytest.raises(HyosanError, match="exponent"):
        mobility.gravity(population, xy, exponent=-1.0)


def test_top_k_keeps_the_largest_and_renormalizes():
    p = np.array([[0, 0.5, 0.3, 0.2], [0.1, 0, 0.1, 0.8], [0.25, 0.25, 0, 0.5], [1, 0, 0, 0]])
    origin, dest, prob = mobility.top_k(p, 2)
    for i in range(4):
        row = dict(zip(dest[origin == i].tolist(), prob[origin == i].tolist(), strict=True))
        assert pytest.approx(sum(row.values())) == 1.0
        assert max(p[i, j] for j in row) == p[i].max()
    assert dict(zip(dest[origin == 0].tolist(), prob[origin == 0].tolist(), strict=True)) == {
        1: pytest.approx(0.5 / 0.8),
        2: pytest.approx(0.3 / 0.8),
    }
    assert set(dest[origin == 3].tolist()) == {0}  # zero-probability destinations are dropped
    with pytest.raises(HyosanError, match="top_k"):
        mobility.top_k(p, 0)


def test_trip_links_balance_flows_so_populations_are_stationary():
    population = np.array([100.0, 300.0, 50.0])
    origin = np.array([0, 0, 1, 2])
    dest = np.array([1, 2, 0, 1])
    trips = np.array([10.0, 5.0, 20.0, 2.0])
    source, target, rate = mobility.trip_links(origin, dest, trips, population)
    flow = {
        (int(a), int(b)): population[a] * r for a, b, r in zip(source, target, rate, strict=True)
    }
    assert flow[(0, 1)] == pytest.approx(30.0)  # 10 out of 0 plus 20 out of 1, merged
    for (a, b), f in flow.items():
        assert flow[(b, a)] == pytest.approx(f)  # detailed balance: no net drift of people
    net_change = np.zeros(3)
    for (a, b), f in flow.items():
        net_change[a] -= f
        net_change[b] += f
    np.testing.assert_allclose(net_change, 0.0, atol=1e-12)


def test_downscale_spreads_arrivals_like_the_destination_population():
    # zone 0: 1000 equal cells; zone 1: three cells of 1, 2 and 7 people.
    member_of = np.array([0] * 1000 + [1, 1, 1])
    people = np.array([5.0] * 1000 + [1.0, 2.0, 7.0])
    src, dst, prob = mobility.downscale(
        np.array([0]), np.array([1]), np.array([1.0]), member_of, people
    )
    assert np.all(member_of[src] == 0) and np.all(member_of[dst] == 1)
    assert len(src) == 1000 and np.all(prob == 1.0)
    counts = np.bincount(dst - 1000, minlength=3)
    # systematic sampling: within one of 100, 200, 700
    assert np.all(np.abs(counts - np.array([100, 200, 700])) <= 1), counts


def test_largest_remainder_keeps_every_total_exactly():
    rng = np.random.default_rng(3)
    group = rng.integers(0, 20, 500)
    weights = rng.uniform(0, 1, 500)
    totals = rng.integers(0, 10_000, 20)
    totals[np.setdiff1d(np.arange(20), group)] = 0
    share = allocate_largest_remainder(totals, group, weights)
    np.testing.assert_array_equal(np.bincount(group, share, minlength=20), totals)
    quota = totals[group] * weights / np.bincount(group, weights, minlength=20)[group]
    assert np.all(np.abs(share - quota) < 1.0)
