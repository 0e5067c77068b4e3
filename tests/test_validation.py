"""The validation cases in reduced form (``python -m hyosan.validation --full`` runs them in full).

Each case's tolerances come from its own standard errors or solver tolerances (see the cases);
here every case must pass, the bond lattice must say it is not covered, and deliberately broken
models must be caught.
"""

import json

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from hyosan.validation import case, run_cases
from hyosan.validation.__main__ import main
from hyosan.validation.alemi_cases import closed_form, exact_extinction, lattice_speed
from hyosan.validation.core import Settings
from hyosan.validation.runs import run, series

CASES = [
    "munz-basic", "munz-latent", "munz-quarantine", "munz-treatment", "munz-impulsive",
    "alemi-extinction", "alemi-final-state", "alemi-front", "alemi-map", "alemi-lattice",
    "scipy-seir",
]  # fmt: skip


def _failures(result) -> str:
    return "\n".join(c.describe() for c in result.checks if not c.passed)


@pytest.mark.parametrize("name", CASES)
def test_case_passes_in_reduced_form(name):
    result = case(name).run(Settings())
    assert result.status == "pass", _failures(result)
    assert result.checks and result.figure is None


def test_the_bond_lattice_crossing_fit_finds_a_known_crossing():
    # Two logistic curves built to cross at x = 0.1: the fit of exact shares recovers it.
    from hyosan.validation.lattice_cases import crossing, logistic_fit

    x = np.linspace(-0.3, 0.3, 7)
    n = np.full(7, 10_000)
    fits = [logistic_fit(x, n / (1 + np.exp(-(b * (0.1 - x)))), n) for b in (10.0, 20.0)]
    where, se = crossing(*fits)
    assert where == pytest.approx(0.1, abs=1e-3) and 0 < se < 0.01


@pytest.mark.parametrize(
    ("mutant", "name"),
    [
        ("swap-rates", "alemi-extinction"),  # bite and kill exchanged: alpha -> 1/alpha
        ("swap-rates", "scipy-seir"),  # progress and recover exchanged
        ("no-resurrection", "munz-impulsive"),  # the dead no longer rise
    ],
)
def test_a_deliberately_broken_model_fails(mutant, name):
    [result] = run_cases([name], mutant=mutant)
    assert result.status == "FAIL"


def test_seir_ode_matches_an_independent_scipy_solution():
    from hyosan.models import seir

    beta, sigma, gamma, n = 0.4, 0.25, 0.1, 500.0
    ds = run(seir(beta=beta, sigma=sigma, gamma=gamma), {"S": 495, "E": 5, "I": 0, "R": 0},
             150.0, record_every=2.0)  # fmt: skip
    times = ds["time"].values

    def rhs(_t, y):
        s, e, i, _ = y
        new = beta * s * i / n
        return [-new, new - sigma * e, sigma * e - gamma * i, gamma * i]

    reference = solve_ivp(rhs, (0, 150.0), [495.0, 5.0, 0.0, 0.0], t_eval=times, rtol=1e-10,
                          atol=1e-10, method="LSODA").y  # fmt: skip
    for k, comp in enumerate("SEIR"):
        np.testing.assert_allclose(series(ds, comp)[0], reference[k], atol=1e-3)


def test_exact_extinction_matches_small_cases_and_the_large_population_limit():
    alpha = 0.6
    # one human, one zombie: a kill first (prob alpha/(1+alpha)) ends it; a bite leaves 2
    # zombies and no humans, who never die.
    assert exact_extinction(1, 1, alpha) == pytest.approx(alpha / (1 + alpha), abs=1e-12)
    assert exact_extinction(20_000, 2, alpha) == pytest.approx(alpha**2, abs=2e-4)


def test_closed_form_conserves_p_and_lattice_speed_tends_to_fisher_kpp():
    tau = np.linspace(0, 20, 50)
    s, z = closed_form(tau, 0.99, 0.01, 0.3)
    np.testing.assert_allclose(z + 0.7 * s, 0.01 + 0.7 * 0.99, rtol=1e-12)
    speed, lam = lattice_speed(hop=100.0, r=0.01)
    assert speed == pytest.approx(2 * np.sqrt(100.0 * 0.01), rel=1e-4)
    assert lam == pytest.approx(np.sqrt(0.01 / 100.0), rel=1e-3)


def test_runner_prints_a_line_per_case_and_writes_results(tmp_path, capsys):
    code = main(["--case", "alemi-extinction", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "pass  alemi-extinction" in out
    payload = json.loads((tmp_path / "results.json").read_text())
    assert [c["status"] for c in payload["cases"]] == ["pass"]
    assert (tmp_path / "results.md").exists()
    pytest.importorskip("matplotlib")
    assert (tmp_path / "alemi-extinction.png").stat().st_size < 200_000
