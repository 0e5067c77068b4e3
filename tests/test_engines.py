"""The stochastic engines against closed forms and against each other (docs/validation.md).

Tolerances are standard errors of the estimates (4 SE: a false alarm about once in 16,000).
"""

import numba
import numpy as np
import pytest

from hyosan import Scenario, simulate
from hyosan.models import jonas, sir, szr
from hyosan.places import grid, well_mixed

Z4 = 4.0  # standard errors allowed


def _szr(alpha: float, s0: int = 1000, z0: int = 1) -> Scenario:
    return Scenario(model=szr(beta=1.0, kappa=alpha), places=well_mixed({"S": s0, "Z": z0}))


@pytest.mark.parametrize(("alpha", "z0"), [(0.3, 1), (0.5, 1), (0.8, 1), (0.5, 2)])
def test_ssa_extinction_probability_is_alpha_to_z0(alpha, z0):
    runs = 3000
    ds = simulate(
        _szr(alpha, z0=z0),
        t_end=5.0,
        engine="ssa",
        runs=runs,
        seed=11,
        record_every=5.0,
        progress=False,
    )
    expected = alpha**z0
    observed = float(ds["extinct"].mean())
    se = np.sqrt(expected * (1 - expected) / runs)
    assert abs(observed - expected) < Z4 * se, (observed, expected, se)


def test_ssa_mean_respects_the_mean_field_invariant():
    """E[Z_end] = Z0 + (1 - alpha)(S0 - E[S_end]): a martingale, exact for the stochastic model."""
    alpha, s0, z0, runs = 0.6, 300, 3, 2000
    ds = simulate(
        _szr(alpha, s0, z0),
        t_end=5.0,
        engine="ssa",
        runs=runs,
        seed=5,
        record_every=5.0,
        progress=False,
    )
    final = ds["counts"].isel(time=-1, region=0)
    residual = final.sel(compartment="Z") - z0 - (1 - alpha) * (s0 - final.sel(compartment="S"))
    residual = residual.values.astype(float)
    assert abs(residual.mean()) < Z4 * residual.std(ddof=1) / np.sqrt(runs)


def test_ssa_mean_final_humans_when_humans_win():
    """alpha > 1: S_inf = S0 - Z0/(alpha - 1) for the mean of the stochastic model too."""
    alpha, s0, z0, runs = 2.0, 500, 20, 2000
    ds = simulate(
        _szr(alpha, s0, z0),
        t_end=5.0,
        engine="ssa",
        runs=runs,
        seed=9,
        record_every=5.0,
        progress=False,
    )
    s_end = ds["final_susceptible"].values.astype(float)
    assert np.all(ds["extinct"].values)
    expected = s0 - z0 / (alpha - 1)
    assert abs(s_end.mean() - expected) < Z4 * s_end.std(ddof=1) / np.sqrt(runs)


def _final_sizes(engine: str, runs: int, seed: int, dt: float | None = None) -> np.ndarray:
    scenario = Scenario(model=sir(beta=2.0, gamma=1.0), places=well_mixed({"S": 190, "I": 10}))
    ds = simulate(
        scenario,
        t_end=40.0,
        engine=engine,
        runs=runs,
        seed=seed,
        dt=dt,
        record_every=40.0,
        progress=False,
    )
    return ds["counts"].isel(time=-1, region=0).sel(compartment="R").values.astype(float)


def test_tau_matches_ssa_in_distribution_as_dt_shrinks():
    runs = 3000
    exact = _final_sizes("ssa", runs, seed=1)
    leap = _final_sizes("tau", runs, seed=2, dt=0.01)
    se = np.sqrt(exact.var(ddof=1) / runs + leap.var(ddof=1) / runs)
    assert abs(exact.mean() - leap.mean()) < Z4 * se

    # variances: the standard error of a sample variance is about var * sqrt(2 / (n - 1)) for
    # near-normal data; the final size is skewed, so use the fourth moment estimate.
    def var_se(x):
        m4 = np.mean((x - x.mean()) ** 4)
        return np.sqrt((m4 - x.var() ** 2) / len(x))

    assert abs(exact.var() - leap.var()) < Z4 * np.hypot(var_se(exact), var_se(leap))
    p_exact, p_leap = np.mean(exact < 30), np.mean(leap < 30)  # minor outbreaks
    p = (p_exact + p_leap) / 2
    assert abs(p_exact - p_leap) < Z4 * np.sqrt(2 * p * (1 - p) / runs) + 1e-9


def test_tau_bias_shrinks_with_dt():
    """The leap's error in the mean final size falls as dt falls (first-order scheme)."""
    runs = 2000
    exact = _final_sizes("ssa", runs, seed=3).mean()
    coarse = _final_sizes("tau", runs, seed=4, dt=0.5).mean()
    fine = _final_sizes("tau", runs, seed=4, dt=0.02).mean()
    assert abs(fine - exact) < abs(coarse - exact) + 2.0


def test_ode_matches_ssa_mean_as_population_grows():
    """The relative gap between the ssa mean and the mean field shrinks as N grows."""
    gaps = []
    for n in (200, 5000):
        i0 = n // 20
        scenario = Scenario(
            model=sir(beta=1.5, gamma=1.0), places=well_mixed({"S": n - i0, "I": i0})
        )
        runs = 400
        stochastic = simulate(
            scenario, t_end=60.0, engine="ssa", runs=runs, seed=7, record_every=60.0, progress=False
        )
        ode = simulate(scenario, t_end=60.0, engine="ode", record_every=60.0, progress=False)
        r_ssa = stochastic["counts"].isel(time=-1).sel(compartment="R").values.ravel() / n
        r_ode = float(ode["counts"].isel(time=-1, run=0).sel(compartment="R").sum()) / n
        se = r_ssa.std(ddof=1) / np.sqrt(runs)
        gaps.append((abs(r_ssa.mean() - r_ode), se))
    (small_gap, _), (large_gap, large_se) = gaps
    assert large_gap < Z4 * large_se + 0.01
    assert large_gap < small_gap


def test_erlang_turning_delay_and_hybrid_fraction():
    """Time from bite to turning is Erlang(k, mean tau); a fraction h become hybrids."""
    k, tau_minutes, h, n = 3, 30.0, 0.2, 4000
    model = jonas(
        tau=tau_minutes, stages=k, h=h, beta=0.0, kappa=0.0, zombie_hop=0.0, human_hop=0.0
    )
    scenario = Scenario(model=model, places=well_mixed({"E1": n}))
    tau_hours = tau_minutes / 60
    step = tau_hours / 50
    ds = simulate(
        scenario,
        t_end=8 * tau_hours,
        engine="ssa",
        runs=1,
        seed=3,
        record_every=step,
        progress=False,
    )
    counts = ds["counts"].isel(run=0, region=0)
    turned = (counts.sel(compartment="Z") + counts.sel(compartment="H")).values / n
    t = ds["time"].values
    survival = 1 - turned
    mean = np.trapezoid(survival, t)
    second = np.trapezoid(2 * t * survival, t)
    variance = second - mean**2
    expected_mean, expected_var = tau_hours, tau_hours**2 / k
    assert abs(mean - expected_mean) < Z4 * np.sqrt(expected_var / n) + step
    # SE of a sample variance of a Gamma(k) sample: var * sqrt((2 + 6/k) / n)
    assert abs(variance - expected_var) < Z4 * expected_var * np.sqrt((2 + 6 / k) / n) + 2 * step
    hybrids = counts.sel(compartment="H").values[-1] / turned[-1] / n
    assert abs(hybrids - h) < Z4 * np.sqrt(h * (1 - h) / n)


@pytest.mark.parametrize("engine", ["ssa", "tau"])
def test_same_seed_same_result_whatever_the_threads(engine):
    places = grid((12, 12), {"S": 30, "Z": 0, "R": 0}).with_outbreak("6,6", "Z", 2)
    scenario = Scenario(model=szr(beta=0.05, kappa=0.02, hop=1.0), places=places)
    kwargs = dict(t_end=20.0, engine=engine, runs=4, seed=123, progress=False)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = simulate(scenario, **kwargs)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = simulate(scenario, **kwargs)
    finally:
        numba.set_num_threads(threads)
    np.testing.assert_array_equal(one["counts"].values, two["counts"].values)
    other = simulate(scenario, **{**kwargs, "seed": 124})
    assert not np.array_equal(one["counts"].values, other["counts"].values)
    assert one.attrs["seed"] == "123"


@pytest.mark.parametrize("engine", ["ssa", "tau"])
def test_run_histories_do_not_depend_on_the_batch(engine):
    places = grid((6, 6), {"S": 20, "Z": 0, "R": 0}).with_outbreak("3,3", "Z", 1)
    scenario = Scenario(model=szr(beta=0.1, kappa=0.05, hop=1.0), places=places)
    kwargs = dict(t_end=10.0, engine=engine, seed=8, progress=False)
    whole = simulate(scenario, runs=6, **kwargs)
    tail = simulate(scenario, runs=2, first_run=4, **kwargs)
    np.testing.assert_array_equal(whole["counts"].values[4:], tail["counts"].values)


@pytest.mark.parametrize("engine", ["ssa", "tau"])
def test_totals_conserved_and_never_negative(engine):
    places = grid((8, 8), {"S": 10, "Z": 0, "R": 0}, periodic=True).with_outbreak("0,0", "Z", 5)
    scenario = Scenario(model=szr(beta=0.5, kappa=0.4, hop=2.0), places=places)
    ds = simulate(
        scenario,
        t_end=30.0,
        engine=engine,
        runs=8,
        seed=2,
        dt=0.05,
        snapshot_every=10.0,
        progress=False,
    )
    totals = ds["counts"].sum(("region", "compartment")).values
    assert np.all(totals == 640)
    assert int(ds["snapshots"].min()) >= 0
