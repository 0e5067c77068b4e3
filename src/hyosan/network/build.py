"""The one place a network is built: a model, a graph of places and the characters, as arrays.

The model-level step (reactions into species and reaction variants, rates evaluated) is
:func:`hyosan.models.compiler.compile_model`; this adds what the places bring: initial counts,
links in CSR form, each link group's hop rates, and the labels that map indices back to names.
"""

from __future__ import annotations

import numpy as np

from hyosan.errors import PlacesError, suggest
from hyosan.models.compiler import CompiledModel, compile_model
from hyosan.models.spec import Character, Model
from hyosan.network.compiled import SCALE_AREA, SCALE_POPULATION, CompiledNetwork
from hyosan.network.contact import contact_arrays
from hyosan.network.formulas import NetworkFormulas
from hyosan.network.labels import NetworkLabels
from hyosan.places.graph import Places


def build_network(
    model: Model,
    places: Places,
    characters: tuple[Character, ...] | list[Character] = (),
) -> CompiledNetwork:
    """Arrays for the engines: species x places counts, reactions, link CSR, hop rates."""
    for comp in places.counts:
        if comp not in model.compartments:
            raise PlacesError(
                f"initial counts: model {model.name!r} has no "
                + suggest(comp, model.compartments, "compartment")[len("unknown ") :]
            )
    compiled = compile_model(model, characters)
    initial = _initial_counts(model, places, characters, len(compiled.species))

    n_places = places.n_places
    order = np.argsort(places.link_source, kind="stable")
    source = places.link_source[order]
    dest = places.link_dest[order].astype(np.int32)
    groups = places.groups
    group_index = {g: j for j, g in enumerate(groups)}
    link_group = np.array([group_index[places.link_group[k]] for k in order], np.int32)
    out_ptr = np.zeros(n_places + 1, np.int64)
    np.cumsum(np.bincount(source, minlength=n_places), out=out_ptr[1:])
    in_link = np.argsort(dest, kind="stable").astype(np.int32)
    in_ptr = np.zeros(n_places + 1, np.int64)
    np.cumsum(np.bincount(dest, minlength=n_places), out=in_ptr[1:])
    link_weight = places.link_weight[order].astype(np.float64)
    contact = None
    if compiled.fields:
        first_user = {}
        for reaction in model.reactions:
            if reaction.across:
                key = (model.compartments.index(next(iter(reaction.there))), reaction.groups)
                first_user.setdefault(key, reaction.name)
        contact = contact_arrays(
            compiled.fields, compiled.base_of, out_ptr, link_weight, link_group, groups,
            [first_user[f] for f in compiled.fields],
        )  # fmt: skip
    formulas = NetworkFormulas(
        model=compiled.formulas,
        group_factor=_group_factors(model, places, compiled),
        n_groups=len(groups),
    )
    return CompiledNetwork(
        species=compiled.species,
        reactions=compiled.reactions,
        rate=compiled.rate.reshape(1, -1).copy(),
        order=compiled.order,
        reactant_species=compiled.reactant_species,
        delta_species=compiled.delta_species,
        delta_value=compiled.delta_value,
        source=compiled.source,
        scale_mode=SCALE_AREA if model.contact == "density" else SCALE_POPULATION,
        pop_mask=compiled.pop_mask,
        area=places.area.astype(np.float64),
        out_ptr=out_ptr,
        link_dest=dest,
        link_weight=link_weight,
        link_group=link_group,
        in_ptr=in_ptr,
        in_link=in_link,
        group_names=groups,
        group_rate=formulas.group_rate(compiled.mobility),
        bias=compiled.bias,
        wander=compiled.wander,
        attract_mask=compiled.attract_mask,
        initial=initial,
        labels=_labels(model, places, compiled, order),
        formulas=formulas,
        contact=contact,
    )


def _initial_counts(
    model: Model,
    places: Places,
    characters: tuple[Character, ...] | list[Character],
    n_species: int,
) -> np.ndarray:
    """int32 (P, S): the places' counts, each character taken out of the crowd at its place."""
    initial = np.zeros((places.n_places, n_species), np.int64)
    for comp, values in places.counts.items():
        initial[:, model.compartments.index(comp)] = values
    for k, character in enumerate(characters):
        try:
            i = places.index(character.place)
        except PlacesError as error:
            raise PlacesError(f"character {character.name!r}: {error}") from None
        base = model.compartments.index(character.compartment)
        if initial[i, base] > 0:
            initial[i, base] -= 1
        initial[i, (k + 1) * len(model.compartments) + base] = 1
    if initial.max(initial=0) >= 2**31:
        raise PlacesError("a place holds more than 2**31 people in one compartment")
    return initial.astype(np.int32)


def _group_factors(model: Model, places: Places, compiled: CompiledModel) -> np.ndarray:
    """float64 (max(G, 1), S): each link group's factor on each species' hop rate (default 1)."""
    groups = places.groups
    n_species = len(compiled.species)
    factor = np.zeros((max(len(groups), 1), n_species), np.float64)
    for j, group in enumerate(groups):
        table = places.group_factor.get(group, {})
        for comp in table:
            if comp not in model.compartments:
                raise PlacesError(
                    f"group_factor of {group!r}: model {model.name!r} has no "
                    + suggest(comp, model.compartments, "compartment")[8:]
                )
        for s in range(n_species):
            factor[j, s] = float(table.get(model.compartments[compiled.base_of[s]], 1.0))
    return factor


def _labels(
    model: Model, places: Places, compiled: CompiledModel, link_order: np.ndarray
) -> NetworkLabels:
    reported = list(model.reported)
    regions = places.regions
    region_index = {r: j for j, r in enumerate(regions)}
    return NetworkLabels(
        base_of=compiled.base_of,
        character_of=compiled.character_of,
        base_reaction=compiled.base_reaction,
        reported=reported,
        reported_index=np.array(
            [reported.index(model.reported_of(model.compartments[b])) for b in compiled.base_of],
            np.int32,
        ),
        regions=regions,
        region_index=np.array([region_index[r] for r in places.region], np.int32),
        link_order=link_order,
    )
