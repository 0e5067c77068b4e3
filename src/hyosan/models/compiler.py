"""Compile a model (and its tagged characters) into species and reaction arrays.

Characters are expanded here, not in the engines: character c gets a copy ``X:c`` of every
compartment X, and every reaction gets one variant per reactant unit that c could be. In a variant
the character either stays what it was (a catalyst, like the zombie in a bite) or becomes the
product its unit turns into (the human in a bite becomes ``E1:c``), and the rate is evaluated with
c's parameter overrides. Character-character encounters are not expanded (the list would grow as
the square of the cast); they meet the crowd, not each other.

A reaction across links ('S@here + Z@there -> Z@here + Z@there') reads its '@there' unit from a
*neighbour field*: the weighted sum of that compartment's counts (crowd and characters alike) in
the linked places. Its last reactant unit is written ``n_species + q`` for field q (see
``CompiledNetwork``); reactions with the same '@there' compartment and link groups share a field.
Characters get variants for their '@here' units only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hyosan.errors import ModelError
from hyosan.models.formulas import RateFormulas, formulas_of
from hyosan.models.spec import Character, Model


@dataclass
class CompiledModel:
    """Species and reactions as arrays; see :class:`hyosan.network.compiled.CompiledNetwork`."""

    species: list[str]
    base_of: np.ndarray  # int32 (S,) index of the model compartment each species copies
    character_of: np.ndarray  # int32 (S,) index into characters, -1 for the crowd
    reactions: list[str]
    base_reaction: np.ndarray  # int32 (R,) index of the model reaction each variant comes from
    rate: np.ndarray  # float64 (R,)
    order: np.ndarray
    reactant_species: np.ndarray
    delta_species: np.ndarray
    delta_value: np.ndarray
    source: np.ndarray
    pop_mask: np.ndarray
    mobility: np.ndarray  # float64 (S,) hop rate per unit link weight
    bias: np.ndarray
    wander: np.ndarray  # float64 (S,) 1 where the attraction is zero (folded into mobility)
    attract_mask: np.ndarray
    characters: list[Character]
    formulas: RateFormulas  # how each rate above follows from the parameters
    fields: list[tuple[int, tuple[tuple[str, float], ...] | None]]
    """Neighbour fields of reactions across links: (compartment, link groups and factors)."""


def _units(side: dict[str, int]) -> list[str]:
    return [comp for comp, count in side.items() for _ in range(count)]


def _unit_fates(reactants: dict[str, int], products: dict[str, int]) -> list[int | None]:
    """For each reactant unit: the product unit it becomes (index), or None if it vanishes.

    Of a species' reactant units, the first ones are consumed (as many as its net loss) and the
    rest are catalysts that stay themselves; consumed units take the net-produced units in order.
    """
    reactant_units = _units(reactants)
    product_units = _units(products)
    taken = [False] * len(product_units)
    fates: list[int | None] = [None] * len(reactant_units)
    consumed: list[int] = []
    seen: dict[str, int] = {}
    for u, comp in enumerate(reactant_units):
        seen[comp] = seen.get(comp, 0) + 1
        net_loss = reactants[comp] - products.get(comp, 0)
        if seen[comp] <= net_loss:
            consumed.append(u)
        else:  # a catalyst: keeps its identity, occupies one product unit of its own species
            for p, prod in enumerate(product_units):
                if prod == comp and not taken[p]:
                    taken[p] = True
                    fates[u] = p
                    break
    produced = [p for p, prod in enumerate(product_units) if not taken[p]]
    for u, p in zip(consumed, produced, strict=False):
        fates[u] = p
    return fates


def compile_model(model: Model, characters: list[Character] | tuple = ()) -> CompiledModel:
    """Expand stages' copies for characters and evaluate every rate in the model's time unit."""
    base = list(model.compartments)
    index = {comp: i for i, comp in enumerate(base)}
    names = [c.name for c in characters]
    if len(set(names)) != len(names):
        raise ModelError(
            f"character {next(n for n in names if names.count(n) > 1)!r} is tagged twice"
        )
    species = list(base)
    base_of = list(range(len(base)))
    character_of = [-1] * len(base)
    for k, character in enumerate(characters):
        if character.compartment not in index:
            raise ModelError(
                f"character {character.name!r}: compartment {character.compartment!r} "
                f"is not in model {model.name!r}"
            )
        species += [f"{comp}:{character.name}" for comp in base]
        base_of += list(range(len(base)))
        character_of += [k] * len(base)
    n_base = len(base)

    def species_index(comp: str, who: int) -> int:
        return index[comp] if who < 0 else n_base * (who + 1) + index[comp]

    rows: list[tuple[str, int, int, list[int], list[int]]] = []  # name, base, who, reac, prod
    fields: list[tuple[int, tuple[tuple[str, float], ...] | None]] = []
    field_units: list[list[int]] = []  # per row: [n_species + q] across links, else []
    n_species = len(species)
    for r, reaction in enumerate(model.reactions):
        reactants, products = reaction.sides
        reactant_units = _units(reactants)
        product_units = _units(products)
        across: list[int] = []
        if reaction.across:
            key = (index[next(iter(reaction.there))], reaction.groups)
            if key not in fields:
                fields.append(key)  # type: ignore[arg-type]
            across = [n_species + fields.index(key)]  # type: ignore[arg-type]
        rows.append(
            (
                reaction.name,
                r,
                -1,
                [index[c] for c in reactant_units],
                [index[c] for c in product_units],
            )
        )
        field_units.append(across)
        fates = _unit_fates(reactants, products)
        for k, character in enumerate(characters):
            for u in range(len(reactant_units)):
                reac = [species_index(c, k if v == u else -1) for v, c in enumerate(reactant_units)]
                prod = [
                    species_index(c, k if p == fates[u] else -1)
                    for p, c in enumerate(product_units)
                ]
                rows.append((f"{reaction.name}:{character.name}", r, k, reac, prod))
                field_units.append(across)
    formulas = formulas_of(
        model,
        characters,
        [(row[1], row[2]) for row in rows],
        list(zip(base_of, character_of, strict=True)),
    )
    rate = formulas.rates()
    for (_, r, who, _, _), value in zip(rows, rate, strict=True):
        if who >= 0 and value < 0:
            raise ModelError(
                f"reaction {model.reactions[r].name!r}: rate for character "
                f"{characters[who].name!r} is negative"
            )

    n_reactions = len(rows)
    max_order = max([len(row[3]) + len(f) for row, f in zip(rows, field_units, strict=True)] + [1])
    order = np.zeros(n_reactions, np.int32)
    reactant_species = np.full((n_reactions, max_order), -1, np.int32)
    deltas: list[dict[int, int]] = []
    source = np.full(n_reactions, -1, np.int32)
    for r, (_, _, _, reac, prod) in enumerate(rows):
        units = reac + field_units[r]
        order[r] = len(units)
        reactant_species[r, : len(units)] = units
        delta: dict[int, int] = {}
        for s in reac:
            delta[s] = delta.get(s, 0) - 1
        for s in prod:
            delta[s] = delta.get(s, 0) + 1
        delta = {s: v for s, v in delta.items() if v != 0}
        deltas.append(delta)
        consumed = [s for s in reac if delta.get(s, 0) < 0]
        if consumed:
            source[r] = consumed[0]
    max_delta = max([len(d) for d in deltas] + [1])
    delta_species = np.full((n_reactions, max_delta), -1, np.int32)
    delta_value = np.zeros((n_reactions, max_delta), np.int32)
    for r, delta in enumerate(deltas):
        for j, (s, v) in enumerate(sorted(delta.items())):
            delta_species[r, j] = s
            delta_value[r, j] = v

    base_of_arr = np.asarray(base_of, np.int32)
    living = set(model.living())
    attractors = set(model.attractors)
    mobility, bias, wander = formulas.movement()
    return CompiledModel(
        species=species,
        base_of=base_of_arr,
        character_of=np.asarray(character_of, np.int32),
        reactions=[row[0] for row in rows],
        base_reaction=np.asarray([row[1] for row in rows], np.int32),
        rate=rate,
        order=order,
        reactant_species=reactant_species,
        delta_species=delta_species,
        delta_value=delta_value,
        source=source,
        pop_mask=np.array([base[b] in living for b in base_of_arr], np.int8),
        mobility=mobility,
        bias=bias,
        wander=wander,
        attract_mask=np.array([base[b] in attractors for b in base_of_arr], np.int8),
        characters=list(characters),
        formulas=formulas,
        fields=fields,
    )
