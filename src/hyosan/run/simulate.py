"""``simulate``: run a scenario with one engine, chunk by chunk, and return labelled results.

The loop plan is explicit (as in Starsim): at each chunk boundary the results are recorded,
interventions due are applied, progress is reported and the time limit checked; the engine then
advances to the next boundary. Ctrl-C or the time limit end the loop early and the Dataset holds
every time recorded so far.
"""

from __future__ import annotations

import heapq
import math
import time as wallclock
import warnings

import numpy as np
import xarray as xr

from hyosan.engines import ENGINES, make_engine
from hyosan.errors import HyosanError, suggest
from hyosan.interventions import InterventionPlan
from hyosan.kernel_cache import is_compiled, mark_compiled
from hyosan.network.compiled import SCALE_AREA, CompiledNetwork
from hyosan.network.contact import across_bound
from hyosan.results.layout import with_place_layout
from hyosan.results.recorder import Recorder, aggregate
from hyosan.run.checks import HyosanWarning, immobility, step_check
from hyosan.run.options import DEFAULT_STEP_ACCURACY, resolve_options
from hyosan.run.progress import Progress, ProgressBar, announce_compiling
from hyosan.scenarios.scenario import Scenario
from hyosan.version import __version__


def run_keys(seed: int, runs: int, first_run: int = 0) -> np.ndarray:
    """One 64-bit key per run from ``SeedSequence(seed).spawn``: run k's key depends on k only,
    so runs first_run..first_run+runs-1 of a seed are the same histories in any batch."""
    children = np.random.SeedSequence(seed).spawn(first_run + runs)[first_run:]
    return np.array([child.generate_state(1, np.uint64)[0] for child in children], np.uint64)


def max_hazard(net: CompiledNetwork) -> float:
    """An upper bound on one person's total event rate, over species and places.

    For each species: the reactions that consume it, with their other reactants bounded by the
    place's whole population (or by the share 1 under frequency-dependent contact), plus its
    hops summed over every out-link. The initial counts bound the population of each place.
    """
    population = net.initial.sum(axis=1).astype(np.float64)
    rate = net.rate.max(axis=0)
    base = net.base_reaction
    bound: dict[tuple[int, int], tuple[float, int]] = {}  # (source, base reaction) -> the
    for r in range(net.n_reactions):  # largest of a character's variants, which are
        source = int(net.source[r])  # alternatives, not extra hazards
        if rate[r] == 0.0 or source < 0:
            continue
        key = (source, int(base[r]))
        bound[key] = max(bound.get(key, (0.0, r)), (float(rate[r]), r))
    per_species = np.zeros((net.n_species, net.n_places))
    for (source, _), (value, r) in bound.items():
        m = int(net.order[r])
        if net.has_contact and net.reactant_species[r, m - 1] >= net.n_species:
            per_species[source] += across_bound(net, r, population)  # reads the neighbours
        elif net.scale_mode == SCALE_AREA:
            per_species[source] += value * (population / net.area) ** (m - 1)
        else:
            per_species[source] += value
    link_source = np.repeat(np.arange(net.n_places), np.diff(net.out_ptr))
    for s in range(net.n_species):
        per_link = net.link_weight * net.group_rate[net.link_group, s]
        per_species[s] += np.bincount(link_source, per_link, net.n_places)
    return float(per_species.max(initial=0.0))


def choose_dt(
    net: CompiledNetwork, record_every: float, accuracy: float = DEFAULT_STEP_ACCURACY
) -> float:
    """The tau step: at most ``accuracy`` expected events per person per step (by the bound of
    :func:`max_hazard`), dividing ``record_every`` evenly. The default's accuracy is
    ``hyosan.run.options.DEFAULT_STEP_ACCURACY``."""
    hazard = max_hazard(net)
    dt = record_every if hazard <= 0 else min(record_every, accuracy / hazard)
    return record_every / math.ceil(record_every / dt - 1e-9)


def simulate(
    scenario: Scenario,
    t_end: float | None = None,
    engine: str | None = None,
    runs: int = 1,
    seed: int | None = None,
    dt: float | None = None,
    record_every: float | None = None,
    progress: Progress | bool | None = None,
    time_limit: float | None = None,
    snapshot_every: float | None = None,
    check_every: float | None = None,
    first_run: int = 0,
    accuracy: float | None = None,
    allow_coarse_dt: bool = False,
) -> xr.Dataset:
    """Simulate ``runs`` histories of ``scenario`` up to ``t_end`` (in the model's time unit).

    Options not given take the world's own defaults (``scenario.extra["simulate"]``), else
    hyosan's (see :func:`hyosan.run.options.resolve_options`): t_end the scenario's end time.
    engine: 'tau' (approximate leaps of step ``dt``), 'ssa' (exact) or 'ode' (mean field).
    seed: None draws one; the seed used is in ``ds.attrs['seed']``. progress: None (silent) or
    a callable ``(t, t_end)`` called at each record time; simulate draws nothing itself
    (``hyosan.run.progress.ProgressBar`` is a terminal bar; ``True`` is a deprecated alias for
    it). time_limit: seconds of wall time after which the run stops and
    returns what it has (``ds.attrs['status']`` says why it stopped). check_every: how often
    intervention triggers are evaluated (default: every step for tau, record_every/10 otherwise).
    first_run: index of the first run, to compute runs of one ensemble in separate batches.
    accuracy: tau only, adaptive steps: each run keeps every unit's expected events per step
    below ``accuracy`` in its current state (``dt``, if given, is then the longest step). A
    world may ask for it in its defaults; an explicit ``dt`` alone means fixed steps.

    Checks before the run (:mod:`hyosan.run.checks`): a world where nobody can move warns; a
    fixed ``dt`` far above tau's own step warns, naming the reaction, and is an error where a
    leap cannot approximate the model, unless ``allow_coarse_dt``.
    """
    options = resolve_options(
        scenario.extra.get("simulate"),
        t_end=t_end,
        default_t_end=scenario.t_end,
        engine=engine,
        dt=dt,
        accuracy=accuracy,
        record_every=record_every,
        snapshot_every=snapshot_every,
        check_every=check_every,
    )
    engine, t_end, dt, accuracy = options.engine, options.t_end, options.dt, options.accuracy
    record_every, snapshot_every = options.record_every, options.snapshot_every
    check_every = options.check_every
    adaptive = accuracy is not None
    if engine not in ENGINES:
        raise HyosanError("engine: " + suggest(engine, ENGINES, "engine"))
    if not (isinstance(runs, (int, np.integer)) and runs >= 1):
        raise HyosanError(f"runs must be a positive integer, got {runs!r}")
    if not (t_end > 0 and math.isfinite(t_end)):
        raise HyosanError(f"t_end must be a positive number, got {t_end!r}")
    if record_every is None:
        record_every = t_end / 100
    if not record_every > 0:
        raise HyosanError(f"record_every must be positive, got {record_every!r}")
    if seed is None:
        seed = int(np.random.SeedSequence().entropy)
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise HyosanError(f"seed must be a non-negative integer, got {seed!r}")

    report = _progress_callback(progress)
    kernels = "tau-adaptive" if engine == "tau" and adaptive else engine  # what a run compiles
    cold = engine != "ode" and not is_compiled(kernels)
    if cold:
        announce_compiling(report, engine)
    net = scenario.compile()
    if engine != "tau":
        dt = None
    else:
        if adaptive:
            dt = record_every if dt is None else float(dt)  # the longest step
        fixed = dt is not None and not adaptive
        dt = choose_dt(net, record_every) if dt is None else float(dt)
        if not dt > 0:
            raise HyosanError(f"dt must be positive, got {dt!r}")
        if fixed:
            _warn(
                step_check(
                    net, dt, choose_dt(net, record_every), DEFAULT_STEP_ACCURACY, allow_coarse_dt
                )
            )  # fmt: skip
        if dt > record_every and not adaptive:
            record_every = dt
    _warn(immobility(scenario, net))
    record_times = np.arange(0.0, t_end + 1e-9 * t_end, record_every)
    if record_times[-1] < t_end * (1 - 1e-12):
        record_times = np.append(record_times, t_end)
    if engine == "tau" and not adaptive:  # records fall on the step grid
        record_times = np.unique(np.minimum(np.ceil(record_times / dt - 1e-9) * dt, t_end))
    snapshot_times = None
    if snapshot_every is not None:
        if not snapshot_every > 0:
            raise HyosanError(f"snapshot_every must be positive, got {snapshot_every!r}")
        wanted = np.arange(0.0, t_end + 1e-9 * t_end, snapshot_every)
        # the first record at or after each wanted time (records may sit on the tau step grid)
        nearest = np.searchsorted(record_times, wanted - 1e-9 * max(t_end, 1))
        snapshot_times = np.unique(record_times[np.minimum(nearest, len(record_times) - 1)])
    keys = run_keys(int(seed), int(runs), int(first_run))
    sim = make_engine(engine, net, int(runs), keys, dt, accuracy)
    grid = dt if engine == "tau" and not adaptive else None  # times land on the step grid
    plan = InterventionPlan(scenario, net, int(runs), int(seed), int(first_run))
    if check_every is None:
        check_every = dt if grid is not None else record_every / 10
    boundaries = _boundaries(record_times, plan, check_every, t_end, grid)
    characters = [c.name for c in scenario.characters]
    recorder = Recorder(net, int(runs), characters, snapshot_times)
    status = "complete"
    started = wallclock.perf_counter()
    record_set = set(np.round(record_times, 9).tolist())
    try:
        t = 0.0
        while True:
            if plan.items:
                counts = aggregate_regions(net, sim.counts()) if plan.has_triggers else None
                for extra_time in plan.step(t, sim, counts):
                    _push(boundaries, extra_time, t_end, grid)
            recorded = round(t, 9) in record_set
            if recorded:
                recorder.record(t, sim.counts())
                if report is not None:
                    report(t, t_end)
            if not boundaries or t >= t_end - 1e-12:
                break
            if time_limit is not None and wallclock.perf_counter() - started > time_limit:
                if not recorded:
                    recorder.record(t, sim.counts())
                status = "time_limit"
                break
            t_next = heapq.heappop(boundaries)
            while boundaries and (boundaries[0] <= t_next + 1e-12 or t_next <= t + 1e-12):
                t_next = max(t_next, heapq.heappop(boundaries))
            if t_next <= t + 1e-12:
                break
            sim.advance(t, t_next, plan.cohorts(t) if plan.items else None)
            t = t_next
    except KeyboardInterrupt:
        status = "interrupted"
    finally:
        if progress is True and isinstance(report, ProgressBar):
            report.stop()  # the deprecated alias's own bar
    elapsed = wallclock.perf_counter() - started
    if cold and status == "complete":
        mark_compiled(kernels)
    counters = sim.counters()
    if engine == "tau" and np.any(counters["clamps"]):
        warnings.warn(
            f"{'accuracy=' + str(accuracy) if adaptive else 'dt=' + str(dt)} is too coarse: "
            "counts had to be clamped at zero "
            f"{int(counters['clamps'].sum())} times; results are biased, use a smaller dt",
            HyosanWarning,
            stacklevel=2,
        )
    model = scenario.model
    roles = {
        "infectious": [model.reported_of(c) for c in model.infectious],
        "latent": [model.reported_of(c) for c in model.latent],
        "susceptible": [model.reported_of(c) for c in model.susceptible],
    }
    attrs = {
        "hyosan_version": __version__,
        "engine": engine,
        "seed": str(seed),
        "runs": int(runs),
        "t_end": float(t_end),
        "dt": float(dt) if dt is not None and not adaptive else float("nan"),
        "accuracy": float(accuracy) if adaptive else float("nan"),
        "dt_max": float(dt) if adaptive else float("nan"),
        "record_every": float(record_every),
        "time_unit": model.time_unit,
        "model": model.name,
        "scenario": scenario.describe_json(),
        "status": status,
        "wall_seconds": float(elapsed),
        "human": model.reported_of(model.susceptible[0]),
    }
    ds = recorder.dataset(
        roles, scenario.places.names, engine != "ode", attrs, counters, scenario.places.focus
    )
    ds = ds.assign_coords(run=np.arange(first_run, first_run + int(runs)))
    if plan.items:
        ds = ds.assign_coords(intervention=[item.describe() for item in plan.items])
        for name, values in plan.record().items():
            ds[name] = (("run", "intervention"), values)
    return with_place_layout(ds, scenario.places)


def _warn(message: str | None) -> None:
    """A check's warning, pointing at the caller of ``simulate``."""
    if message is not None:
        warnings.warn(message, HyosanWarning, stacklevel=3)


def aggregate_regions(net: CompiledNetwork, state: np.ndarray) -> np.ndarray:
    """Counts by (run, region, reported compartment), as triggers see them."""
    labels = net.labels
    return aggregate(
        state,
        labels.region_index,
        labels.reported_index,
        len(labels.regions),
        len(labels.reported),
    )


def _push(heap: list[float], t: float, t_end: float, dt: float | None) -> None:
    """Add a chunk boundary (on the step grid for tau), if it is before the end."""
    if dt is not None:
        t = math.ceil(t / dt - 1e-9) * dt
    if t <= t_end + 1e-12:
        heapq.heappush(heap, min(t, t_end))


def _boundaries(
    record_times: np.ndarray,
    plan: InterventionPlan,
    check_every: float,
    t_end: float,
    dt: float | None,
) -> list[float]:
    """Every time the loop must stop at: records, scheduled interventions, trigger checks."""
    heap: list[float] = []
    for t in record_times[1:]:
        _push(heap, float(t), t_end, dt)
    for t in plan.fixed_times():
        _push(heap, float(t), t_end, dt)
    if plan.has_triggers or plan.has_ramps:
        for t in np.arange(check_every, t_end, check_every):
            _push(heap, float(t), t_end, dt)
    return heap


def _progress_callback(progress: Progress | bool | None) -> Progress | None:
    """The callable to report to: None, False and True (deprecated: a terminal bar) allowed."""
    if progress is None or progress is False:
        return None
    if progress is True:
        warnings.warn(
            "simulate(progress=True) is deprecated: simulate draws nothing itself; pass "
            "progress=hyosan.run.progress.ProgressBar() for a bar, or any callable (t, t_end)",
            DeprecationWarning,
            stacklevel=3,
        )
        return ProgressBar()
    if not callable(progress):
        raise HyosanError(f"progress must be None or a callable (t, t_end), got {progress!r}")
    return progress
