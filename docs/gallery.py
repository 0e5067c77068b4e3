"""Make the gallery: plots of every built-in world, written to docs/gallery/ with docs/gallery.md.

    python docs/gallery.py            # every registered built-in world
    python docs/gallery.py --only szr-lattice --runs 4

Worlds that are not registered (yet) are skipped. Each world is simulated with a fixed seed
through the same scenario-file machinery as ``hyosan run``, so every image can be remade with the
command printed under it in gallery.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "gallery"

# name -> run settings for the gallery (times in the world's own time unit; maps are taken every
# twentieth of the run unless snapshot_every is given)
WORLDS: dict[str, dict[str, Any]] = {
    "szr-lattice": {"runs": 4, "engine": "tau", "snapshot_every": 10, "seed": 1},
    "hyosan-high": {"runs": 16, "engine": "tau", "seed": 1},
    "seoul": {"runs": 4, "engine": "tau", "seed": 1},
}
KINDS = (
    ("curves", ".png", "epidemic curves: median and 10-90 % band over runs, by region"),
    ("map", ".png", "humans and zombies in every place, mid-outbreak (a typical run)"),
    ("animation", ".gif", "the spread, snapshot by snapshot (a typical run)"),
    ("characters", ".png", "the named characters' fates over the runs"),
)
DPI = {"curves": 90, "map": 90, "animation": 60, "characters": 90}


def gallery_document(name: str, settings: dict[str, Any]) -> dict[str, Any]:
    """The scenario document the gallery runs: the built-in world and run settings."""
    run = {k: v for k, v in settings.items() if v is not None}
    return {"world": {"builtin": name}, "run": run}


def make(name: str, settings: dict[str, Any]) -> list[tuple[str, str]]:
    """Simulate one world and draw every kind of plot it supports: [(file, caption), ...]."""
    import hyosan
    from hyosan import plots
    from hyosan.errors import HyosanError
    from hyosan.results.io import with_place_layout
    from hyosan.scenarios import files

    loaded = files.build(gallery_document(name, settings))
    if loaded.settings.snapshot_every is None:
        settings["snapshot_every"] = float(f"{loaded.settings.t_end / 20:.4g}")
        loaded = files.build(gallery_document(name, settings))
    started = time.perf_counter()
    ds = hyosan.simulate(
        loaded.scenario,
        runs=loaded.settings.runs,
        seed=loaded.settings.seed,
        progress=False,
        **loaded.settings.simulate_kwargs(),
    )
    ds = with_place_layout(ds, loaded.scenario.places)
    seconds = time.perf_counter() - started
    print(f"{name}: {ds.sizes['run']} runs with {ds.attrs['engine']} in {seconds:.1f} s")
    made = []
    for kind, suffix, caption in KINDS:
        path = OUT / f"{name}-{kind}{suffix}"
        try:
            plots.plot(ds, kind, path, dpi=DPI[kind])
        except HyosanError as error:  # e.g. a world without characters or snapshots
            print(f"  {kind}: skipped ({error})")
            continue
        print(f"  {path.relative_to(HERE.parent)}")
        made.append((path.name, caption))
    return made


def command(name: str, settings: dict[str, Any]) -> str:
    """The `hyosan` commands that remake a world's images."""
    options = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in settings.items() if v is not None)
    return f"hyosan run {name} {options} --out {name}.nc && hyosan plot {name}.nc --kind KIND"


def write_index() -> Path:
    """docs/gallery.md: every image under docs/gallery/, world by world."""
    lines = [
        "# Gallery",
        "",
        "Made by `python docs/gallery.py` from the built-in worlds (`hyosan scenarios`), with a",
        "fixed seed. Colours: Okabe-Ito for compartments, viridis (humans) and inferno (zombies)",
        "for maps; all safe for colour-blind readers.",
        "",
    ]
    for name, settings in WORLDS.items():
        images = [(f"{name}-{kind}{suffix}", caption) for kind, suffix, caption in KINDS]
        images = [(file, caption) for file, caption in images if (OUT / file).exists()]
        if not images:
            continue
        lines += [f"## {name}", "", f"`{command(name, settings)}`", ""]
        for file, caption in images:
            lines += [f"![{name}: {caption}](gallery/{file})", "", f"*{caption}*", ""]
    path = HERE / "gallery.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="worlds to draw (default: all registered)")
    parser.add_argument("--runs", type=int, help="runs per world (default: the gallery's)")
    parser.add_argument("--engine", help="engine for every world (default: tau, else ssa)")
    args = parser.parse_args()

    from hyosan import scenarios

    OUT.mkdir(exist_ok=True)
    have_tau = importlib.util.find_spec("hyosan.engines.tau") is not None
    for name, settings in WORLDS.items():
        if args.only and name not in args.only:
            continue
        if name not in scenarios.names():
            print(f"{name}: not a registered built-in world yet; skipped")
            continue
        settings = dict(settings)
        if args.runs:
            settings["runs"] = args.runs
        if args.engine or not have_tau:
            settings["engine"] = args.engine or "ssa"
        WORLDS[name] = settings
        make(name, settings)
    print(write_index())


if __name__ == "__main__":
    main()
