"""The tau-leap kernel on hand-built networks: conservation, non-negativity, determinism across
threads, batches, regimes and chunks, and two closed forms.

Tolerances are standard errors of the estimates (4 SE: a false alarm about once in 16,000).
"""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest

from hyosan.engines import TauEngine, tau
from hyosan.engines.tau import arrays, involvement, sweep, tables, tau_advance
from hyosan.network.compiled import SCALE_AREA, SCALE_POPULATION, CompiledNetwork
from hyosan.run.simulate import run_keys

Z4 = 4.0  # standard errors allowed


def _network(
    species: list[str],
    reactions: list[tuple[list[str], list[str], float]],
    n_places: int = 1,
    links: list[tuple[int, int, float, int]] = (),
    group_rate: list[list[float]] | None = None,
    scale_mode: int = SCALE_AREA,
    pop_mask: list[int] | None = None,
    bias: list[float] | None = None,
    attract_mask: list[int] | None = None,
    rate: np.ndarray | None = None,
    wander: list[float] | None = None,
) -> CompiledNetwork:
    """A CompiledNetwork from reactions ``(reactants, products, rate)`` and links
    ``(source, destination, weight, group)``, with the compiler's dtypes and source rule."""
    index = {name: k for k, name in enumerate(species)}
    n_species, n_reactions = len(species), len(reactions)
    max_order = max([len(r[0]) for r in reactions] + [1])
    order = np.array([len(r[0]) for r in reactions], np.int32)
    reactant_species = np.full((n_reactions, max_order), -1, np.int32)
    source = np.full(n_reactions, -1, np.int32)
    deltas = []
    for r, (reactants, products, _) in enumerate(reactions):
        reactant_species[r, : len(reactants)] = [index[s] for s in reactants]
        delta: dict[int, int] = {}
        for s in reactants:
            delta[index[s]] = delta.get(index[s], 0) - 1
        for s in products:
            delta[index[s]] = delta.get(index[s], 0) + 1
        delta = {s: v for s, v in delta.items() if v != 0}
        deltas.append(delta)
        consumed = [index[s] for s in reactants if delta.get(index[s], 0) < 0]
        if consumed:
            source[r] = consumed[0]
    max_delta = max([len(d) for d in deltas] + [1])
    delta_species = np.full((n_reactions, max_delta), -1, np.int32)
    delta_value = np.zeros((n_reactions, max_delta), np.int32)
    for r, delta in enumerate(deltas):
        for j, (s, v) in enumerate(sorted(delta.items())):
            delta_species[r, j], delta_value[r, j] = s, v

    links = sorted(links, key=lambda link: link[0])  # CSR over sources keeps their order
    src = np.array([link[0] for link in links], np.int64)
    dest = np.array([link[1] for link in links], np.int64)
    out_ptr = np.zeros(n_places + 1, np.int64)
    np.add.at(out_ptr, src + 1, 1)
    in_ptr = np.zeros(n_places + 1, np.int64)
    np.add.at(in_ptr, dest + 1, 1)
    if group_rate is None:
        group_rate = [[0.0] * n_species]
    if rate is None:
        rate = np.array([[r[2] for r in reactions]], np.float64)
    return CompiledNetwork(
        species=list(species),
        reactions=[f"r{r}" for r in range(n_reactions)],
        rate=np.ascontiguousarray(rate, np.float64),
        order=order,
        reactant_species=reactant_species,
        delta_species=delta_species,
        delta_value=delta_value,
        source=source,
        scale_mode=scale_mode,
        pop_mask=np.array(pop_mask or [1] * n_species, np.int8),
        area=np.ones(n_places),
        out_ptr=np.cumsum(out_ptr),
        link_dest=dest.astype(np.int32),
        link_weight=np.array([link[2] for link in links], np.float64),
        link_group=np.array([link[3] for link in links], np.int32),
        in_ptr=np.cumsum(in_ptr),
        in_link=np.argsort(dest, kind="stable").astype(np.int32),
        group_names=[f"g{g}" for g in range(len(group_rate))],
        group_rate=np.array(group_rate, np.float64),
        bias=np.array(bias or [0.0] * n_species, np.float64),
        attract_mask=np.array(attract_mask or [0] * n_species, np.int8),
        initial=np.zeros((n_places, n_species), np.int32),
        wander=np.array(wander or [1.0] * n_species, np.float64),
    )


def _lattice_links(width: int, height: int, group: int = 0) -> list[tuple[int, int, float, int]]:
    """4-neighbour links of a width x height lattice, weight 1."""
    links = []
    for y in range(height):
        for x in range(width):
            for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                if 0 <= x + dx < width and 0 <= y + dy < height:
                    links.append((y * width + x, (y + dy) * width + x + dx, 1.0, group))
    return links


def _szr_lattice(
    width: int = 12, height: int = 10, bias: float = 0.0, wander: float = 1.0
) -> CompiledNetwork:
    """Zombies hop on a lattice; with ``bias`` they are drawn to places full of humans (and
    with ``wander`` 0 they stand still where no human is next door)."""
    return _network(
        ["S", "Z", "R"],
        [(["S", "Z"], ["Z", "Z"], 0.02), (["S", "Z"], ["S", "R"], 0.01)],
        n_places=width * height,
        links=_lattice_links(width, height),
        group_rate=[[0.0, 0.3, 0.0]],
        bias=[0.0, bias, 0.0],
        attract_mask=[1, 0, 0],
        wander=[1.0, wander, 1.0],
    )


def _szr_start(net: CompiledNetwork, runs: int) -> np.ndarray:
    counts = np.zeros((runs, net.n_places, 3), np.int32)
    counts[:, :, 0] = 40
    counts[:, net.n_places // 2, 1] = 6
    counts[:, 3, 1] = 2
    return counts


def _advance(net, counts, keys, step0, n_steps, dt, schedule=None, accuracy=None):
    return tau_advance(
        counts, np.asarray(keys, np.uint64), step0, n_steps, dt, *net.kernel_args(),
        schedule=schedule, accuracy=accuracy, time0=step0 * dt,
    )  # fmt: skip


@pytest.fixture(params=["by_run", "by_place", "by_place_mixed", "by_place_taken"])
def regime(request, monkeypatch):
    """The ways of splitting the work: whole runs per thread; blocks of places in parallel every
    step, dealt out in turn; the latter with quiet steps (few places awake) on one thread; or
    blocks taken by the threads as they go, two at a time (as large worlds do)."""
    if request.param == "by_run":
        monkeypatch.setattr(sweep, "PLACES_PARALLEL_MIN", 10**9)
        monkeypatch.setattr(sweep, "PLACES_PARALLEL_FEW_RUNS", 10**9)
    else:
        monkeypatch.setattr(sweep, "PLACES_PARALLEL_MIN", 1)
        serial_max = 40 if request.param == "by_place_mixed" else -1
        monkeypatch.setattr(sweep, "SERIAL_STEP_MAX", serial_max)
    if request.param == "by_place_taken":
        _take_blocks(monkeypatch)
    return request.param


def _take_blocks(monkeypatch):
    """Threads take blocks from the counter (``sweep.sweep``) even in a small world: two at a time
    for a world of eight blocks on two threads."""
    monkeypatch.setattr(sweep, "TAKES_PER_THREAD", 2)
    monkeypatch.setattr(sweep, "TAKE_MIN", 1)


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 16 places, so a small lattice has many blocks (some asleep, some awake)."""
    monkeypatch.setattr(tables, "BLOCK", 16)


def test_hops_and_conserving_reactions_keep_the_total(regime, small_blocks):
    net = _szr_lattice(bias=0.5)
    counts = _szr_start(net, 3)
    before = counts.sum(axis=(1, 2))
    _advance(net, counts, [1, 2, 3], 0, 100, 0.1)
    np.testing.assert_array_equal(counts.sum(axis=(1, 2)), before)
    assert counts[:, :, 1].astype(bool).sum() > 3 * 2, "zombies should have spread"
    assert counts.min() >= 0


def test_a_block_never_sleeps_past_its_earliest_place(monkeypatch, small_blocks):
    """Phase 2 looks only at flagged places and keeps each block's earliest next visit as a
    bound (``gather.gather_places``): it must never be later than one of its places' visits, or the
    block would sleep through a place that is due. Checked after every chunk, while zombies
    spread and most blocks sleep."""
    monkeypatch.setattr(sweep, "PLACES_PARALLEL_MIN", 1)
    monkeypatch.setattr(sweep, "SERIAL_STEP_MAX", -1)
    net = _szr_lattice(24, 20)
    counts = _szr_start(net, 1)
    schedule = tau.LeapSchedule(1, net.n_places)
    asleep = 0
    for chunk in range(30):
        _advance(net, counts, [7], 3 * chunk, 3, 0.1, schedule=schedule)
        block_wake = schedule._scratch.shared.block_wake[0]
        wake = schedule.wake[0]
        earliest = np.array([wake[b * 16 : (b + 1) * 16].min() for b in range(len(block_wake))])
        np.testing.assert_array_less(block_wake, earliest + 1)
        asleep += int(np.sum(block_wake > 2 * 3 * (chunk + 1) + 1))
    assert asleep > 30 * 10, "most blocks should sleep between their places' visits"


def test_pure_hops_conserve_each_species():
    net = _network(["A", "B"], [], n_places=20, links=_lattice_links(5, 4), group_rate=[[1.0, 0.5]])
    counts = np.zeros((2, 20, 2), np.int32)
    counts[:, 0, 0], counts[:, 19, 1] = 500, 300
    clamps = _advance(net, counts, [5, 6], 0, 100, 0.1)
    np.testing.assert_array_equal(counts.sum(axis=1), [[500, 300], [500, 300]])
    assert (counts[:, :, 0] > 0).sum() > 20  # spread over the lattice
    np.testing.assert_array_equal(clamps, 0)


def test_coarse_dt_never_goes_negative_and_counts_the_clamps():
    """A + B -> C with source A: a huge dt fires it far more often than there are B."""
    net = _network(["A", "B", "C"], [(["A", "B"], ["C"], 1.0)])
    counts = np.zeros((4, 1, 3), np.int32)
    counts[:, 0] = [200, 7, 0]
    clamps = _advance(net, counts, [1, 2, 3, 4], 0, 3, 10.0)
    assert counts.min() >= 0
    np.testing.assert_array_equal(counts[:, 0, 1], 0)  # every B used up, none overdrawn
    np.testing.assert_array_equal(counts[:, 0, 2], 7)
    np.testing.assert_array_equal(counts[:, 0, 0], 193)
    assert np.all(clamps > 0)


def test_coarse_dt_clamps_only_where_needed():
    """SZR consumes only each reaction's source: no clamp even with a step far too coarse."""
    net = _szr_lattice(6, 5)
    counts = _szr_start(net, 2)
    clamps = _advance(net, counts, [8, 9], 0, 20, 5.0)
    assert counts.min() >= 0
    np.testing.assert_array_equal(clamps, 0)


def test_a_closed_link_group_carries_nobody(regime):
    """Place 0 links to 1 through an open group and to 2 through a closed one."""
    links = [(0, 1, 1.0, 0), (0, 2, 1.0, 1), (1, 0, 1.0, 0), (2, 0, 1.0, 1)]
    net = _network(["A"], [], n_places=3, links=links, group_rate=[[0.7], [0.0]])
    counts = np.zeros((3, 3, 1), np.int32)
    counts[:, 0, 0] = 1000
    _advance(net, counts, [1, 2, 3], 0, 100, 0.05)
    np.testing.assert_array_equal(counts[:, 2, 0], 0)
    assert np.all(counts[:, 1, 0] > 300)
    np.testing.assert_array_equal(counts.sum(axis=(1, 2)), 1000)


def test_same_keys_same_history(regime, small_blocks):
    net = _szr_lattice()
    first, second = _szr_start(net, 2), _szr_start(net, 2)
    _advance(net, first, [11, 12], 0, 60, 0.1)
    _advance(net, second, [11, 12], 0, 60, 0.1)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first[0], first[1])  # different keys, different histories


@pytest.mark.parametrize(("bias", "wander"), [(-0.3, 1.0), (0.05, 0.0)], ids=["flee", "idle"])
def test_thread_count_does_not_change_history(regime, small_blocks, bias, wander):
    net = _szr_lattice(bias=bias, wander=wander)
    results = []
    previous = numba.get_num_threads()
    try:
        for threads in (1, numba.config.NUMBA_NUM_THREADS):
            numba.set_num_threads(threads)
            counts = _szr_start(net, 3)
            clamps = _advance(net, counts, [4, 5, 6], 7, 60, 0.1)
            results.append((counts, clamps))
    finally:
        numba.set_num_threads(previous)
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])


def test_a_run_is_the_same_alone_or_in_a_batch(regime, small_blocks):
    net = _szr_lattice()
    keys = np.arange(100, 108, dtype=np.uint64)
    batch = _szr_start(net, 8)
    _advance(net, batch, keys, 0, 50, 0.1)
    alone = _szr_start(net, 1)
    _advance(net, alone, keys[5:6], 0, 50, 0.1)
    np.testing.assert_array_equal(alone[0], batch[5])


def _idle_zombies_lattice() -> tuple[CompiledNetwork, np.ndarray]:
    """People walk in from the left third of a lattice; zombies on the right stand still
    (wander 0) until people come next door: places sleep, feel no pull, and get nudged."""
    net = _network(
        ["S", "Z", "R"],
        [(["S", "Z"], ["Z", "Z"], 0.02), (["S", "Z"], ["S", "R"], 0.01)],
        n_places=12 * 10, links=_lattice_links(12, 10), group_rate=[[0.4, 0.3, 0.0]],
        bias=[0.0, 0.05, 0.0], attract_mask=[1, 0, 0], wander=[1.0, 0.0, 1.0],
    )  # fmt: skip
    start = np.zeros((3, net.n_places, 3), np.int32)
    columns = np.arange(net.n_places) % 12
    start[:, columns < 4, 0] = 30
    start[:, columns >= 8, 1] = 3
    return net, start


def _walkers_and_zombies_lattice() -> tuple[CompiledNetwork, np.ndarray]:
    """Humans walk slowly everywhere, zombies bite in the middle: with adaptive steps the quiet
    places leap over several steps, and the zombies' arrivals cut such leaps short."""
    net = _network(
        ["S", "Z", "R"],
        [(["S", "Z"], ["Z", "Z"], 0.02), (["S", "Z"], ["S", "R"], 0.01)],
        n_places=12 * 10, links=_lattice_links(12, 10), group_rate=[[0.05, 0.3, 0.0]],
    )  # fmt: skip
    return net, _szr_start(net, 3)


@pytest.mark.parametrize("world", ["walk", "idle", "leaps"])
def test_regimes_blocks_and_chunks_give_one_history(monkeypatch, world):
    """Neither the split of the work, nor the block size, nor chunking changes a history (the
    chunks pass on the places' schedules of visits, with idle zombies which places feel no
    pull, and with adaptive steps when each leap over several steps ends, as the engine does)."""
    accuracy = None
    if world == "walk":
        net = _szr_lattice()
        start = _szr_start(net, 3)
    elif world == "idle":
        net, start = _idle_zombies_lattice()
    else:
        net, start = _walkers_and_zombies_lattice()
        accuracy = 0.3  # dt 0.1: a human alone (0.2 hops an hour) may leap over 3 steps
    keys = [21, 22, 23]
    histories = []
    for min_places, block, serial_max in ((10**9, 256, -1), (1, 16, -1), (1, 7, 30), (1, 5, -1)):
        monkeypatch.setattr(sweep, "PLACES_PARALLEL_MIN", min_places)
        monkeypatch.setattr(tables, "BLOCK", block)
        monkeypatch.setattr(sweep, "SERIAL_STEP_MAX", serial_max)
        if block == 5:
            _take_blocks(monkeypatch)
        counts = start.copy()
        _advance(net, counts, keys, 0, 40, 0.1, accuracy=accuracy)
        histories.append(counts)
        chunked = start.copy()
        schedule = tau.LeapSchedule(3, net.n_places)
        for step0 in range(0, 40, 15):  # chunks of 15, 15 and 10 steps
            _advance(net, chunked, keys, step0, min(15, 40 - step0), 0.1, schedule, accuracy)
            if accuracy is not None:  # some places are inside a leap over several steps
                assert np.isfinite(schedule.until).any()
        histories.append(chunked)
    for other in histories[1:]:
        np.testing.assert_array_equal(other, histories[0])
    if world == "idle":  # people reached the zombies, who moved: the world is not simply still
        assert np.any(histories[0][:, :, 1] != start[:, :, 1])


def _involvement_by_place(net, counts, no_pull=None, known=None) -> np.ndarray:
    """Every place's involvement (the pieces of ``tau_involvement``'s bound, one place each),
    trusting the ``no_pull`` marks of the runs ``known`` to match them."""
    runs, n_places, n_species = counts.shape
    prepared = tau.tau_prepare(n_species, *net.kernel_args())
    by_place = np.empty((runs, n_places))
    no_pull = np.zeros((runs, n_places), np.bool_) if no_pull is None else no_pull
    known = np.zeros(runs, np.bool_) if known is None else known
    scratch = np.empty((runs * n_places, arrays.GAP + n_species))
    involvement.involvement_bounds(
        counts, prepared.model, prepared.tables, scratch, by_place, no_pull, known
    )
    return by_place


def test_the_involvement_bound_may_trust_the_marks_of_no_pull(regime, small_blocks):
    """Idle zombies' places marked as feeling no pull skip their neighbours in the adaptive
    step's bound: every place's involvement is the one computed from scratch after every chunk
    while people walk up to the zombies (marks cleared by nudges); after the counts change
    outside the kernel (the run is told) ``tau_involvement`` does not trust the marks."""
    net, start = _idle_zombies_lattice()
    keys, everyone = [31, 32, 33], np.ones(3, np.bool_)
    counts = start.copy()
    schedule = tau.LeapSchedule(3, net.n_places)
    _advance(net, counts, keys, 0, 4, 0.1, schedule, accuracy=0.5)
    marked = schedule.no_pull & (counts[:, :, 1] > 0)
    assert marked.any()  # idle zombies, marked
    # A crowd next to a marked zombie's place, put there from outside: its pull now sets the
    # bound, and trusting the mark would miss it.
    zombie = np.flatnonzero(marked[0])[0]
    edited = counts.copy()
    edited[:, zombie - 1, 0] += 1000
    schedule.forget()
    step = np.full(3, 4)
    bounds = tau.tau_involvement(edited, *net.kernel_args(), schedule=schedule, step=step)
    fresh = _involvement_by_place(net, edited).max(axis=1)
    np.testing.assert_array_equal(bounds, fresh)
    wrongly_trusted = _involvement_by_place(net, edited, schedule.no_pull, everyone)
    assert wrongly_trusted.max(axis=1)[0] < fresh[0]  # the case can tell
    schedule = tau.LeapSchedule(3, net.n_places)
    counts = start.copy()
    for step0 in range(0, 60, 4):
        _advance(net, counts, keys, step0, 4, 0.1, schedule, accuracy=0.5)
        trusted = _involvement_by_place(net, counts, schedule.no_pull, everyone)
        np.testing.assert_array_equal(trusted, _involvement_by_place(net, counts))
        step = np.full(3, step0 + 4)
        bounds = tau.tau_involvement(counts, *net.kernel_args(), schedule=schedule, step=step)
        np.testing.assert_array_equal(bounds, trusted.max(axis=1))
    assert np.any(counts[:, :, 1] != start[:, :, 1])  # people reached zombies, who moved


@pytest.mark.parametrize("units", [1, 3])  # one departure drawn directly; several shared
@pytest.mark.parametrize("even", [False, True])
def test_a_departure_takes_each_channel_in_proportion_to_its_rate(units, even):
    """A unit leaves place 0 by a reaction (E -> R, rate 0.5) or along one of three links of
    weights 1, 0 (a closed group) and 3 at group rate 0.25 (the third link in another group of
    rate 0.5): the first step's outcomes split 0.5 : 0.25 : 0 : 1.5 among those who left.
    ``even``: three links alike (taken uniformly, reading no link), 0.5 : 0.75 : 0.75 : 0.75."""
    links = [(0, 1, 1.0, 0), (0, 2, 5.0, 1), (0, 3, 3.0, 2)]
    group_rate = [[0.25, 0.0], [0.0, 0.0], [0.5, 0.0]]
    expected = np.array([0.5, 0.25, 0.0, 1.5]) / 2.25
    if even:
        links = [(0, 1, 3.0, 0), (0, 2, 3.0, 0), (0, 3, 3.0, 0)]
        expected = np.array([0.5, 0.75, 0.75, 0.75]) / 2.75
    net = _network(
        ["E", "R"], [(["E"], ["R"], 0.5)], n_places=4, links=links, group_rate=group_rate
    )
    assert tau.tau_prepare(2, *net.kernel_args()).tables.even_hops[0, 0] == even
    runs = 6000
    counts = np.zeros((runs, 4, 2), np.int32)
    counts[:, 0, 0] = units
    tau_advance(counts, run_keys(5, runs), 0, 1, 0.05, *net.kernel_args())
    left = units * runs - counts[:, 0, 0].sum()
    shares = np.array([counts[:, 0, 1].sum(), *counts[:, 1:, 0].sum(axis=0)]) / left
    assert left > 300
    se = np.sqrt(expected * (1 - expected) / left)
    assert np.all(np.abs(shares - expected) <= Z4 * se + 1e-12)


@pytest.mark.parametrize("n0", [12, 1000])  # one uniform per unit, and a binomial
def test_pure_death_survivors_are_binomial(n0):
    """E -> 0 at rate k: a chain-binomial step is exact, survivors ~ Binomial(n0, exp(-k t))."""
    k, dt, steps, runs = 0.7, 0.25, 6, 4000
    net = _network(["E"], [(["E"], [], k)])
    counts = np.full((runs, 1, 1), n0, np.int32)
    _advance(net, counts, np.arange(runs) + 1, 0, steps, dt)
    p = math.exp(-k * dt * steps)
    survivors = counts[:, 0, 0].astype(float)
    se = math.sqrt(n0 * p * (1 - p) / runs)
    assert abs(survivors.mean() - n0 * p) < Z4 * se, (survivors.mean(), n0 * p, se)
    assert survivors.var(ddof=1) == pytest.approx(n0 * p * (1 - p), rel=0.15)


def test_births_are_poisson():
    """0 -> A at rate lam: after t, A ~ Poisson(lam t) (births fire Poisson(a dt) per step)."""
    lam, dt, steps, runs = 3.0, 0.5, 4, 4000
    net = _network(["A"], [([], ["A"], lam)])
    counts = np.zeros((runs, 1, 1), np.int32)
    _advance(net, counts, np.arange(runs) + 1, 0, steps, dt)
    born = counts[:, 0, 0].astype(float)
    mean = lam * dt * steps
    assert abs(born.mean() - mean) < Z4 * math.sqrt(mean / runs)


def _leap_extinction(beta: float, kappa: float, dt: float) -> float:
    """Extinction probability of the leap's own zombie process while humans are plenty.

    Per step each zombie is killed with probability 1 - exp(-kappa dt) and bites
    Poisson(beta dt) humans (the binomial over many humans), so zombies form a branching
    process with offspring generating function f(s) = (q + (1 - q) s) exp(beta dt (s - 1));
    its extinction probability is the smallest root of f(s) = s, which tends to kappa / beta as
    dt -> 0. The difference is the leap's bias at this dt.
    """
    q = -math.expm1(-kappa * dt)
    s = 0.0
    for _ in range(100_000):  # fixed-point iteration from 0 rises to the smallest root
        s = (q + (1 - q) * s) * math.exp(beta * dt * (s - 1))
    return s


def test_szr_extinction_probability_is_alpha():
    """Alemi et al. (2015): one zombie among many humans dies out with probability kappa/beta.

    Frequency-dependent mixing keeps the event rates per zombie near beta and kappa, so dt
    compares directly to them. The allowance beyond 4 SE is the leap's own bias at this dt,
    computed exactly for the early (branching) phase that decides extinction.
    """
    beta, kappa, dt, steps, runs = 1.0, 0.5, 0.02, 600, 3000
    alpha = kappa / beta
    net = _network(
        ["S", "Z", "R"],
        [(["S", "Z"], ["Z", "Z"], beta), (["S", "Z"], ["S", "R"], kappa)],
        scale_mode=SCALE_POPULATION,
        pop_mask=[1, 1, 0],
    )
    counts = np.zeros((runs, 1, 3), np.int32)
    counts[:, 0] = [1000, 1, 0]
    clamps = _advance(net, counts, np.arange(runs) + 77, 0, steps, dt)
    extinct = float(np.mean(counts[:, 0, 1] == 0))
    bias = abs(_leap_extinction(beta, kappa, dt) - alpha)
    assert bias < 0.01  # small dt: the allowance stays small
    se = math.sqrt(alpha * (1 - alpha) / runs)
    assert abs(extinct - alpha) < Z4 * se + bias, (extinct, alpha, se, bias)
    np.testing.assert_array_equal(clamps, 0)


@pytest.mark.parametrize(
    ("n_b", "kb", "lam"),
    [(20, 0.02, 0.6), (400, 0.004, 0.06), (2, 0.01, 1.5)],
    ids=["few-by-inversion", "many-by-redrawing", "births-by-redrawing"],
)
def test_quiet_place_draws_have_the_free_joint_law(n_b, kb, lam):
    """Where a place expects under one change per step, the kernel first draws whether anything
    happens, then the compartments given that. The result must be the free law: independent
    Binomial(n, 1 - exp(-k dt)) departures and Poisson(lam dt) births, in every branch of the
    zero-truncated draws (few units, many units, births)."""
    ka, n_a, dt, runs = 0.1, 3, 0.5, 40_000
    net = _network(["A", "B", "C", "D"], [(["A"], [], ka), (["B"], ["C"], kb), ([], ["D"], lam)])
    assert (n_a * ka + n_b * kb + lam) * dt < tau.PLACE_TEST_MAX  # the place test is used
    counts = np.zeros((runs, 1, 4), np.int32)
    counts[:, 0, 0], counts[:, 0, 1] = n_a, n_b
    _advance(net, counts, np.arange(runs) + 7, 0, 1, dt)
    left_a = n_a - counts[:, 0, 0]
    left_b = counts[:, 0, 2]
    born = counts[:, 0, 3]
    p_a, p_b, mean_born = -math.expm1(-ka * dt), -math.expm1(-kb * dt), lam * dt

    def close(observed: np.ndarray, expected: float) -> None:
        se = math.sqrt(max(expected * (1 - expected), 1e-12) / runs)
        assert abs(observed.mean() - expected) < Z4 * se, (observed.mean(), expected, se)

    nothing = math.exp(-(n_a * ka + n_b * kb + lam) * dt)
    close((left_a == 0) & (left_b == 0) & (born == 0), nothing)
    for observed, p_zero in (
        (left_a, (1 - p_a) ** n_a),
        (left_b, (1 - p_b) ** n_b),
        (born, math.exp(-mean_born)),
    ):
        close(observed == 0, p_zero)
    # Independence: each pair of "something happened" events has the product probability.
    some = [left_a > 0, left_b > 0, born > 0]
    free = [1 - (1 - p_a) ** n_a, 1 - (1 - p_b) ** n_b, -math.expm1(-mean_born)]
    for x in range(3):
        for y in range(x + 1, 3):
            close(some[x] & some[y], free[x] * free[y])
    # Means, with standard errors of the free laws.
    for observed, mean, var in (
        (left_a, n_a * p_a, n_a * p_a * (1 - p_a)),
        (left_b, n_b * p_b, n_b * p_b * (1 - p_b)),
        (born, mean_born, mean_born),
    ):
        assert abs(observed.mean() - mean) < Z4 * math.sqrt(var / runs), (observed.mean(), mean)


def _assert_binomial_law(observed: np.ndarray, n: int, p: float) -> None:
    """Every P(X = j) and the mean within 4 standard errors of Binomial(n, p)."""
    runs = observed.size
    for j in range(n + 1):
        expected = math.comb(n, j) * p**j * (1 - p) ** (n - j)
        se = math.sqrt(max(expected * (1 - expected), 1e-12) / runs)
        share = float(np.mean(observed == j))
        assert abs(share - expected) < Z4 * se, (j, share, expected, se)
    se_mean = math.sqrt(n * p * (1 - p) / runs)
    assert abs(observed.mean() - n * p) < Z4 * se_mean, (observed.mean(), n * p)


@pytest.mark.parametrize("keep_schedule", [True, False], ids=["kept", "redrawn"])
def test_sleeping_places_keep_the_chain_binomial_law(keep_schedule):
    """A quiet place sleeps until the step its schedule names (one exponential instead of a
    uniform every step). Pure death stays exactly binomial, survivors ~ Binomial(n0,
    exp(-k t)), whether the schedule is kept between calls or drawn anew at each."""
    k, n0, dt, runs = 0.7, 12, 0.01, 4000
    assert n0 * k * dt < tau.PLACE_TEST_MAX  # the place sleeps between visits
    net = _network(["E"], [(["E"], [], k)])
    counts = np.full((runs, 1, 1), n0, np.int32)
    schedule = tau.LeapSchedule(runs, 1) if keep_schedule else None
    keys = np.arange(runs) + 3
    step = 0
    for length in (37, 1, 60, 52):  # uneven calls
        _advance(net, counts, keys, step, length, dt, schedule)
        step += length
    _assert_binomial_law(counts[:, 0, 0], n0, math.exp(-k * dt * step))


def test_sleeping_walkers_keep_the_chain_binomial_law(regime):
    """Ten walkers hop between two places at h each way. In the leap each one moves with
    p = 1 - exp(-h dt) per step, so after n steps it is home with probability
    (1 + (1 - 2p)^n) / 2, independently of the others: the count at home is binomial. Quiet
    places sleep, and arrivals wake them."""
    h, n0, dt, steps, runs = 0.5, 10, 0.02, 90, 4000
    links = [(0, 1, 1.0, 0), (1, 0, 1.0, 0)]
    net = _network(["A"], [], n_places=2, links=links, group_rate=[[h]])
    assert n0 * h * dt < tau.PLACE_TEST_MAX
    counts = np.zeros((runs, 2, 1), np.int32)
    counts[:, 0, 0] = n0
    _advance(net, counts, np.arange(runs) + 11, 0, steps, dt, tau.LeapSchedule(runs, 2))
    p = -math.expm1(-h * dt)
    np.testing.assert_array_equal(counts.sum(axis=(1, 2)), n0)
    _assert_binomial_law(counts[:, 0, 0], n0, (1 + (1 - 2 * p) ** steps) / 2)


@pytest.mark.parametrize("told", [True, False])
def test_an_edit_between_calls_wakes_the_places(told):
    """People put into an empty place between calls (an evacuation) must start leaving it: the
    engine forgets the run's schedule when told its counts were edited. Untold, the empty
    place keeps its 'nothing can happen' schedule and nobody leaves: the test has teeth."""
    links = [(0, 1, 1.0, 0), (1, 0, 1.0, 0)]
    net = _network(["A"], [(["A"], [], 0.01)], n_places=2, links=links, group_rate=[[0.05]])
    net.initial[:] = 0  # nobody anywhere: both places scheduled never to be visited
    engine = TauEngine(net, 1, run_keys(4, 1), 0.1)
    engine.advance(0.0, 1.0)
    engine.state[0, 1, 0] += 200
    if told:
        engine.state_edited(0)
    engine.advance(1.0, 60.0)
    # Each of the 200 leaves (dies or hops) at 0.06 per unit time: after 59 all but ~6 % have.
    if told:
        assert engine.state[0, 1, 0] < 100
    else:
        assert engine.state[0].sum() == 200 and engine.state[0, 1, 0] == 200


def idle_zombie_home_probability(n: int, h: float, b: float, t: float) -> float:
    """A zombie that walks only toward people (wander 0, attraction b per person next door)
    waits at home while n people walk into the next place, one by one at rate h (arrival times
    tau_k ~ Exp(h)). It leaves at b * S_1(t), S_1 the people there, so it is still home at t
    with probability E exp(-b sum_k (t - tau_k)+) = phi^n, phi = E exp(-b (t - tau)+)."""
    phi = math.exp(-h * t) + h * (math.exp(-h * t) - math.exp(-b * t)) / (b - h)
    return phi**n


def test_idle_zombies_wake_when_people_come_next_door(regime):
    """Zombies with a wander of 0 sit in a place that sleeps for good (nothing can happen
    there), until people reach the next place: then they must start leaving. The place learns
    it only from the people arriving next door (its own counts never change), so without that
    wake-up nobody ever leaves. Against the closed form above, within 4 SE plus the leap's lag
    (about one step of b n dt, here 0.2 % of the probability)."""
    n, h, b, t, dt, runs, zombies = 1000, 0.5, 0.001, 2.0, 0.002, 2000, 5
    links = [(0, 1, 1.0, 0), (2, 1, 1.0, 1)]  # zombies walk 0 -> 1, people 2 -> 1
    net = _network(
        ["S", "Z"], [], n_places=3, links=links, group_rate=[[0.0, 1.0], [h, 0.0]],
        bias=[0.0, b], attract_mask=[1, 0], wander=[1.0, 0.0],
    )  # fmt: skip
    counts = np.zeros((runs, 3, 2), np.int32)
    counts[:, 0, 1] = zombies
    counts[:, 2, 0] = n
    steps = round(t / dt)
    _advance(net, counts, np.arange(runs) + 5, 0, steps, dt, tau.LeapSchedule(runs, 3))
    home = counts[:, 0, 1] / zombies
    expected = idle_zombie_home_probability(n, h, b, t)
    error = home.std(ddof=1) / math.sqrt(runs)
    assert 0.3 < expected < 0.7  # the zombies surely left in part: the test has teeth
    assert abs(home.mean() - expected) < Z4 * error + 0.002 * expected, (home.mean(), expected)


def test_a_zombie_walking_into_a_long_leap_ends_it_at_the_next_step():
    """A block of 1,000 slow walkers leaps over many steps at once; the step after a zombie
    walks in, its leap is over and it is visited (the zombie bites from then on, not when the
    leap would have ended)."""
    net = _network(
        ["S", "Z", "R"], [(["S", "Z"], ["Z", "Z"], 0.5)], n_places=2,
        links=[(0, 1, 1.0, 0), (1, 0, 1.0, 0)], group_rate=[[0.01, 0.02, 0.0]],
    )  # fmt: skip
    counts = np.zeros((1, 2, 3), np.int32)
    counts[0, 0, 0] = 1000
    counts[0, 1, 1] = 50
    schedule = tau.LeapSchedule(1, 2)
    dt, leaped = 0.01, False
    for step in range(2000):
        _advance(net, counts, [7], step, 1, dt, schedule, accuracy=0.1)
        if counts[0, 0, 1] > 0:
            assert schedule.until[0, 0] == -np.inf
            assert schedule.wake[0, 0] == 2 * (step + 1)
            break
        # 1,000 walkers at 0.01 an hour may leap over 0.25 * 0.1 / 0.01 / dt = 250 steps
        leaped = leaped or schedule.wake[0, 0] // 2 > step + 100
    assert leaped and counts[0, 0, 1] > 0


def test_the_kernel_compiles_once_whatever_the_arguments_look_like():
    """Scalars or arrays, one run or several, frozen (read-only) arrays, fixed or adaptive
    steps: one compiled ``sweep.advance_kernel``. Each further copy costs a minute of
    compilation."""
    net = _szr_lattice(4, 3)
    frozen_dt = np.full(2, 0.05)
    frozen_dt.flags.writeable = False
    calls = [  # runs, step0, dt, accuracy
        (1, 0, 0.05, None),
        (2, np.array([3, 4]), frozen_dt, None),
        (1, np.zeros(1, np.int64), np.full(1, 0.05), 0.1),
        (2, np.broadcast_to(np.int64(2), 2), 0.05, 0.1),
    ]
    for runs, step0, dt, accuracy in calls:
        keys = run_keys(1, runs)
        keys.flags.writeable = False
        tau_advance(_szr_start(net, runs), keys, step0, 2, dt, *net.kernel_args(),
                    accuracy=accuracy, time0=np.broadcast_to(0.0, runs))  # fmt: skip
    assert len(sweep.advance_kernel.signatures) == 1
