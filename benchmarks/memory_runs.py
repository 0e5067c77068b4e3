"""Peak memory against the number of runs: 1 k, 10 k, 100 k (and 1 M with --full) runs of a
101-person well-mixed SZR world written to NetCDF, as ``hyosan run --out`` does.

Each size runs in a fresh child process started from this small launcher (which imports no
numerical library): a child's ``ru_maxrss`` starts at its parent's peak, so a launcher that had
loaded hyosan itself would hide the child's own. Memory should be flat in the number of runs
(batches are streamed to the file; only summaries stay in memory).

    python benchmarks/memory_runs.py [--full] [--engine ssa] [--format nc]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

WORLD = """
name = "base"

[world.well_mixed]
counts = { S = 100, Z = 1 }

[model]
name = "szr"
parameters = { beta = "0.01/hour", kappa = "0.005/hour" }

[run]
t_end = 10
seed = 1
record_every = 0.1
"""


def child(runs: int, engine: str, out: str, scenario: str) -> None:
    """One ensemble, as `hyosan run` writes it."""
    from hyosan.run.provenance import Provenance, Source

    provenance = Provenance(Source.resolve(scenario)).amended(runs=runs, engine=engine)
    ensemble = provenance.ensemble(out)
    ensemble.run()


def measure(runs: int, engine: str, suffix: str, folder: str, scenario: str) -> dict[str, float]:
    out = os.path.join(folder, f"runs-{runs}{suffix}")
    began = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, __file__, "--child", str(runs), "--engine", engine, "--out", out,
         "--scenario", scenario]
    )  # fmt: skip
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"the child for {runs} runs failed (status {status})")
    size = 0
    if os.path.isdir(out):
        for root, _, files in os.walk(out):
            size += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    else:
        size = os.path.getsize(out)
    return {
        "runs": runs,
        "peak_mb": usage.ru_maxrss / 1024,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "wall_s": time.perf_counter() - began,
        "file_mb": size / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="also 1 M runs")
    parser.add_argument("--engine", default="ssa")
    parser.add_argument("--format", default="nc", choices=("nc", "zarr"))
    parser.add_argument("--sizes", default=None, help="comma-separated run counts")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--scenario", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args.engine, args.out, args.scenario)
        return
    sizes = [1_000, 10_000, 100_000] + ([1_000_000] if args.full else [])
    if args.sizes:
        sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        scenario = os.path.join(folder, "base.toml")
        with open(scenario, "w", encoding="utf-8") as handle:
            handle.write(WORLD)
        print(f"{'runs':>10} {'peak RSS MB':>12} {'CPU s':>8} {'wall s':>8} {'file MB':>8}")
        for runs in sizes:
            row = measure(runs, args.engine, "." + args.format, folder, scenario)
            print(
                f"{row['runs']:>10,} {row['peak_mb']:>12.0f} {row['cpu_s']:>8.1f} "
                f"{row['wall_s']:>8.1f} {row['file_mb']:>8.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
