"""Models as data: parsing, validation errors that name the culprit, units, compilation."""

import numpy as np
import pytest

from hyosan.errors import ModelError
from hyosan.models import (
    Character,
    Model,
    Parameter,
    Reaction,
    compile_model,
    jonas,
    seir,
    sir,
    szr,
)
from hyosan.models.units import conversion, parse_quantity


def _model(**changes):
    spec = {
        "name": "toy",
        "compartments": ("S", "Z", "R"),
        "reactions": (Reaction("bite", "S + Z -> 2 Z", "beta"),),
        "parameters": {"beta": Parameter(1.0, "1/hour")},
    }
    spec.update(changes)
    return Model(**spec)


def test_unknown_compartment_names_reaction_and_suggests():
    with pytest.raises(ModelError, match=r"reaction 'bite'.*unknown compartment 'Zz'.*'Z'"):
        _model(reactions=(Reaction("bite", "S + Zz -> 2 Zz", "beta"),))


def test_negative_rate_names_reaction():
    with pytest.raises(ModelError, match=r"reaction 'bite'.*negative"):
        _model(parameters={"beta": Parameter(-1.0, "1/hour")})


def test_missing_parameter_names_reaction_and_parameter():
    with pytest.raises(ModelError, match=r"reaction 'bite'.*unknown parameter 'betta'.*'beta'"):
        _model(reactions=(Reaction("bite", "S + Z -> 2 Z", "betta"),))


def test_creating_people_from_nothing_is_refused():
    with pytest.raises(ModelError, match=r"reaction 'split'.*creates people from nothing"):
        _model(reactions=(Reaction("split", "Z -> 2 Z", "beta"),))


def test_expression_may_only_be_arithmetic():
    with pytest.raises(ModelError, match="reaction 'bite'"):
        _model(reactions=(Reaction("bite", "S + Z -> 2 Z", "__import__('os')"),))


def test_negative_rate_from_expression_names_reaction():
    with pytest.raises(ModelError, match=r"reaction 'turn'.*negative"):
        jonas(h=1.5)


def test_units_convert_to_model_time_unit():
    assert conversion("1/hour", "day") == pytest.approx(24.0)
    assert conversion("per day", "hour") == pytest.approx(1 / 24)
    assert conversion("minutes", "hour") == pytest.approx(1 / 60)
    assert conversion("1/(person hour)", "minute") == pytest.approx(1 / 60)
    assert parse_quantity("0.5/hour") == (0.5, "1/hour")
    with pytest.raises(ModelError, match="unknown unit 'furlongs'"):
        conversion("furlongs", "hour")


def test_jonas_rates_in_model_units():
    model = jonas(tau=30.0, stages=3, h=0.01)  # tau in minutes, model in hours
    values = model.values()
    assert values["tau"] == pytest.approx(0.5)
    compiled = compile_model(model)
    rates = dict(zip(compiled.reactions, compiled.rate, strict=True))
    assert rates["progress1"] == pytest.approx(3 / 0.5)
    assert rates["turn"] == pytest.approx(0.99 * 3 / 0.5)
    assert rates["become_hybrid"] == pytest.approx(0.01 * 3 / 0.5)
    assert model.reported == ("S", "E", "Z", "H", "R")


def test_with_parameters_keeps_units_and_checks_names():
    model = szr().with_parameters(beta=2.0)
    assert model.parameters["beta"] == Parameter(
        2.0, "1/hour", model.parameters["beta"].description
    )
    with pytest.raises(ModelError, match="unknown parameter 'betaa'"):
        szr().with_parameters(betaa=1.0)


def test_compiled_stoichiometry_of_szr():
    compiled = compile_model(szr())
    species = compiled.species
    bite = compiled.reactions.index("bite")
    delta = {
        species[s]: v
        for s, v in zip(compiled.delta_species[bite], compiled.delta_value[bite], strict=True)
        if s >= 0
    }
    assert delta == {"S": -1, "Z": 1}
    assert species[compiled.source[bite]] == "S"
    kill = compiled.reactions.index("kill")
    assert species[compiled.source[kill]] == "Z"


def test_character_variants_follow_the_person():
    compiled = compile_model(jonas(stages=2), [Character("namra", "lab", overrides={"h": 1.0})])
    species = compiled.species

    def variants(name):
        out = []
        for r, reaction in enumerate(compiled.reactions):
            if reaction == name:
                reac = [species[s] for s in compiled.reactant_species[r] if s >= 0]
                delta = {
                    species[s]: int(v)
                    for s, v in zip(compiled.delta_species[r], compiled.delta_value[r], strict=True)
                    if s >= 0
                }
                out.append((reac, delta, compiled.rate[r]))
        return out

    bites = variants("bite:namra")
    assert (["S:namra", "Z"], {"S:namra": -1, "E1:namra": 1}) in [(r, d) for r, d, _ in bites]
    assert (["S", "Z:namra"], {"S": -1, "E1": 1}) in [(r, d) for r, d, _ in bites]
    (turn,) = variants("turn:namra")
    assert turn[2] == 0.0  # Nam-ra never turns into a zombie
    (hybrid,) = variants("become_hybrid:namra")
    assert hybrid[1] == {"E2:namra": -1, "H:namra": 1} and hybrid[2] > 0


def test_builtins_have_expected_shapes():
    assert sir().compartments == ("S", "I", "R")
    assert seir().contact == "frequency"
    assert szr().contact == "density"
    assert np.isclose(szr().values()["kappa"] / szr().values()["beta"], 0.8)


def test_wander_is_checked_and_named():
    with pytest.raises(ModelError, match=r"wander of 'Z'.*pace"):
        jonas(zombie_wander=-0.5)
    with pytest.raises(ModelError, match=r"wander: unknown compartment 'Q'"):
        _model(wander={"Q": "1"})


def test_wander_without_attraction_is_folded_into_the_hop_rate():
    """A pace with no attraction is one number: the compiler multiplies the hop rate by it, so
    engines see a plain walker; with attraction it stays the factor where nobody attracts."""
    plain = compile_model(jonas(zombie_hop=3.0, zombie_wander=0.5))
    z = plain.species.index("Z")
    assert plain.mobility[z] == pytest.approx(1.5) and plain.wander[z] == 1.0
    pulled = compile_model(jonas(zombie_hop=3.0, zombie_wander=0.0, noise_bias=0.01))
    assert pulled.mobility[z] == pytest.approx(3.0) and pulled.wander[z] == 0.0
    assert pulled.bias[z] == pytest.approx(0.01)
