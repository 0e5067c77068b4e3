"""No silent non-answers: a world where nobody moves warns, a coarse fixed step warns (or is an
error), and tau's default step keeps a final size's bias within 0.5 %."""

import warnings

import numpy as np
import pytest

from hyosan import Scenario, simulate
from hyosan.errors import HyosanError, HyosanWarning
from hyosan.interventions import SetParameter
from hyosan.models import szr
from hyosan.places import grid, well_mixed
from hyosan.run.checks import HARD_EVENTS, WARN_EVENTS, hazards, step_check
from hyosan.run.options import DEFAULT_STEP_ACCURACY
from hyosan.run.simulate import choose_dt, max_hazard

T_END = 0.003  # the final-size case's zombies are gone by then


def _grid(hop: float) -> Scenario:
    places = grid((6, 6), {"S": 10}).with_outbreak("3,3", "Z", 1)
    return Scenario(model=szr(beta=0.1, kappa=0.02, hop=hop), places=places)


def _final_size_case() -> Scenario:
    """Issue 22's case: zombies die out; the humans left are the final size (about 19,200)."""
    return Scenario(model=szr(beta=1.0, kappa=1.5), places=well_mixed({"S": 20_000, "Z": 400}))


def _hyosan_warnings(record) -> list[str]:
    return [str(w.message) for w in record if issubclass(w.category, HyosanWarning)]


# ------------------------------------------------------------------------------------------------
def test_a_world_where_nobody_moves_warns_naming_the_parameter():
    with pytest.warns(HyosanWarning, match="nobody can move") as record:
        simulate(_grid(hop=0.0), t_end=1.0, engine="ssa", seed=1)
    message = _hyosan_warnings(record)[0]
    assert "hop = 0" in message and "set 'hop'" in message and "model.parameters.hop" in message


@pytest.mark.parametrize(
    "scenario",
    [
        _grid(hop=0.5),  # people move
        Scenario(model=szr(), places=well_mixed({"S": 10, "Z": 1})),  # one place: nowhere to go
        Scenario(  # an intervention turns movement on later
            model=szr(hop=0.0),
            places=grid((3, 3), {"S": 5}).with_outbreak("1,1", "Z", 1),
            interventions=[SetParameter(parameter="hop", value=1.0, start=0.5)],
        ),
    ],
)
def test_worlds_where_people_can_move_do_not_warn(scenario):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        simulate(scenario, t_end=1.0, engine="ssa", seed=1)
    assert not _hyosan_warnings(record)


# ------------------------------------------------------------------------------------------------
def test_hops_have_their_own_threshold():
    """Hyosan High's calibrated step (0.1 minute) and twice it: hops of zombies dominate the
    bound (a unit moves at most once a step) but stay under a hop per step: no warning."""
    from hyosan.scenarios import hyosan_high

    net = hyosan_high.build(characters=False).compile()
    assert step_check(net, 0.2, 0.01, DEFAULT_STEP_ACCURACY) is None
    net = _grid(hop=5.0).compile()  # 20 hops an hour out of a cell, a bite an hour
    coarse = step_check(net, 0.1, 0.01, DEFAULT_STEP_ACCURACY)
    assert coarse is not None and "one Z can expect up to 2 hops per step" in coarse


def test_the_bound_names_each_reaction_and_the_hops():
    found = {(h.species, h.what): h.rate for h in hazards(_grid(hop=0.5).compile())}
    # density contact on cells of area 1 and 10 people: a zombie meets 10 humans
    assert found[("Z", "kill")] == pytest.approx(0.02 * 10)
    assert found[("S", "bite")] == pytest.approx(0.1 * 10)
    assert found[("Z", "hops")] == pytest.approx(0.5 * 4)  # four neighbours
    net = _final_size_case().compile()
    worst = hazards(net)[0]
    assert (worst.species, worst.what) == ("Z", "kill")
    assert worst.rate == pytest.approx(1.5 * 20_400)


def test_a_step_far_above_the_safe_one_is_an_error_unless_insisted_on():
    world = _final_size_case()
    with pytest.raises(HyosanError) as error:
        simulate(world, t_end=T_END, dt=0.0005, seed=1)
    message = str(error.value)
    # the reaction, its expected events per unit per step, and the step to use
    kills = f"{1.5 * 20_400 * 0.0005:.3g}"  # 15.3 kills per zombie per step
    assert f"one Z can expect up to {kills} events of reaction 'kill' per step" in message
    safe = choose_dt(world.compile(), T_END / 100)
    assert f"use dt = {safe:.3g} or less" in message and "allow_coarse_dt" in message
    with pytest.warns(HyosanWarning, match="too coarse"):
        ds = simulate(world, t_end=T_END, dt=0.0005, seed=1, allow_coarse_dt=True)
    assert ds.attrs["status"] == "complete"


def test_a_coarse_step_below_the_hard_limit_warns_before_the_run():
    world = _final_size_case()
    bound = hazards(world.compile())[0].rate
    assert bound == max_hazard(world.compile())  # one reaction bounds this world's units
    dt = (WARN_EVENTS + HARD_EVENTS) / 2 / bound
    reported = []
    with pytest.warns(HyosanWarning, match="reaction 'kill'") as record:
        simulate(world, t_end=T_END, dt=dt, seed=1,
                 progress=lambda t, t_end: reported.append(len(record)))  # fmt: skip
    assert "results will be biased" in _hyosan_warnings(record)[0]
    assert reported[0] >= 1  # warned before the run: at the first report it was there
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        simulate(world, t_end=T_END, dt=0.9 * WARN_EVENTS / bound, seed=1)
        simulate(world, t_end=T_END, seed=1)  # tau's own step
    assert not _hyosan_warnings(record)


# ------------------------------------------------------------------------------------------------
def _final_sizes(runs: int, seed: int, **options) -> tuple[float, float]:
    ds = simulate(_final_size_case(), t_end=T_END, runs=runs, seed=seed, **options)
    assert ds.attrs["status"] == "complete" and int(ds["final_infectious"].max()) == 0
    final = ds["final_susceptible"].values.astype(float)
    return float(final.mean()), float(final.var(ddof=1) / runs)


def test_the_default_step_keeps_the_final_size_within_half_a_percent():
    """Issue 22: with 400 runs, ssa ends at S = 19,197 +- 6; the old default (a fixed step of
    0.2 expected events per unit) at 18,911 +- 8, 1.5 % low. Both means here come from 200
    fixed-seed runs; the bias and two standard errors must stay under 0.5 % of the exact mean,
    and the old step must be found biased by more (the test can tell them apart)."""
    runs = 200
    exact, exact_var = _final_sizes(runs, seed=11, engine="ssa")
    assert exact == pytest.approx(19_197, abs=4 * np.sqrt(exact_var) + 4 * 6)
    default, default_var = _final_sizes(runs, seed=12, engine="tau")
    se = np.sqrt(exact_var + default_var)
    assert abs(default - exact) + 2 * se < 0.005 * exact
    old_dt = choose_dt(_final_size_case().compile(), T_END / 100, accuracy=0.2)
    old, old_var = _final_sizes(runs, seed=12, engine="tau", dt=old_dt)
    assert exact - old - 2 * np.sqrt(exact_var + old_var) > 0.005 * exact


def test_the_default_is_adaptive_and_recorded():
    ds = simulate(_final_size_case(), t_end=T_END, seed=1)
    assert ds.attrs["accuracy"] == DEFAULT_STEP_ACCURACY and np.isnan(ds.attrs["dt"])
    fixed = simulate(_final_size_case(), t_end=T_END, seed=1, dt=1e-6)
    assert np.isnan(fixed.attrs["accuracy"]) and fixed.attrs["dt"] == 1e-6
