"""The mean-field engine against closed forms (Alemi et al. 2015, eqs. 5-9) and scipy."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from test_tau_kernel import _network

from hyosan import Scenario, simulate
from hyosan.engines.ode import OdeEngine
from hyosan.models import seir, szr
from hyosan.places import grid, well_mixed


def _curves(ds, *names):
    return [ds["counts"].sel(compartment=n).isel(run=0).sum("region").values for n in names]


def test_szr_invariant_and_zombie_victory():
    beta, alpha, s0, z0 = 0.01, 0.4, 1000.0, 5.0
    scenario = Scenario(
        model=szr(beta=beta, kappa=alpha * beta), places=well_mixed({"S": s0, "Z": z0})
    )
    ds = simulate(scenario, 5.0, engine="ode", progress=False)
    s, z = _curves(ds, "S", "Z")
    np.testing.assert_allclose(z, z0 + (1 - alpha) * (s0 - s), rtol=1e-6)
    assert z[-1] == pytest.approx(z0 + (1 - alpha) * s0, rel=1e-5)  # Z_inf = Z0 + (1 - a) S0


def test_szr_human_victory_final_size():
    beta, alpha, s0, z0 = 0.01, 2.0, 500.0, 20.0
    scenario = Scenario(
        model=szr(beta=beta, kappa=alpha * beta), places=well_mixed({"S": s0, "Z": z0})
    )
    ds = simulate(scenario, 20.0, engine="ode", progress=False)
    (s,) = _curves(ds, "S")
    assert s[-1] == pytest.approx(s0 - z0 / (alpha - 1), rel=1e-5)  # S_inf = S0 - Z0/(a - 1)


def test_seir_matches_independent_solve_ivp():
    beta, sigma, gamma, n, i0 = 0.5, 0.25, 0.1, 10_000.0, 10.0
    scenario = Scenario(
        model=seir(beta=beta, sigma=sigma, gamma=gamma),
        places=well_mixed({"S": n - i0, "E": 0, "I": i0, "R": 0}),
    )
    ds = simulate(scenario, 100.0, engine="ode", record_every=1.0, progress=False)

    def rhs(_t, y):
        s, e, i, _r = y
        force = beta * s * i / n
        return [-force, force - sigma * e, sigma * e - gamma * i, gamma * i]

    reference = solve_ivp(
        rhs, (0, 100), [n - i0, 0, i0, 0], t_eval=ds["time"].values, rtol=1e-10, atol=1e-8
    )
    ours = np.array(_curves(ds, "S", "E", "I", "R"))
    np.testing.assert_allclose(ours, reference.y, rtol=1e-5, atol=1e-4)


def test_hops_conserve_and_spread():
    places = grid((1, 5), {"S": 0, "Z": np.array([[100, 0, 0, 0, 0]]), "R": 0})
    ds = simulate(Scenario(model=szr(hop=1.0), places=places), 200.0, engine="ode", progress=False)
    z = ds["counts"].sel(compartment="Z").isel(run=0).sum("region").values
    np.testing.assert_allclose(z, 100.0, rtol=1e-6)


def test_idle_zombies_follow_the_mean_field_pull():
    """Zombies with a wander of 0 leave home at b * S_1(t) while people fill the next place,
    S_1 = n (1 - exp(-h t)): home(t) / home(0) = exp(-b n (t - (1 - exp(-h t)) / h))."""
    n, h, b, t = 1000.0, 0.5, 0.001, 2.0
    net = _network(
        ["S", "Z"], [], n_places=3, links=[(0, 1, 1.0, 0), (2, 1, 1.0, 1)],
        group_rate=[[0.0, 1.0], [h, 0.0]], bias=[0.0, b], attract_mask=[1, 0], wander=[1.0, 0.0],
    )  # fmt: skip
    net.initial[0, 1], net.initial[2, 0] = 5, int(n)
    engine = OdeEngine(net, 1)
    engine.advance(0.0, t)
    expected = 5 * np.exp(-b * n * (t - (1 - np.exp(-h * t)) / h))
    assert engine.state[0, 0, 1] == pytest.approx(expected, rel=1e-5)
