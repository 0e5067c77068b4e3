"""The kernels' view of a network (``PreparedNetwork``): its arrays in the compiler's dtypes
and the tables derived from them, and the last few such views remembered by their owner
(``PreparedNetworks``)."""

from __future__ import annotations

import numba as nb
import numpy as np

from hyosan.engines.tau.arrays import NetworkTables, PreparedNetwork
from hyosan.engines.tau.rates import BIRTH_BIT, FIRST_ORDER, GENERAL, MASK_BITS, PAIR
from hyosan.network import NetworkArrays

BLOCK = 256
"""Places per block: the unit of parallel work and of skipping quiet regions. Small enough to
balance a moving front between threads and to skip most of a map, large enough that handing out
blocks costs nothing."""
REACTING_TABLE_MAX_SPECIES = 16
"""Up to this many species the cheap test looks up, by who is present, the compartments that
some reaction may leave (a table of 2^species entries) instead of testing every reaction."""


class PreparedNetworks:
    """The kernels' view of the last few networks, kept by whoever calls the kernels many times
    (a ``LeapSchedule``): deriving the tables costs about as much as a step of a large world,
    and adaptive steps ask every few steps. A network is known by its arrays themselves (so
    their ids stay theirs) and a digest of the ones interventions change (rates, link groups'
    rates, link weights, biases, wander); the same network gives the same object, which a
    schedule's visits are drawn for."""

    MOST = 8

    def __init__(self) -> None:
        self._known: dict[tuple, tuple[NetworkArrays, PreparedNetwork]] = {}

    def get(self, n_species: int, arrays: NetworkArrays) -> PreparedNetwork:
        """The view of ``arrays``: remembered, or derived (forgetting the oldest beyond
        ``MOST``)."""
        digest = hash(
            (
                arrays.rate.tobytes(),
                arrays.group_rate.tobytes(),
                arrays.link_weight.tobytes(),
                arrays.bias.tobytes(),
                arrays.wander.tobytes() if arrays.wander is not None else b"",
            )
        )
        key = (n_species, digest, *(id(a) if isinstance(a, np.ndarray) else a for a in arrays))
        found = self._known.get(key)
        if found is not None:
            _, prepared = found  # the arrays are kept with it so that their ids stay theirs
            return prepared
        prepared = prepare_network(n_species, arrays)
        if len(self._known) >= self.MOST:
            self._known.pop(next(iter(self._known)))
        self._known[key] = (arrays, prepared)
        return prepared


def network_arrays(*kernel_args: np.ndarray) -> NetworkArrays:
    """``CompiledNetwork.kernel_args()`` given spread, as one again (``wander`` may be left out:
    1 everywhere)."""
    fields = dict(zip(NetworkArrays._fields, kernel_args, strict=False))
    fields.setdefault("wander", None)
    return NetworkArrays(**fields)


def _c(array: np.ndarray, dtype: type) -> np.ndarray:
    return np.ascontiguousarray(array, dtype)


def prepare_network(n_species: int, arrays: NetworkArrays) -> PreparedNetwork:
    """The network in the compiler's dtypes, and the derived tables (``wander`` None: 1)."""
    # Exactly the compiler's dtypes, contiguous: any other layout would compile the kernel anew.
    i32, i64, f64, i8 = np.int32, np.int64, np.float64, np.int8
    wander = np.ones(n_species) if arrays.wander is None else arrays.wander
    model = NetworkArrays(
        rate=_c(arrays.rate, f64),
        order=_c(arrays.order, i32),
        reactant_species=_c(arrays.reactant_species, i32),
        delta_species=_c(arrays.delta_species, i32),
        delta_value=_c(arrays.delta_value, i32),
        source=_c(arrays.source, i32),
        scale_mode=np.int64(arrays.scale_mode),
        pop_mask=_c(arrays.pop_mask, i8),
        area=_c(arrays.area, f64),
        out_ptr=_c(arrays.out_ptr, i64),
        link_dest=_c(arrays.link_dest, i32),
        link_weight=_c(arrays.link_weight, f64),
        link_group=_c(arrays.link_group, i32),
        in_ptr=_c(arrays.in_ptr, i64),
        in_link=_c(arrays.in_link, i32),
        group_rate=_c(arrays.group_rate, f64),
        bias=_c(arrays.bias, f64),
        attract_mask=_c(arrays.attract_mask, i8),
        wander=_c(wander, f64),
    )
    return PreparedNetwork(model, derive_tables(n_species, model, np.int64(BLOCK)))


@nb.njit(cache=True)
def derive_tables(n_species, model, block):
    """Read-only tables shared by every run (``NetworkTables``): reactions by source, births,
    hopping species, the most channels out of one compartment, the number of blocks, the masks
    of the cheap test, where each link's departures are written, hop totals."""
    source, reactant_species = model.source, model.reactant_species
    out_ptr, in_link, group_rate = model.out_ptr, model.in_link, model.group_rate
    n_reactions = source.shape[0]
    n_places = out_ptr.shape[0] - 1
    source_ptr = np.zeros(n_species + 1, np.int64)
    n_births = 0
    for r in range(n_reactions):
        if source[r] >= 0:
            source_ptr[source[r] + 1] += 1
        else:
            n_births += 1
    for c in range(n_species):
        source_ptr[c + 1] += source_ptr[c]
    source_reaction = np.empty(max(source_ptr[n_species], 1), np.int64)
    births = np.empty(n_births, np.int64)
    fill = source_ptr[:-1].copy()
    n_births = 0
    for r in range(n_reactions):
        c = source[r]
        if c >= 0:
            source_reaction[fill[c]] = r
            fill[c] += 1
        else:
            births[n_births] = r
            n_births += 1

    hop_column = np.full(n_species, -1, np.int64)
    n_mobile = 0
    for c in range(n_species):
        for g in range(group_rate.shape[0]):
            if group_rate[g, c] > 0.0:
                hop_column[c] = n_mobile
                n_mobile += 1
                break
    hop_species = np.empty(n_mobile, np.int64)
    for c in range(n_species):
        if hop_column[c] >= 0:
            hop_species[hop_column[c]] = c

    max_degree = 0
    for i in range(n_places):
        max_degree = max(max_degree, out_ptr[i + 1] - out_ptr[i])
    most_sourced = 0
    for c in range(n_species):
        most_sourced = max(most_sourced, source_ptr[c + 1] - source_ptr[c])
    n_weights = most_sourced + max_degree  # channels out of one compartment at most
    n_blocks = (n_places + block - 1) // block
    # Departures along a link are written where its destination reads its arrivals: in the
    # order of in-links, so a place gathers them from one stretch of memory.
    in_slot = np.empty(in_link.shape[0], np.int64)
    for idx in range(in_link.shape[0]):
        in_slot[in_link[idx]] = idx
    link_source = np.empty(out_ptr[n_places] - out_ptr[0], np.int64)
    for i in range(n_places):
        for link in range(out_ptr[i], out_ptr[i + 1]):
            link_source[link - out_ptr[0]] = i

    # Bit masks for the cheap test: the species each reaction needs present, the bit it sets
    # (its source's, or BIRTH_BIT), the species that hop. Only while the species fit in a mask.
    use_masks = n_species <= MASK_BITS
    need = np.zeros(n_reactions, np.int64)
    reaction_bit = np.zeros(n_reactions, np.int64)
    mobile_mask = np.int64(0)
    if use_masks:
        for r in range(n_reactions):
            for u in range(reactant_species.shape[1]):
                if reactant_species[r, u] >= 0:
                    need[r] |= np.int64(1) << reactant_species[r, u]
            reaction_bit[r] = np.int64(1) << (source[r] if source[r] >= 0 else BIRTH_BIT)
        for c in range(n_species):
            if hop_column[c] >= 0:
                mobile_mask |= np.int64(1) << c
    # Places may sleep between visits unless some hops lean on the neighbours' counts.
    may_sleep = True
    for c in range(model.bias.shape[0]):
        if model.bias[c] != 0.0:
            may_sleep = False
    return NetworkTables(
        source_ptr=source_ptr,
        source_reaction=source_reaction,
        births=births,
        hop_column=hop_column,
        hop_species=hop_species,
        n_weights=n_weights,
        n_blocks=n_blocks,
        need=need,
        reaction_bit=reaction_bit,
        mobile_mask=mobile_mask,
        use_masks=use_masks,
        block=block,
        in_slot=in_slot,
        hop_total=hop_totals(out_ptr, model.link_weight, model.link_group, group_rate, hop_species),
        partner=partners(model.order, reactant_species, source),
        may_sleep=may_sleep,
        link_source=link_source,
        reacting=reacting_table(n_species, need, reaction_bit, use_masks),
        even_hops=even_hops(out_ptr, model.link_weight, model.link_group, group_rate, hop_species),
    )


@nb.njit(cache=True)
def reacting_table(n_species, need, reaction_bit, use_masks):
    """For every set of compartments present (a bit mask), the bits of the reactions' sources
    whose reactants are all present (``rates.place_intensity``'s cheap test); one entry (unused) for
    more species than ``REACTING_TABLE_MAX_SPECIES``."""
    if not use_masks or n_species > REACTING_TABLE_MAX_SPECIES:
        return np.zeros(1, np.int64)
    table = np.zeros(1 << n_species, np.int64)
    for present in range(1 << n_species):
        for r in range(need.shape[0]):
            if (present & need[r]) == need[r]:
                table[present] |= reaction_bit[r]
    return table


@nb.njit(cache=True)
def even_hops(out_ptr, link_weight, link_group, group_rate, hop_species):
    """Per place and mobile compartment, whether every out-link carries it at the same positive
    rate (a lattice's cells): a lone departure then takes one uniformly, reading no link."""
    n_places = out_ptr.shape[0] - 1
    even = np.zeros((n_places, hop_species.shape[0]), np.bool_)
    for i in range(n_places):
        first, last = out_ptr[i], out_ptr[i + 1]
        for col in range(hop_species.shape[0]):
            c = hop_species[col]
            w0 = link_weight[first] * group_rate[link_group[first], c] if last > first else 0.0
            alike = w0 > 0.0
            for link in range(first + 1, last):
                alike = alike and link_weight[link] * group_rate[link_group[link], c] == w0
            even[i, col] = alike
    return even


@nb.njit(cache=True)
def hop_totals(out_ptr, link_weight, link_group, group_rate, hop_species):
    """Per-capita hop hazard out of each place for each mobile compartment (without attraction,
    which depends on the destinations' counts): the rates of this call's open link groups."""
    n_places = out_ptr.shape[0] - 1
    totals = np.zeros((n_places, hop_species.shape[0]), np.float64)
    for i in range(n_places):
        for link in range(out_ptr[i], out_ptr[i + 1]):
            w = link_weight[link]
            g = link_group[link]
            for col in range(hop_species.shape[0]):
                totals[i, col] += w * group_rate[g, hop_species[col]]
    return totals


@nb.njit(cache=True)
def partners(order, reactant_species, source):
    """For each reaction: the other reactant of a two-body reaction with its source, or how
    its per-capita propensity is computed (first order, a pair of the same species, general)."""
    partner = np.full(order.shape[0], GENERAL, np.int64)
    for r in range(order.shape[0]):
        c = source[r]
        if c < 0:
            continue
        if order[r] == 1 and reactant_species[r, 0] == c:
            partner[r] = FIRST_ORDER
        elif order[r] == 2:
            a, b = reactant_species[r, 0], reactant_species[r, 1]
            if a == c and b == c:
                partner[r] = PAIR
            elif a == c:
                partner[r] = b
            elif b == c:
                partner[r] = a
    return partner
