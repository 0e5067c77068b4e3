"""The exact engine against closed forms: Alemi's zombie extinction law, random-walk spreading,
attraction odds, and the bookkeeping every stochastic engine owes (conservation, determinism)."""

from __future__ import annotations

import itertools

import numba
import numpy as np
import pytest
from test_tau_kernel import idle_zombie_home_probability

from hyosan.engines.ssa import shared_tables, ssa_advance
from hyosan.network.compiled import SCALE_AREA, SCALE_POPULATION, CompiledNetwork

FOREVER = 1e12
"""A stop time no test reaches: runs end when nothing can happen any more."""


def network(
    species: list[str],
    reactions: list[tuple[float, list[str], dict[str, int]]],
    initial: np.ndarray,
    links: list[tuple[int, int]] = (),
    link_group: list[int] | None = None,
    group_rate: list[list[float]] | None = None,
    bias: list[float] | None = None,
    attract: list[str] = (),
    area: float | np.ndarray = 1.0,
    scale_mode: int = SCALE_AREA,
    rate: np.ndarray | None = None,
    wander: list[float] | None = None,
) -> CompiledNetwork:
    """A CompiledNetwork from readable pieces.

    ``reactions`` are (rate, reactant units, net change by species); ``links`` are (source, dest)
    pairs of unit weight; ``group_rate[g][c]`` is the hop rate of species c along group g.
    """
    index = {name: k for k, name in enumerate(species)}
    initial = np.asarray(initial, np.int32).reshape(-1, len(species))
    n_places = initial.shape[0]
    max_order = max([len(units) for _, units, _ in reactions] + [1])
    max_delta = max([len(change) for _, _, change in reactions] + [1])
    reactant_species = np.full((len(reactions), max_order), -1, np.int32)
    delta_species = np.full((len(reactions), max_delta), -1, np.int32)
    delta_value = np.zeros((len(reactions), max_delta), np.int32)
    for r, (_, units, change) in enumerate(reactions):
        reactant_species[r, : len(units)] = [index[u] for u in units]
        for d, (name, value) in enumerate(change.items()):
            delta_species[r, d] = index[name]
            delta_value[r, d] = value
    if rate is None:
        rate = np.array([[k for k, _, _ in reactions]], np.float64).reshape(1, len(reactions))

    source = np.array([s for s, _ in links], np.int64)
    dest = np.array([d for _, d in links], np.int64)
    by_source = np.argsort(source, kind="stable")
    source, dest = source[by_source], dest[by_source]
    groups = np.zeros(len(links), np.int32) if link_group is None else np.asarray(link_group)
    groups = groups[by_source].astype(np.int32)
    out_ptr = np.concatenate([[0], np.cumsum(np.bincount(source, minlength=n_places))])
    in_ptr = np.concatenate([[0], np.cumsum(np.bincount(dest, minlength=n_places))])
    if group_rate is None:
        group_rate = [[0.0] * len(species)]
    return CompiledNetwork(
        species=list(species),
        reactions=[f"r{r}" for r in range(len(reactions))],
        rate=np.asarray(rate, np.float64),
        order=np.array([len(units) for _, units, _ in reactions], np.int32),
        reactant_species=reactant_species,
        delta_species=delta_species,
        delta_value=delta_value,
        source=np.full(len(reactions), -1, np.int32),
        scale_mode=scale_mode,
        pop_mask=np.ones(len(species), np.int8),
        area=np.broadcast_to(np.asarray(area, np.float64), (n_places,)).copy(),
        out_ptr=out_ptr.astype(np.int64),
        link_dest=dest.astype(np.int32),
        link_weight=np.ones(len(links)),
        link_group=groups,
        in_ptr=in_ptr.astype(np.int64),
        in_link=np.argsort(dest, kind="stable").astype(np.int32),
        group_names=[f"g{g}" for g in range(len(group_rate))],
        group_rate=np.asarray(group_rate, np.float64),
        bias=np.zeros(len(species)) if bias is None else np.asarray(bias, np.float64),
        attract_mask=np.array([name in attract for name in species], np.int8),
        initial=initial,
        wander=None if wander is None else np.asarray(wander, np.float64),
    )


def lattice(rows: int, cols: int) -> list[tuple[int, int]]:
    """Directed 4-neighbour links of a row-major, non-periodic lattice."""
    links = []
    for r in range(rows):
        for c in range(cols):
            for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                if 0 <= r + dr < rows and 0 <= c + dc < cols:
                    links.append((r * cols + c, (r + dr) * cols + c + dc))
    return links


def run(net: CompiledNetwork, runs: int, seed: int, t_stop: float = FOREVER, chunks: int = 1):
    """Counts (runs, P, S) and events per run after advancing from 0 to t_stop in equal chunks."""
    counts = np.repeat(net.initial[None], runs, axis=0).astype(np.int32)
    rng_state = np.random.SeedSequence(seed).generate_state(runs, dtype=np.uint64).reshape(runs, 1)
    events = np.zeros(runs, np.int64)
    bounds = np.linspace(0.0, t_stop, chunks + 1)
    for t0, t1 in itertools.pairwise(bounds):
        events += ssa_advance(counts, rng_state, t0, t1, net.kernel_args())
    return counts, events


def assert_close(samples: np.ndarray, expected: float, sigmas: float = 4.0) -> None:
    """The sample mean is within ``sigmas`` standard errors of the expectation."""
    error = samples.std(ddof=1) / np.sqrt(len(samples))
    assert abs(samples.mean() - expected) < sigmas * error, (samples.mean(), expected, error)


def szr(s0: int, z0: int, beta: float = 1.0, kappa: float = 0.5) -> CompiledNetwork:
    """Alemi's well-mixed SZR in one place of area 1: bite S + Z -> 2 Z, kill S + Z -> S + R."""
    bite = (beta, ["S", "Z"], {"S": -1, "Z": 1})
    kill = (kappa, ["S", "Z"], {"Z": -1, "R": 1})
    return network(["S", "Z", "R"], [bite, kill], [[s0, z0, 0]])


@pytest.mark.parametrize("z0", [1, 2])
def test_zombies_die_out_with_probability_alpha_to_the_z0(z0: int) -> None:
    # Each bite or kill moves Z up or down: a gambler's ruin that ends at Z = 0 with probability
    # alpha**Z0, alpha = kappa / beta (Alemi et al. 2015); 100 humans make the walk long enough.
    alpha = 0.5
    counts, events = run(szr(100, z0, beta=1.0, kappa=alpha), runs=4000, seed=20150 + z0)
    s, z, r = counts[:, 0].T
    assert np.all(s + z + r == 100 + z0)
    assert np.all((z == 0) | (s == 0))  # every run reached a state where nothing can happen
    assert np.all(events == (100 - s) + r)  # one event per bite, one per kill
    expected = alpha**z0
    error = np.sqrt(expected * (1 - expected) / len(z))
    assert abs(np.mean(z == 0) - expected) < 4 * error, (np.mean(z == 0), expected)


def test_hops_conserve_totals_and_never_go_negative() -> None:
    rows, cols = 5, 6
    initial = np.zeros((rows * cols, 3), np.int32)
    initial[:, 0] = np.arange(rows * cols) % 4
    initial[7, 1] = 9
    initial[20, 2] = 5
    net = network(
        ["S", "Z", "R"],
        [],
        initial,
        links=lattice(rows, cols),
        group_rate=[[0.7, 2.0, 0.1]],
        bias=[-0.5, 1.5, 0.0],
        attract=["S"],
    )
    counts, events = run(net, runs=40, seed=3, t_stop=6.0, chunks=3)
    assert counts.min() >= 0
    np.testing.assert_array_equal(counts.sum(axis=1), np.repeat([initial.sum(axis=0)], 40, 0))
    assert events.min() > 0


def test_a_closed_link_group_carries_nobody() -> None:
    # 0 <-> 1 along an open group, 1 <-> 2 along a closed one: place 2 keeps its own, forever.
    links = [(0, 1), (1, 0), (1, 2), (2, 1)]
    initial = [[50], [0], [7]]
    net = network(
        ["A"], [], initial, links=links, link_group=[0, 0, 1, 1], group_rate=[[1.0], [0.0]]
    )
    counts, events = run(net, runs=20, seed=5, t_stop=50.0, chunks=2)
    np.testing.assert_array_equal(counts[:, 2, 0], 7)
    np.testing.assert_array_equal(counts[:, 0, 0] + counts[:, 1, 0], 50)
    assert events.min() > 0


def test_per_place_rates_and_frequency_dependence() -> None:
    # Infection S + I -> 2 I with per-place rates; place 0 has rate zero and stays as it is.
    infect = (0.0, ["S", "I"], {"S": -1, "I": 1})
    rate = np.array([[0.0], [3.0]])
    net = network(["S", "I"], [infect], [[10, 1], [10, 1]], scale_mode=SCALE_POPULATION, rate=rate)
    counts, _ = run(net, runs=50, seed=9)
    np.testing.assert_array_equal(counts[:, 0], [[10, 1]] * 50)
    np.testing.assert_array_equal(counts[:, 1], [[0, 11]] * 50)


def test_same_state_same_history_whatever_the_thread_count() -> None:
    rows, cols = 6, 6
    initial = np.zeros((rows * cols, 3), np.int32)
    initial[:, 0] = 8
    initial[14, 1] = 2
    bite = (0.3, ["S", "Z"], {"S": -1, "Z": 1})
    kill = (0.2, ["S", "Z"], {"Z": -1, "R": 1})
    net = network(
        ["S", "Z", "R"],
        [bite, kill],
        initial,
        links=lattice(rows, cols),
        group_rate=[[0.0, 0.8, 0.0]],
        bias=[0.0, 0.5, 0.0],
        attract=["S"],
    )
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one, events_one = run(net, runs=16, seed=11, t_stop=5.0, chunks=2)
        again, _ = run(net, runs=16, seed=11, t_stop=5.0, chunks=2)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two, events_two = run(net, runs=16, seed=11, t_stop=5.0, chunks=2)
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(one, again)
    np.testing.assert_array_equal(one, two)
    np.testing.assert_array_equal(events_one, events_two)
    assert len({one[k].tobytes() for k in range(16)}) > 1  # runs do differ from one another


@pytest.mark.parametrize(("walkers", "runs"), [(1, 3000), (12, 300)])
def test_walkers_spread_as_four_d_t(walkers: int, runs: int) -> None:
    # A walker hopping at rate D along each of 4 links has E|x|^2 = 4 D t, alone or in a crowd
    # (a crowd checks the clocks of the places walkers arrive at); the walls are never felt.
    size, d, t = 41, 0.5, 8.0
    initial = np.zeros((size * size, 1), np.int32)
    initial[(size // 2) * size + size // 2, 0] = walkers
    net = network(["W"], [], initial, links=lattice(size, size), group_rate=[[d]])
    counts, events = run(net, runs=runs, seed=17 + walkers, t_stop=t, chunks=2)
    rows, cols = np.divmod(np.arange(size * size), size)
    squared = (rows - size // 2) ** 2 + (cols - size // 2) ** 2
    per_walker = counts[:, :, 0] @ squared / walkers
    assert_close(per_walker.astype(float), 4 * d * t)
    assert_close(events / walkers, 4 * d * t)  # each walker hops as a Poisson process of rate 4D


@pytest.mark.parametrize("bias", [3.0, -3.0])
def test_attraction_sets_the_odds_of_a_hop(bias: float) -> None:
    # A walker at 0 hops once, to 1 (holding 2 of the attracting species) or to the empty 2.
    links = [(0, 1), (0, 2)]
    net = network(
        ["W", "A"],
        [],
        [[1, 0], [0, 2], [0, 0]],
        links=links,
        group_rate=[[1.0, 0.0]],
        bias=[bias, 0.0],
        attract=["A"],
    )
    counts, _ = run(net, runs=4000, seed=23)
    pull = 1 + bias * 2 if bias > 0 else 1 / (1 - bias * 2)
    assert_close(counts[:, 1, 0].astype(float), pull / (pull + 1))


@pytest.mark.parametrize("bias", [3.0, -1.5])
def test_wander_sets_the_pace_where_nothing_attracts(bias: float) -> None:
    # As above with a wander of 0.25: the empty place draws 0.25, the crowded one 0.25 + 2 b
    # (or 0.25 / (1 - 2 b) when fleeing).
    net = network(
        ["W", "A"],
        [],
        [[1, 0], [0, 2], [0, 0]],
        links=[(0, 1), (0, 2)],
        group_rate=[[1.0, 0.0]],
        bias=[bias, 0.0],
        attract=["A"],
        wander=[0.25, 1.0],
    )
    counts, _ = run(net, runs=4000, seed=29)
    pull = 0.25 + bias * 2 if bias > 0 else 0.25 / (1 - bias * 2)
    assert_close(counts[:, 1, 0].astype(float), pull / (pull + 0.25))


def test_idle_zombies_leave_when_people_come_next_door() -> None:
    # Zombies that walk only toward people (wander 0) wait at 0 while 1,000 people walk into
    # place 1 at 0.5 each; the exact engine against the closed form of test_tau_kernel.
    n, h, b, t, runs, zombies = 1000, 0.5, 0.001, 2.0, 2000, 5
    net = network(
        ["S", "Z"],
        [],
        [[0, zombies], [0, 0], [n, 0]],
        links=[(0, 1), (2, 1)],
        link_group=[0, 1],
        group_rate=[[0.0, 1.0], [h, 0.0]],
        bias=[0.0, b],
        attract=["S"],
        wander=[1.0, 0.0],
    )
    counts, _ = run(net, runs=runs, seed=31, t_stop=t, chunks=3)
    assert_close(counts[:, 0, 1] / zombies, idle_zombie_home_probability(n, h, b, t))


def test_attraction_follows_moving_crowds() -> None:
    # The walker W at place 0 hops once, to 1 or to 2; the attracting A starts at 2 and may leave
    # for 3 first, after which W's odds must change. From the two-state chain of where A is while
    # W waits: P(W ends at 1) = (D + Da / 2) / (D (2 + b) + Da).
    d, d_a, b = 1.0, 2.0, 3.0
    links = [(0, 1), (0, 2), (2, 3)]  # W walks along group 0, A along group 1
    initial = [[1, 0], [0, 0], [0, 1], [0, 0]]
    net = network(
        ["W", "A"],
        [],
        initial,
        links=links,
        link_group=[0, 0, 1],
        group_rate=[[d, 0.0], [0.0, d_a]],
        bias=[b, 0.0],
        attract=["A"],
    )
    counts, _ = run(net, runs=4000, seed=29)
    assert_close(counts[:, 1, 0].astype(float), (d + d_a / 2) / (d * (2 + b) + d_a))


def test_nothing_to_do_means_no_events() -> None:
    net = szr(0, 3)
    counts, events = run(net, runs=3, seed=1)
    np.testing.assert_array_equal(events, 0)
    np.testing.assert_array_equal(counts[:, 0], [[0, 3, 0]] * 3)


def test_walkers_that_die_follow_the_exact_walk() -> None:
    # 400 walkers leave a corner of a 3x3 grid (corners have 2 links, edges 3, the centre 4, so
    # hops are thinned) and decay at rate delta (removals owed by the walkers' list, which is
    # compacted as they pile up). Each walker independently ends alive at j with probability
    # p_j = expm(Q t)[0, j] e^(-delta t): counts are Binomial(400, p_j).
    from scipy.linalg import expm

    n, d, delta, t = 400, 0.7, 0.5, 2.0
    links = lattice(3, 3)
    initial = np.zeros((9, 2), np.int32)
    initial[0, 0] = n
    decay = (delta, ["W"], {"W": -1, "R": 1})
    net = network(["W", "R"], [decay], initial, links=links, group_rate=[[d, 0.0]])
    counts, _ = run(net, runs=1500, seed=31, t_stop=t, chunks=3)
    generator = np.zeros((9, 9))
    for source, dest in links:
        generator[source, dest] += d
        generator[source, source] -= d
    p = expm(generator * t)[0] * np.exp(-delta * t)
    for j in range(9):
        assert_close(counts[:, j, 0].astype(float), n * p[j])
    assert_close(counts[:, :, 1].sum(axis=1).astype(float), n * (1 - np.exp(-delta * t)))


def test_walkers_list_and_place_totals_give_one_law() -> None:
    # Zombies walk a 3x3 grid and bite the 3,000 humans of the centre, so their list grows past
    # its first room (1,026 slots) and again. The same world with a vanishing attraction (1e-12)
    # draws hops from the places' totals instead: the two laws agree (means of far-corner and
    # total zombies within 4 standard errors of their difference).
    links = lattice(3, 3)
    initial = np.zeros((9, 2), np.int32)
    initial[4, 0] = 3000
    initial[0, 1] = 1
    bite = (0.004, ["S", "Z"], {"S": -1, "Z": 1})
    results = []
    for bias in (0.0, 1e-12):
        net = network(
            ["S", "Z"], [bite], initial, links=links, group_rate=[[0.0, 1.0]],
            bias=[0.0, bias], attract=["S"],
        )  # fmt: skip
        walks_from_list = _walker_table(net)[1] >= 0  # Z is the only mobile species
        assert walks_from_list == (bias == 0.0)  # the two worlds do take the two paths
        counts, _ = run(net, runs=600, seed=37 + int(bias > 0), t_stop=2.5, chunks=2)
        results.append((counts[:, 8, 1].astype(float), counts[:, :, 1].sum(axis=1).astype(float)))
    for walked, totalled in zip(*results, strict=True):
        error = np.hypot(walked.std(ddof=1), totalled.std(ddof=1)) / np.sqrt(600)
        assert abs(walked.mean() - totalled.mean()) < 4 * error, (walked.mean(), totalled.mean())


def _walker_table(net: CompiledNetwork) -> np.ndarray:
    """Per species, its mobile index if its hops are drawn from a walkers' list, else -1."""
    n_places, n_species = net.initial.shape
    return shared_tables(n_places, n_species, net.kernel_args()).species_walker
