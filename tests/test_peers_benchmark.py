"""benchmarks/peers.py in its quick form: the same SIR on Seoul's dongs in hyosan (and in LASER
and Starsim when the ``bench`` extra is installed), checked against the SIR's final size.

The coupling between dongs barely changes the final size of a connected network: every dong's
people face the same R0, so each tool's attack rate is close to the well-mixed final size
z = 1 - exp(-R0 z), with R0 = beta x the steps a case is infectious under that tool's daily
steps (``peers_world.INFECTIOUS_STEPS``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import peers
import peers_hyosan
import peers_world

from hyosan.errors import HyosanError


@pytest.fixture(scope="module")
def quick() -> dict:
    """One round of every installed tool at 1 % of the people (hyosan: about 3 s of CPU)."""
    return peers.compare(peers.TOOLS, rounds=1, quick=True, seed=1)


def test_final_size_equation() -> None:
    """The helper solves z = 1 - exp(-R0 z): 0.8926 at R0 = 2.5, none below R0 = 1."""
    z = peers_world.final_size(2.5)
    assert z == pytest.approx(1 - np.exp(-2.5 * z), abs=1e-12)
    assert z == pytest.approx(0.892645, abs=1e-6)
    assert peers_world.final_size(0.9) == 0.0


def test_coupling_has_lasers_form() -> None:
    """Every row sums to LASER's cap 3/32 and is proportional to p_j / d_ij^2."""
    world = peers_world.load_world(peers.QUICK_SCALE)
    w = world.coupling
    assert np.allclose(w.sum(axis=1), 3 / 32)
    d = np.hypot(*(world.xy_km[0] - world.xy_km[1:]).T)
    shape = world.population[1:] / d**2
    assert np.allclose(w[0, 1:], 3 / 32 * shape / shape.sum())
    laser = pytest.importorskip("laser.core.migration")
    distance = np.hypot(*(world.xy_km[:, None] - world.xy_km[None, :]).transpose(2, 0, 1))
    theirs = laser.row_normalizer(
        laser.gravity(world.population, distance, k=500, a=1, b=1, c=2), 1 / 16 + 1 / 32
    )
    assert np.allclose(w, theirs, rtol=1e-5, atol=1e-9)


def test_hyosan_attack_rate_is_the_final_size(quick: dict) -> None:
    """hyosan's history ends between the continuous-time final size (R0 = beta/gamma = 2.5:
    0.8926) and its daily steps' (R0 = 2.63: 0.9079), up to 0.01 (three standard deviations of
    a final size of 96,000 people) above and 0.02 below (dongs of 225 people end a little
    lower). No coupling would leave it near 0.002, a wrong rate far off."""
    (rate,) = quick["attack_rate"]["hyosan"]
    low = peers_world.final_size(peers_world.BETA / peers_world.GAMMA)
    assert low - 0.02 <= rate <= peers_world.expected_final_size("hyosan") + 0.01
    assert quick["seconds"]["hyosan"][0] > 0


@pytest.mark.parametrize("tool", ["laser", "starsim"])
def test_peer_attack_rate_is_its_final_size(quick: dict, tool: str) -> None:
    """LASER and Starsim (when installed) end within peers.AGREEMENT of their own final size."""
    if tool in quick["missing"]:
        pytest.skip(f"{tool} is not installed (the bench extra)")
    (rate,) = quick["attack_rate"][tool]
    assert abs(rate - peers_world.expected_final_size(tool)) <= peers.AGREEMENT


def test_json_names_every_tool(quick: dict) -> None:
    """--json's keys: seconds per tool (None when skipped), attack rates, the verdict."""
    flat = json.loads(json.dumps(peers.summary(quick)))
    for tool in peers.TOOLS:
        assert f"seoul_sir_{tool}_s" in flat
        assert (flat[f"seoul_sir_{tool}_s"] is None) == (tool in quick["missing"])
    assert flat["seoul_sir_attack_rates_agree"] is True
    assert "hyosan" in peers.table(quick)


def test_contact_coupling_is_lasers_force_of_infection() -> None:
    """hyosan's coupling across links, in its mean field (``ode``), follows LASER's equations
    solved here independently: dS_j = -S_j beta ((1 - sum_k W_jk) I_j / N_j + sum_i W_ij I_i /
    N_i), dI_j = -dS_j - gamma I_j. Hops instead of contact, or a transposed W, miss by far more
    than the 1 % allowed (the solvers' tolerances are 1e-6)."""
    from scipy.integrate import solve_ivp

    import hyosan

    world = peers_world.load_world(peers.QUICK_SCALE)
    beta, gamma, w = peers_world.BETA, peers_world.GAMMA, world.coupling
    n = world.population.astype(np.float64)
    home = 1.0 - w.sum(axis=1)

    def rhs(_t: float, y: np.ndarray) -> np.ndarray:
        s, i = y[: world.n], y[world.n :]
        force = beta * (home * i / n + w.T @ (i / n))
        return np.concatenate([-s * force, s * force - gamma * i])

    i0 = np.zeros(world.n)
    i0[world.seed_dong] = peers_world.SEED_INFECTED
    days = 40.0
    theirs = solve_ivp(rhs, (0, days), np.concatenate([n - i0, i0]), rtol=1e-8, atol=1e-8)
    ds = hyosan.simulate(
        peers_hyosan.contact_scenario(world), t_end=days, engine="ode", record_every=days
    )
    infected = ds["counts"].isel(run=0, time=-1).sum("region").sel(compartment="I").item()
    assert infected == pytest.approx(theirs.y[world.n :, -1].sum(), rel=0.01)
    with pytest.raises(HyosanError, match="coupling"):
        peers_hyosan.run_hyosan(world, 1, seed=0, coupling="teleport")


def test_a_history_that_dies_out_runs_again() -> None:
    """A history under peers.TOOK_OFF is run again with another seed and counted, not timed."""
    seeds: list[int] = []

    def runner(world, steps, seed):
        seeds.append(seed)
        return peers_world.PeerRun(1.0, 1.0, 0.9 if len(seeds) == 2 else 1e-6)

    history, died = peers._taking_off(runner, None, 180, seed=4)
    assert (history.attack_rate, died, seeds) == (0.9, 1, [4, 1004])
    with pytest.raises(RuntimeError, match="died out"):
        peers._taking_off(lambda world, steps, seed: peers_world.PeerRun(1, 1, 0.0), None, 1, 1)
