"""The tau kernel's arguments besides the network, as named tuples: the tables derived from a
network, each run's plan of visits and pace, and the scratch of the work items.

Numba passes a named tuple by value and resolves its fields at compile time, so naming them
costs nothing at run time. Each array is documented here, once; the network's own arrays
(``hyosan.network.NetworkArrays``) on ``CompiledNetwork``. P places, S species, R reactions,
L links, M mobile species (those that hop), B births (reactions that consume nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numba as nb
import numpy as np

from hyosan.network import NetworkArrays

NEVER = np.int64(1) << np.int64(61)
"""The next visit of a place where nothing can happen until something arrives."""
# A place's next visit is stored as one code, 2 * step + sure: ``sure`` (1) if something
# surely happens there then, 0 if the visit must draw whether anything does. It is due at
# ``step`` when its code is at most 2 * step + 1.

CHANGED = np.uint8(1)  # status bit: the place's own new counts are in the ``fresh`` buffer
BUSY = np.uint8(2)  # status bit: visited this step as a busy place (it is visited again next)
VISITED = np.uint8(4)  # status bit: visited in phase 1 of this step (phase 2 draws its next visit)
LONE = np.uint8(2)  # an in-link's mail byte: 1, see its departures row; LONE + k: one unit of k
LONE_COLUMNS = 256 - 2

GAP = 8
"""Elements (of 8 bytes: a cache line) left unused before each work item's row of a local
buffer (``item_buffers``), so that no two threads ever write to the same cache line: each write
would take the line from the other core, and the random streams' states are written at every
draw."""


class NetworkTables(NamedTuple):
    """Read-only tables derived from a network (``tables.derive_tables``), shared by every run."""

    source_ptr: np.ndarray
    """int64 (S+1,): the reactions whose source is c are source_reaction[source_ptr[c]:
    source_ptr[c+1]]."""
    source_reaction: np.ndarray
    """int64 (at least 1,): reactions ordered by their source."""
    births: np.ndarray
    """int64 (B,): the reactions without a source."""
    hop_column: np.ndarray
    """int64 (S,): each species' column among the mobile ones (departures rows, hop totals);
    -1 for a species that never hops."""
    hop_species: np.ndarray
    """int64 (M,): the species of each mobile column."""
    n_weights: int
    """The most channels out of one compartment: its reactions plus a place's out-links."""
    n_blocks: int
    """Blocks of ``block`` places."""
    need: np.ndarray
    """int64 (R,): bit mask of the species a reaction needs present (the cheap test of
    ``rates.place_intensity``; only while ``use_masks``)."""
    reaction_bit: np.ndarray
    """int64 (R,): the bit a reaction sets in that test: its source's, or ``BIRTH_BIT``."""
    mobile_mask: int
    """Bit mask of the species that hop."""
    use_masks: bool
    """The species fit in a bit mask (``rates.MASK_BITS``): the cheap test applies."""
    block: int
    """Places per block (``tables.BLOCK``)."""
    in_slot: np.ndarray
    """int64 (L,): each link's position among its destination's in-links: where its departures
    are written, so a place gathers its arrivals from one stretch of memory."""
    hop_total: np.ndarray
    """float64 (P, M): per-capita hop hazard out of each place for each mobile compartment,
    without attraction (which depends on the destinations' counts)."""
    partner: np.ndarray
    """int64 (R,): the other reactant of a two-body reaction with its source, or how its
    per-capita propensity is computed (``rates.FIRST_ORDER``, ``PAIR``, ``GENERAL``)."""
    may_sleep: bool
    """No hop is biased: places may sleep between visits (else those holding units with biased
    hops lean on their neighbours' counts, see ``rates.leans``)."""
    link_source: np.ndarray
    """int64 (L,): each link's source place."""
    reacting: np.ndarray
    """int64 (2^S,): for every set of compartments present, the bits of the reactions' sources
    whose reactants are all present; one unused entry for more than
    ``tables.REACTING_TABLE_MAX_SPECIES`` species."""
    even_hops: np.ndarray
    """bool (P, M): every out-link of the place carries the compartment at the same positive
    rate (a lattice's cells): a lone departure takes one uniformly, reading no link."""


@dataclass(frozen=True, eq=False)
class PreparedNetwork:
    """The kernels' view of a network: its arrays in the compiler's dtypes, and the tables
    derived from them. A schedule knows which network its visits were drawn for by the identity
    of this object (equal only to itself)."""

    model: NetworkArrays
    tables: NetworkTables


class VisitPlan(NamedTuple):
    """Runs' schedules of visits (``LeapSchedule``): (runs, P) arrays, or one run's (P,) rows
    inside the kernel."""

    wake: np.ndarray
    """int64: each place's next visit, as a code (see ``NEVER``)."""
    no_pull: np.ndarray
    """bool: places known to feel no pull (nothing next door attracts their biased units;
    cleared when attractors come next door, see ``leap.nudge_if_first``)."""
    until: np.ndarray
    """float64: the time a place's leap over several steps ends; -inf when it leaps one step."""


class Paces(NamedTuple):
    """Per run (arrays of runs), how far places may leap (adaptive steps)."""

    ratio: np.ndarray
    """float64: accuracy / dt (0 for fixed steps)."""
    most_steps: np.ndarray
    """int64: the most base steps one leap may span (1: every place leaps one step)."""
    time0: np.ndarray
    """float64: the time at the call's first step."""
    leapt: np.ndarray
    """bool: whether a leap over several steps may be under way (``LeapSchedule.leapt``)."""


class Pace(NamedTuple):
    """One run's ``Paces``, with the index of the step at ``time0``."""

    ratio: float
    most_steps: int
    time0: float
    step0: int
    leapt: bool


class RunScratch(NamedTuple):
    """Scratch of one run's step, one copy per work item (a first axis of items; ``item_scratch``
    takes one). Between steps every departure is gathered and every flag cleared."""

    fresh: np.ndarray
    """int32 (P, S): new rows of the places that changed (``CHANGED``)."""
    hops: np.ndarray
    """int32 (L, M): departures per link, by in-link (``NetworkTables.in_slot``); all zero
    between steps (the gathering place takes them out)."""
    status: np.ndarray
    """uint8 (P padded to whole words of eight): status bits per place (``CHANGED``, ``BUSY``,
    ``VISITED``)."""
    inbox: np.ndarray
    """uint8 (P padded to whole words of eight): arrivals flag per place."""
    block_inbox: np.ndarray
    """uint8 (blocks,): a place of the block has something to gather or look at."""
    block_wake: np.ndarray
    """int64 (blocks,): the earliest next visit (a code) among the block's places."""
    nudged: np.ndarray
    """uint8 (P padded to whole words of eight): places whose biased units may now feel a pull
    (``leap.nudge_if_first``). The flags per place are read eight at a time by phase 2."""
    mail: np.ndarray
    """uint8 (L,): which in-links carry departures (a place gathers only those: most of its
    links carry nothing in a step, and each is a row of every mobile species); a lone unit is
    told by the byte itself (``LONE``)."""
    blocks_handed: np.ndarray
    """int64 (1,): the counter of blocks handed out to the threads (``sweep.sweep``)."""


class ItemBuffers(NamedTuple):
    """Small buffers, one row per work item (``item_buffers`` takes one), each row ``GAP``
    elements after the last one ends. Allocated by the caller and kept between calls
    (``LeapSchedule.scratch``): a block is too small a piece of work to allocate for."""

    rng: np.ndarray
    """uint64 (1,): the random stream's state."""
    weight: np.ndarray
    """float64 (n_weights,): the rates of the channels out of a compartment."""
    taken: np.ndarray
    """int64 (n_weights,): departures per channel."""
    row_new: np.ndarray
    """int64 (S,): a place's new counts."""
    fired_reaction: np.ndarray
    """int64 (R,): the reactions fired in a place, in order."""
    fired_count: np.ndarray
    """int64 (R,): how often each fired."""
    hazard: np.ndarray
    """float64 (S,): per-capita hazard of leaving each compartment."""
    birth_rate: np.ndarray
    """float64 (max(R, 1),): the births' propensities."""
    involvement: np.ndarray
    """float64 (S,): per-compartment involvement (``rates.place_involvement``)."""
    places: np.ndarray
    """int64 (block,): the places of a block to look at."""


def run_scratch(
    n_items: int, n_places: int, n_links: int, n_species: int, n_mobile: int, n_blocks: int
) -> RunScratch:
    """A ``RunScratch`` with ``n_items`` copies, cleared. (Allocation only: in numpy, not a
    compiled function, which would cost seconds of the first run's compilation.)"""
    flags = (n_places + 7) // 8 * 8
    return RunScratch(
        fresh=np.empty((n_items, n_places, n_species), np.int32),
        hops=np.zeros((n_items, n_links, n_mobile), np.int32),
        status=np.zeros((n_items, flags), np.uint8),
        inbox=np.zeros((n_items, flags), np.uint8),
        block_inbox=np.zeros((n_items, n_blocks), np.uint8),
        block_wake=np.empty((n_items, n_blocks), np.int64),
        nudged=np.zeros((n_items, flags), np.uint8),
        mail=np.zeros((n_items, n_links), np.uint8),
        blocks_handed=np.zeros((n_items, 1), np.int64),
    )


def work_buffers(
    n_rows: int, n_species: int, n_reactions: int, n_weights: int, block: int
) -> ItemBuffers:
    """``ItemBuffers`` of ``n_rows`` rows (in numpy, like ``run_scratch``)."""
    return ItemBuffers(
        rng=np.empty((n_rows, GAP + 1), np.uint64),
        weight=np.empty((n_rows, GAP + n_weights), np.float64),
        taken=np.empty((n_rows, GAP + n_weights), np.int64),
        row_new=np.empty((n_rows, GAP + n_species), np.int64),
        fired_reaction=np.empty((n_rows, GAP + n_reactions), np.int64),
        fired_count=np.empty((n_rows, GAP + n_reactions), np.int64),
        hazard=np.empty((n_rows, GAP + n_species), np.float64),
        birth_rate=np.empty((n_rows, GAP + max(n_reactions, 1)), np.float64),
        involvement=np.empty((n_rows, GAP + n_species), np.float64),
        places=np.empty((n_rows, GAP + block), np.int64),
    )


@nb.njit(cache=True, _nrt=False, inline="always")
def item_buffers(local, w):
    """Work item w's row of each buffer."""
    return ItemBuffers(
        local.rng[w, GAP:], local.weight[w, GAP:], local.taken[w, GAP:], local.row_new[w, GAP:],
        local.fired_reaction[w, GAP:], local.fired_count[w, GAP:], local.hazard[w, GAP:],
        local.birth_rate[w, GAP:], local.involvement[w, GAP:], local.places[w, GAP:],
    )  # fmt: skip


@nb.njit(cache=True, _nrt=False, inline="always")
def item_scratch(shared, w):
    """Work item w's copy of the run scratch."""
    return RunScratch(
        shared.fresh[w], shared.hops[w], shared.status[w], shared.inbox[w],
        shared.block_inbox[w], shared.block_wake[w], shared.nudged[w], shared.mail[w],
        shared.blocks_handed[w],
    )  # fmt: skip
