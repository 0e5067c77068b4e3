"""Adaptive tau steps: each run picks its step from its own state (``simulate(accuracy=...)``).

Tolerances are standard errors of the estimates (4 SE: a false alarm about once in 16,000).
"""

import numba
import numpy as np
import pytest

from hyosan import Scenario, simulate
from hyosan.engines import TauEngine
from hyosan.engines.tau import tau_involvement
from hyosan.errors import HyosanError
from hyosan.models import jonas, sir, szr
from hyosan.places import grid, well_mixed
from hyosan.run.simulate import run_keys

Z4 = 4.0


def _final_sizes(runs: int, seed: int, **kwargs) -> tuple[np.ndarray, np.ndarray | None]:
    scenario = Scenario(model=sir(beta=2.0, gamma=1.0), places=well_mixed({"S": 190, "I": 10}))
    ds = simulate(scenario, t_end=40.0, runs=runs, seed=seed, record_every=40.0, progress=False,
                  **kwargs)  # fmt: skip
    final = ds["counts"].isel(time=-1, region=0).sel(compartment="R").values.astype(float)
    return final, ds["steps"].values if "steps" in ds else None


def test_adaptive_tau_matches_ssa_in_distribution():
    """Same test as the fixed step's: mean, variance and minor-outbreak probability."""
    runs = 3000
    exact, _ = _final_sizes(runs, seed=1, engine="ssa")
    leap, steps = _final_sizes(runs, seed=2, engine="tau", accuracy=0.03)
    se = np.sqrt(exact.var(ddof=1) / runs + leap.var(ddof=1) / runs)
    assert abs(exact.mean() - leap.mean()) < Z4 * se

    def var_se(x):
        m4 = np.mean((x - x.mean()) ** 4)
        return np.sqrt((m4 - x.var() ** 2) / len(x))

    assert abs(exact.var() - leap.var()) < Z4 * np.hypot(var_se(exact), var_se(leap))
    p_exact, p_leap = np.mean(exact < 30), np.mean(leap < 30)
    p = (p_exact + p_leap) / 2
    assert abs(p_exact - p_leap) < Z4 * np.sqrt(2 * p * (1 - p) / runs) + 1e-9
    # Once the epidemic is over nothing can happen: the steps stretch to the longest allowed
    # (here the whole record interval), far fewer than at the epidemic's pace (3 per unit).
    assert steps.max() < 40.0 * 3.0 / 0.03 / 2


def test_involvement_bound_is_the_fastest_units_rate():
    """S + Z -> 2Z at beta: a zombie among S humans bites at beta S / area; humans are bitten
    at beta Z / area; zombies hop at 4 x hop on a periodic lattice."""
    places = grid((3, 3), {"S": 0, "Z": 0, "R": 0}, periodic=True)
    net = Scenario(model=szr(beta=0.5, kappa=0.1, hop=0.25), places=places).compile()
    counts = np.zeros((2, 9, 3), np.int32)
    counts[0, 4] = (40, 2, 0)  # a zombie: bites 0.5 * 40 + killed 0.1 * 40 + hops 1 = 25
    counts[1, 4] = (40, 0, 0)  # humans alone: nothing can happen
    bound = tau_involvement(counts, *net.kernel_args())
    np.testing.assert_allclose(bound, [0.5 * 40 + 0.1 * 40 + 4 * 0.25, 0.0])


def _lattice() -> Scenario:
    places = grid((8, 8), {"S": 20, "Z": 0, "R": 0}).with_outbreak("4,4", "Z", 2)
    return Scenario(model=szr(beta=0.1, kappa=0.05, hop=1.0), places=places)


def test_adaptive_history_is_the_same_alone_in_a_batch_and_on_any_threads():
    kwargs = dict(t_end=15.0, engine="tau", seed=5, accuracy=0.1, progress=False)
    whole = simulate(_lattice(), runs=5, **kwargs)
    tail = simulate(_lattice(), runs=2, first_run=3, **kwargs)
    np.testing.assert_array_equal(whole["counts"].values[3:], tail["counts"].values)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = simulate(_lattice(), runs=5, **kwargs)
    finally:
        numba.set_num_threads(threads)
    np.testing.assert_array_equal(whole["counts"].values, one["counts"].values)
    assert np.isnan(whole.attrs["dt"]) and whole.attrs["accuracy"] == 0.1
    assert (whole["steps"].values > 0).all()


def test_bad_accuracy_names_it():
    with pytest.raises(HyosanError, match="accuracy"):
        simulate(_lattice(), t_end=1.0, accuracy=-1.0, progress=False)


def _walking_town() -> Scenario:
    """Jonas's virus on an 8x8 town of 150 people a block who walk; zombies bite at 120 an
    hour and stand still until they hear people next door. The bites set the step, so the
    quiet blocks far from them leap over several steps at once."""
    model = jonas(time_unit="hour", stages=1, zombie_wander=0.0, noise_bias=1 / 150)
    start = {"S": 150, "E1": 0, "Z": 0, "H": 0, "R": 0}
    return Scenario(model=model, places=grid((8, 8), start).with_outbreak("0,0", "Z", 2))


def test_quiet_places_leap_over_several_steps_and_agree_with_ssa():
    """Means of humans, bitten and zombies each half hour within 4 standard errors of ssa's,
    while most blocks are inside leaps over several steps (the engine's schedule says so)."""
    town = _walking_town()
    engine = TauEngine(town.compile(), 1, run_keys(1, 1), 3.0, 0.05)
    engine.advance(0.0, 0.5)
    assert np.isfinite(engine.schedule.until).sum() > 32
    assert engine.schedule.leapt.all()
    runs = 200
    options = dict(t_end=3.0, runs=runs, record_every=0.5, progress=False)
    exact = simulate(town, engine="ssa", seed=3, **options)
    leap = simulate(town, engine="tau", accuracy=0.05, seed=4, **options)
    for compartment in ("S", "E", "Z"):
        a = exact["counts"].sel(compartment=compartment).sum("region").values.astype(float)
        b = leap["counts"].sel(compartment=compartment).sum("region").values.astype(float)
        se = np.sqrt(a.var(axis=0, ddof=1) / runs + b.var(axis=0, ddof=1) / runs)
        gap = np.abs(a.mean(axis=0) - b.mean(axis=0))
        assert np.all(gap <= Z4 * se + 1e-9), (compartment, gap, se)


def test_fixed_steps_never_leap_so_the_leaps_ends_need_not_be_read():
    """Phase 2 reads when a place's leap ends only if the schedule ever leapt (``leapt``): with
    fixed steps no place is ever inside a leap over several steps."""
    town = _walking_town()
    engine = TauEngine(town.compile(), 2, run_keys(1, 2), 0.01)
    engine.advance(0.0, 0.5)
    assert not engine.schedule.leapt.any()
    assert np.all(engine.schedule.until == -np.inf)
