"""The README's main job on a cold kernel cache and on a warm one: wall time, CPU time, peak memory.

    python benchmarks/cold_start.py                 # this checkout, cold then warm
    python benchmarks/cold_start.py --tree OLD_SRC  # also another tree's src/ side by side
    python benchmarks/cold_start.py --json

Each run is the README's second command (read from the README, so the two cannot drift apart;
its ``--out`` replaced by a temporary file) in a fresh process with ``NUMBA_CACHE_DIR`` set
to a new empty directory (cold) and then to the one the cold run filled (warm). The job runs
under a tiny launcher (``LAUNCHER``, a Python process that imports nothing else and only waits
for it), which reports the job's own peak resident memory: on Linux a
child's ``ru_maxrss`` starts at its parent's peak, so measuring from this (larger) process would
report at least this process's own. CPU seconds (user + system) are reported beside wall
seconds, since on a shared machine the wall time depends on the other load.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_main_job(readme: Path = README) -> list[str]:
    """The README's main job: the ``hyosan run`` line of its first code block, without
    ``hyosan`` and without ``--out FILE``."""
    block = readme.read_text(encoding="utf-8").split("```")[1]
    line = next(x for x in block.splitlines() if x.startswith("hyosan run "))
    words = shlex.split(line)[1:]
    if "--out" in words:
        at = words.index("--out")
        del words[at : at + 2]
    return words


JOB = readme_main_job()

LAUNCHER = """
import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB elsewhere
print(code, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * scale)
"""


def measure(src: Path, cache: Path, out: Path) -> dict[str, float]:
    """One run of the job with ``src`` first on the path and ``cache`` as numba's cache."""
    env = {**os.environ, "PYTHONPATH": str(src), "NUMBA_CACHE_DIR": str(cache)}
    command = [sys.executable, "-c", "from hyosan.cli import app; app()", *JOB, "--out", str(out)]
    line = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *command],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    code, wall, cpu, peak = int(line[0]), float(line[1]), float(line[2]), float(line[3])
    if code != 0:
        raise SystemExit(f"the job failed in {src} (exit {code})")
    return {"wall_s": wall, "cpu_s": cpu, "peak_mb": peak / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = Path(__file__).resolve().parents[1] / "src"
    parser.add_argument("--tree", action="append", default=[], help="another src/ to compare")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    trees = {"this": here, **{f"tree{i}": Path(t).resolve() for i, t in enumerate(args.tree)}}
    results = []
    with tempfile.TemporaryDirectory(prefix="hyosan-cold-") as tmp:
        for name, src in trees.items():
            cache = Path(tmp) / f"cache-{name}"
            for state in ("cold", "warm"):
                figures = measure(src, cache, Path(tmp) / f"{name}-{state}.nc")
                results.append({"tree": name, "src": str(src), "cache": state, **figures})
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{'tree':8} {'cache':6} {'wall s':>8} {'cpu s':>8} {'peak MB':>8}  src")
    for r in results:
        print(
            f"{r['tree']:8} {r['cache']:6} {r['wall_s']:8.1f} {r['cpu_s']:8.1f} "
            f"{r['peak_mb']:8.0f}  {r['src']}"
        )


if __name__ == "__main__":
    main()
