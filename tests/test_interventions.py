"""Interventions: each shows its effect and its timing on a small world.

Worlds are tiny and most have their dynamics switched off except what the intervention touches,
so effects are exact where they can be (closed doors, instants) and compared with closed forms
within standard errors where they are random (4 SE: a false alarm about once in 16,000).
"""

from dataclasses import replace

import numpy as np
import pytest

from hyosan import Scenario, simulate
from hyosan.errors import HyosanError
from hyosan.interventions import (
    Bomb,
    CloseLinks,
    Cull,
    Cure,
    Evacuate,
    ScaleLinks,
    SetParameter,
    Trigger,
)
from hyosan.models import Character, jonas, sir, szr
from hyosan.places import building, grid, well_mixed

Z4 = 4.0  # standard errors allowed


def _still_jonas(**changes) -> object:
    """The Jonas virus with nothing happening unless an intervention makes it happen."""
    values = dict(beta=0.0, kappa=0.0, h=0.0, zombie_hop=0.0, human_hop=0.0)
    values.update(changes)
    return jonas(**values)


def _rooms(model, counts: dict[str, dict[str, int]], doors=()) -> Scenario:
    rooms = [{"name": name, "counts": c} for name, c in counts.items()]
    return Scenario(model=model, places=building(rooms, doors))


def _region(ds, region: str, compartment: str) -> np.ndarray:
    return ds["counts"].sel(region=region, compartment=compartment).values.astype(float)


# ------------------------------------------------------------------------------------------------
# close and open a link group
def test_closed_door_stops_every_crossing_and_crossing_resumes_after_duration():
    world = _rooms(
        sir(beta=0.0, gamma=0.0, hop=1.0),
        {"hall": {"S": 400, "I": 0, "R": 0}, "yard": {"S": 0}},
        [{"a": "hall", "b": "yard", "group": "door"}],
    )
    world.interventions = (CloseLinks(group="door", start=1.0, duration=2.0),)
    ds = simulate(
        world, t_end=4.0, engine="ssa", runs=30, seed=1, record_every=0.25, progress=False
    )
    yard = _region(ds, "yard", "S")  # (run, time)
    t = ds["time"].values
    closed = (t >= 1.0) & (t <= 3.0)
    # nobody crosses while closed: the yard's count is frozen from t=1 to t=3 in every run
    assert np.all(yard[:, closed] == yard[:, [int(np.argmax(closed))]])
    # before and after, people cross (400 people at 1/day each: ~100 crossings a quarter day)
    assert np.all(yard[:, t == 1.0] > 0)
    assert np.all(np.diff(yard[:, t >= 3.0], axis=1).any(axis=1))
    np.testing.assert_array_equal(ds["intervention_start"].values, 1.0)
    np.testing.assert_array_equal(ds["intervention_end"].values, 3.0)


def test_closing_one_group_leaves_the_others_open():
    world = _rooms(
        sir(beta=0.0, gamma=0.0, hop=1.0),
        {"a": {"S": 200, "I": 0, "R": 0}, "b": {"S": 0}, "c": {"S": 0}},
        [{"a": "a", "b": "b", "group": "door-b"}, {"a": "a", "b": "c", "group": "door-c"}],
    )
    world.interventions = (CloseLinks(group="door-b"),)
    ds = simulate(world, t_end=2.0, engine="ode", record_every=0.5, progress=False)
    assert np.all(_region(ds, "b", "S") == 0.0)
    assert _region(ds, "c", "S")[0, -1] > 50  # the other door stays open


# ------------------------------------------------------------------------------------------------
# cull at rate mu in a zone
def _camp_and_town(z0: int = 1000) -> Scenario:
    return _rooms(_still_jonas(), {"camp": {"Z": z0}, "town": {"Z": z0}})


def test_cull_decays_zombies_in_its_zone_only_as_exp_minus_mu_t():
    mu, start, z0 = 0.8, 0.5, 1000
    world = _camp_and_town(z0)
    world.interventions = (Cull(value=mu, zone="camp", start=start),)
    ds = simulate(world, t_end=3.0, engine="ode", record_every=0.25, progress=False)
    t = ds["time"].values
    expected = z0 * np.exp(-mu * np.maximum(t - start, 0.0))
    np.testing.assert_allclose(_region(ds, "camp", "Z")[0], expected, rtol=1e-5)
    np.testing.assert_allclose(_region(ds, "town", "Z")[0], z0)  # outside the zone: untouched
    camp_r = _region(ds, "camp", "R")[0]
    np.testing.assert_allclose(camp_r, z0 - expected, rtol=1e-5, atol=1e-6)
    assert float(ds["intervention_start"].values[0, 0]) == start


def test_cull_is_a_death_process_in_the_stochastic_engines():
    """Each zombie survives to t with probability exp(-mu (t - start)): a binomial count."""
    mu, start, z0, runs = 0.8, 0.5, 200, 400
    world = _camp_and_town(z0)
    world.interventions = (Cull(value=mu, zone="camp", start=start),)
    ds = simulate(
        world, t_end=2.5, engine="ssa", runs=runs, seed=7, record_every=0.5, progress=False
    )
    camp = _region(ds, "camp", "Z")
    t = ds["time"].values
    assert np.all(camp[:, t <= start] == z0)  # nothing before the soldiers arrive
    assert np.all(_region(ds, "town", "Z") == z0)
    for j in np.flatnonzero(t > start):
        p = np.exp(-mu * (t[j] - start))
        se = np.sqrt(z0 * p * (1 - p) / runs)
        assert abs(camp[:, j].mean() - z0 * p) < Z4 * se, (t[j], camp[:, j].mean(), z0 * p)


# ------------------------------------------------------------------------------------------------
# bomb a zone
def _three_blocks() -> Scenario:
    counts = {"S": 300, "Z": 200, "R": 0}
    return _rooms(_still_jonas(), {"north": counts, "middle": counts, "south": counts})


def test_bomb_removes_its_fraction_at_that_instant_and_only_in_its_zone():
    fraction, when, runs = 0.3, 2.0, 300
    world = _three_blocks()
    world.interventions = (Bomb(zone="middle", fraction=fraction, start=when),)
    ds = simulate(
        world, t_end=4.0, engine="ssa", runs=runs, seed=3, record_every=0.5, progress=False
    )
    t = ds["time"].values
    for region in ("north", "south"):  # outside the zone nothing ever changes
        assert np.all(_region(ds, region, "S") == 300) and np.all(_region(ds, region, "Z") == 200)
    before, after = t < when, t >= when
    for comp, n in (("S", 300), ("Z", 200)):
        middle = _region(ds, "middle", comp)
        assert np.all(middle[:, before] == n)  # not a moment early
        assert np.all(middle[:, after] == middle[:, [int(np.argmax(after))]])  # one instant
        removed = n - middle[:, -1]
        se = np.sqrt(n * fraction * (1 - fraction) / runs)
        assert abs(removed.mean() - n * fraction) < Z4 * se
    # the removed are counted as R (dead), so nobody vanishes
    total = ds["counts"].sel(region="middle").sum("compartment").values
    assert np.all(total == 500)
    np.testing.assert_array_equal(ds["intervention_start"].values, when)
    np.testing.assert_array_equal(ds["intervention_end"].values, when)  # an instant


def test_munz_bombing_destroys_only_zombies():
    """Munz et al.'s impulsive eradication: a fraction of the zombies, humans spared."""
    world = _three_blocks()
    world.interventions = (Bomb(zone=("north", "south"), fraction=0.5, compartments=("Z",),
                                start=1.0),)  # fmt: skip
    ds = simulate(world, t_end=2.0, engine="ode", record_every=0.5, progress=False)
    for region in ("north", "south"):
        np.testing.assert_allclose(_region(ds, region, "Z")[0], [200, 200, 100, 100, 100])
        np.testing.assert_allclose(_region(ds, region, "S")[0], 300)
        np.testing.assert_allclose(_region(ds, region, "R")[0], [0, 0, 100, 100, 100])
    np.testing.assert_allclose(_region(ds, "middle", "Z")[0], 200)


# ------------------------------------------------------------------------------------------------
# evacuate humans from a zone to a place
def test_evacuation_moves_the_humans_of_the_zone_and_leaves_the_zombies():
    model = _still_jonas()
    world = Scenario(
        model=model,
        places=building(
            [
                {"name": "school", "counts": {"S": 100, "Z": 7}},
                {"name": "camp", "counts": {"S": 10}},
            ],
            [],
        ),
        characters=[Character("onjo", "school")],
        interventions=(Evacuate(zone="school", to_place="camp", start=1.5),),
    )
    ds = simulate(world, t_end=3.0, engine="ssa", runs=3, seed=1, record_every=0.5, progress=False)
    t = ds["time"].values
    school, camp = _region(ds, "school", "S"), _region(ds, "camp", "S")
    assert np.all(school[:, t < 1.5] == 100) and np.all(camp[:, t < 1.5] == 10)
    assert np.all(school[:, t >= 1.5] == 0) and np.all(camp[:, t >= 1.5] == 110)
    assert np.all(_region(ds, "school", "Z") == 7)
    # the tagged character is a human too: she goes to the camp with the others
    place = ds["character_place"].sel(character="onjo").values
    assert np.all(place[:, t < 1.5] == 0) and np.all(place[:, t >= 1.5] == 1)


def test_partial_evacuation_moves_a_binomial_share():
    runs, n, fraction = 300, 200, 0.6
    world = _rooms(_still_jonas(), {"school": {"S": n}, "camp": {"S": 0}})
    world.interventions = (Evacuate(zone="school", to_place="camp", fraction=fraction),)
    ds = simulate(
        world, t_end=1.0, engine="ssa", runs=runs, seed=2, record_every=1.0, progress=False
    )
    moved = _region(ds, "camp", "S")[:, -1]
    assert abs(moved.mean() - n * fraction) < Z4 * np.sqrt(n * fraction * (1 - fraction) / runs)
    np.testing.assert_array_equal(_region(ds, "school", "S")[:, -1] + moved, n)


# ------------------------------------------------------------------------------------------------
# shut long-range travel
def _commuter_town(model, commute_weight: float = 1.0) -> Scenario:
    """Home linked to a nearby place by a street and to a far one by the commuter layer."""
    places = building(
        [{"name": "home", "counts": {"S": 300}}, {"name": "near"}, {"name": "far"}],
        [{"a": "home", "b": "near", "group": "street"}],
    )
    far = places.index("far")
    places = places.with_links([0, far], [far, 0], commute_weight, "commute")
    return Scenario(model=model, places=places)


def test_shutting_long_range_travel_keeps_everyone_off_it():
    world = _commuter_town(sir(beta=0.0, gamma=0.0, hop=2.0))
    world.interventions = (ScaleLinks(group="commute", factor=0.0, start=0.5),)
    ds = simulate(
        world, t_end=2.0, engine="ssa", runs=20, seed=5, record_every=0.25, progress=False
    )
    far = _region(ds, "far", "S")
    t = ds["time"].values
    assert np.all(far[:, t >= 0.5] == far[:, [int(np.argmax(t >= 0.5))]])  # frozen from 0.5
    assert far[:, t == 0.5].mean() > 0  # it was used before the shutdown
    assert np.all(np.diff(_region(ds, "near", "S"), axis=1).any(axis=1))  # streets stay open


def test_scaling_a_layer_equals_thinner_links_and_can_pick_compartments():
    factor = 0.25
    model = _still_jonas(stages=2, human_hop=2.0, tau=1e12)  # the bitten stay bitten
    bitten = {"E1": [200, 0, 0], "E2": [100, 0, 0]}
    scaled = _commuter_town(model)
    scaled.places = scaled.places.with_counts(bitten)
    scaled.interventions = (ScaleLinks(group="commute", factor=factor),)
    thin = _commuter_town(model, commute_weight=factor)
    thin.places = thin.places.with_counts(bitten)
    a = simulate(scaled, t_end=1.0, engine="ode", record_every=0.25, progress=False)
    b = simulate(thin, t_end=1.0, engine="ode", record_every=0.25, progress=False)
    np.testing.assert_allclose(a["counts"].values, b["counts"].values, rtol=1e-6, atol=1e-6)
    # 'E' (the bitten, in both stages) kept off the layer; humans still travel on it
    scaled.interventions = (ScaleLinks(group="commute", factor=0.0, compartments=("E",)),)
    c = simulate(scaled, t_end=1.0, engine="ode", record_every=0.25, progress=False)
    assert np.all(_region(c, "far", "E") == 0.0) and _region(c, "far", "S")[0, -1] > 10
    assert _region(c, "near", "E")[0, -1] > 10


def test_a_hop_rate_can_be_set_everywhere_but_not_in_a_zone():
    world = _commuter_town(sir(beta=0.0, gamma=0.0, hop=2.0))
    world.interventions = (SetParameter(parameter="hop", value=0.0, start=0.5),)
    ds = simulate(world, t_end=1.0, engine="ode", record_every=0.25, progress=False)
    home = _region(ds, "home", "S")[0]
    assert home[2] < 300 and np.all(home[2:] == home[2])  # nobody moves after t=0.5
    world.interventions = (SetParameter(parameter="hop", value=0.0, zone="home"),)
    with pytest.raises(HyosanError, match=r"'hop' is a hop rate.*ScaleLinks"):
        simulate(world, t_end=1.0, engine="ode", progress=False)


# ------------------------------------------------------------------------------------------------
# a cure from time T with a ramp
def test_cure_starts_at_its_time_and_ramps_up():
    """Z' = -c(t) Z with c rising linearly from 0 at T to c at T + ramp, then flat."""
    c, start, ramp, z0, h = 1.5, 1.0, 2.0, 1000.0, 0.02
    model = _still_jonas(tau=1e12)  # the bitten never turn here: only the cure acts on them
    world = Scenario(model=model, places=well_mixed({"Z": int(z0), "E1": 500}))
    world.interventions = (Cure(value=c, start=start, ramp=ramp),)
    ds = simulate(world, t_end=4.0, engine="ode", record_every=0.25, check_every=h, progress=False)
    t = ds["time"].values
    s = np.clip(t - start, 0.0, None)
    exposure = np.where(s <= ramp, c * s**2 / (2 * ramp), c * (ramp / 2 + s - ramp))
    expected = z0 * np.exp(-exposure)
    zombies = _region(ds, "world", "Z")[0]
    # the ramp is applied in steps of check_every: the exposure lags by at most c * h / 2
    tolerance = expected * (np.exp(c * h / 2) - 1) + 1e-6
    assert np.all(np.abs(zombies - expected) <= tolerance)
    np.testing.assert_allclose(zombies[t <= start], z0)
    bitten = _region(ds, "world", "E")[0]  # the bitten are cured at the same rate
    assert np.all(np.abs(bitten - expected / 2) <= tolerance / 2)
    assert float(ds["intervention_start"].values[0, 0]) == start


# ------------------------------------------------------------------------------------------------
# triggers
def _outbreak(regions=("x",)) -> Scenario:
    """Zombies grow in region x; humans win sometimes (alpha = 0.5: half the runs die out)."""
    places = grid((1, len(regions)), {"S": 600, "Z": 0, "R": 0}, cell_area=600.0,
                  regions=np.array([regions]))  # fmt: skip
    places = places.with_outbreak("0,0", "Z", 1)
    return Scenario(model=szr(beta=4.0, kappa=2.0, hop=0.0), places=places)


def test_trigger_fires_at_the_first_check_where_it_holds_plus_the_delay():
    dt, delay, threshold, runs = 0.02, 0.25, 100, 24
    world = _outbreak()
    world.interventions = (
        SetParameter(
            parameter="kappa",
            value=20.0,
            zone="x",
            start=Trigger("Z", threshold, region="x", delay=delay),
            duration=1.0,
        ),
    )
    ds = simulate(
        world,
        t_end=5.0,
        engine="tau",
        runs=runs,
        seed=12,
        dt=dt,
        record_every=dt,
        check_every=dt,
        progress=False,
    )
    t = ds["time"].values
    zombies = _region(ds, "x", "Z")
    start = ds["intervention_start"].values[:, 0]
    end = ds["intervention_end"].values[:, 0]
    fired = ~np.isnan(start)
    assert 3 < fired.sum() < runs  # some histories die out first
    for run in range(runs):
        hits = np.flatnonzero(zombies[run] >= threshold)
        if len(hits) == 0:
            assert np.isnan(start[run]) and np.isnan(end[run])
            continue
        first = t[hits[0]]
        expected = np.ceil((first + delay) / dt - 1e-9) * dt
        if expected > t[-1] + 1e-9:  # due after the end of the run: never starts
            assert np.isnan(start[run])
            continue
        assert start[run] == pytest.approx(expected, abs=1e-9)
        if expected + 1.0 > t[-1] + 1e-9:  # due to end after the end of the run: never ends
            assert np.isnan(end[run])
        else:
            assert end[run] == pytest.approx(expected + 1.0, abs=1e-9)
        during = (t >= expected) & (t < expected + 1.0)
        assert np.all(np.diff(zombies[run, during]) <= 10)  # humans fight back harder: Z falls
    assert len(np.unique(start[fired])) > 3  # each history fires at its own time


@pytest.mark.parametrize("engine", ["ssa", "tau"])
def test_runs_that_never_fire_are_unaffected(engine):
    """Same seed, same check times: a trigger that cannot fire changes nothing, so runs whose
    trigger did not fire match it exactly, and fired runs match it up to their firing."""
    options = {"dt": 0.01} if engine == "tau" else {}
    bomb = Bomb(zone="x", fraction=1.0, compartments=("Z",))
    fires = _outbreak()
    fires.interventions = (replace(bomb, start=Trigger("Z", 30, region="x")),)
    never = _outbreak()
    never.interventions = (replace(bomb, start=Trigger("Z", 1e9, region="x")),)
    common = dict(t_end=4.0, engine=engine, runs=30, seed=21, record_every=0.05,
                  check_every=0.05, progress=False, **options)  # fmt: skip
    a = simulate(fires, **common)
    b = simulate(never, **common)
    start = a["intervention_start"].values[:, 0]
    fired = ~np.isnan(start)
    assert 0 < fired.sum() < 30
    np.testing.assert_array_equal(a["counts"].values[~fired], b["counts"].values[~fired])
    t = a["time"].values
    for run in np.flatnonzero(fired):
        before = t < start[run]
        np.testing.assert_array_equal(a["counts"].values[run, before],
                                      b["counts"].values[run, before])  # fmt: skip
        assert _region(a, "x", "Z")[run, np.isclose(t, start[run])] == 0  # bombed at once
    assert len(np.unique(start[fired])) > 1


def test_trigger_on_falling_counts_and_on_the_whole_world():
    world = _rooms(_still_jonas(), {"a": {"Z": 100}, "b": {"Z": 100}})
    world.interventions = (
        Cull(value=1.0, zone="a"),
        Bomb(zone="b", fraction=1.0, start=Trigger("Z", 150, below=True)),
    )
    ds = simulate(
        world, t_end=2.0, engine="ode", record_every=0.01, check_every=0.01, progress=False
    )
    # zombies in a decay as 100 e^{-t}: the world's total falls to 150 at t = ln 2
    start = float(ds["intervention_start"].values[0, 1])
    assert start == pytest.approx(np.log(2), abs=0.011)
    assert _region(ds, "b", "Z")[0, -1] == 0.0


# ------------------------------------------------------------------------------------------------
# bad input names what is wrong
@pytest.mark.parametrize(
    ("intervention", "message"),
    [
        (CloseLinks(group="doors"), "unknown link group 'doors'; did you mean 'door'"),
        (Cull(value=1.0, zone="hal"), "unknown region or place 'hal'; did you mean 'hall'"),
        (Cull(value=-1.0, zone="hall"), "mu=-1.0.*negative"),
        (Bomb(zone="hall", fraction=2.0), "fraction: must be within"),
        (Bomb(zone="hall", compartments=("Zz",)), "unknown compartment 'Zz'"),
        (Evacuate(zone="hall", to_place="yrd"), "unknown place 'yrd'; did you mean 'yard'"),
        (SetParameter(parameter="muu", value=1.0), "unknown parameter 'muu'; did you mean 'mu'"),
        (Cull(value=1.0, start=Trigger("Z", 1, region="hal")), "unknown region 'hal'"),
        (Cull(value=1.0, start=Trigger("X", 1)), "unknown compartment 'X'"),
        (Cull(value=1.0, start="noon"), "start: must be a time >= 0 or a Trigger"),
        (CloseLinks(group="door", duration=0.0), "duration: must be positive"),
    ],
)
def test_bad_interventions_are_errors_that_name_the_culprit(intervention, message):
    world = _rooms(
        _still_jonas(),
        {"hall": {"S": 10}, "yard": {"S": 0}},
        [{"a": "hall", "b": "yard", "group": "door"}],
    )
    world.interventions = (intervention,)
    with pytest.raises(HyosanError, match=message):
        simulate(world, t_end=1.0, engine="ode", progress=False)


def test_something_that_is_not_an_intervention_is_named():
    world = Scenario(model=_still_jonas(), places=well_mixed({"S": 1}), interventions=("bomb",))
    with pytest.raises(HyosanError, match="intervention 0: not an intervention: 'bomb'"):
        simulate(world, t_end=1.0, engine="ode", progress=False)
