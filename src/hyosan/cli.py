"""The command line: run scenarios (files or built-in names), check files, inspect and plot results.

Exit codes: 0 ok, 2 bad input (the message names the key or value at fault), 130 interrupted
(the runs that finished are kept in the results file).
"""

from __future__ import annotations

import json
import math
import os
import secrets
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from hyosan.errors import HyosanError, suggest

app = typer.Typer(
    help="hyosan: a fast, stochastic, spatial outbreak simulator.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True, highlight=False)
stdout = Console(highlight=False, soft_wrap=True)

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
SCENARIO_SUFFIXES = (".toml", ".yaml", ".yml")
PLOT_KINDS = ("curves", "map", "animation", "characters")

QuietOption = typer.Option(False, "--quiet", "-q", help="no progress bar, no report")
JsonOption = typer.Option(False, "--json", help="print one JSON object on stdout")


class BadInputError(Exception):
    """Raised inside a command to exit with code 2 after printing the message."""


@contextmanager
def _errors(as_json: bool) -> Iterator[None]:
    """Bad input becomes one message (and a JSON object with --json) and exit code 2."""
    try:
        yield
    except (HyosanError, BadInputError) as error:
        message = str(error)
        console.print(f"[red]error:[/red] {message}", markup=True, soft_wrap=True)
        if as_json:
            print(json.dumps({"ok": False, "error": message}))
        raise typer.Exit(EXIT_BAD_INPUT) from None


# ------------------------------------------------------------------------------------------------
# Scenarios: a file or a built-in name, plus --set overrides.
@dataclass
class Source:
    """Where a scenario came from: file text (TOML/YAML) or a built-in name; kept in results."""

    text: str
    format: str  # "toml", "yaml" or "name"
    label: str

    def document(self) -> dict[str, Any]:
        from hyosan.scenarios import files

        if self.format == "name":
            return {"world": {"builtin": self.text}}
        return files.parse_text(self.text, self.format, f"scenario file {self.label!r}")


def resolve_source(target: str) -> Source:
    """A scenario file path, or the name of a built-in scenario."""
    from hyosan import scenarios
    from hyosan.scenarios import files

    path = Path(target)
    if path.exists() or path.suffix.lower() in SCENARIO_SUFFIXES:
        _, text, fmt = files.read_document(path)
        return Source(text, fmt, str(path))
    if target in scenarios.names():
        return Source(target, "name", target)
    raise BadInputError(
        f"scenario {target!r}: no such file, and "
        + suggest(target, scenarios.names(), "built-in scenario")
    )


def source_from_results(path: Path) -> tuple[Source, list[str], dict[str, Any]]:
    """The scenario, overrides and attributes stored in a results file by ``hyosan run``."""
    from hyosan.results.io import load

    ds = load(path)
    attrs = ds.attrs
    if "source" not in attrs or "source_format" not in attrs:
        raise BadInputError(
            f"--from {str(path)!r}: these results were not made by `hyosan run` "
            "(no 'source' attribute); re-run them from Python with ds.attrs['scenario']"
        )
    overrides = json.loads(attrs.get("overrides", "[]"))
    source = Source(str(attrs["source"]), str(attrs["source_format"]), str(attrs["source_label"]))
    return source, list(overrides), dict(attrs)


def _option_overrides(**options: Any) -> list[str]:
    """CLI options as --set overrides of the run table (so results can be re-run exactly)."""
    out = []
    for key, value in options.items():
        if value is None:
            continue
        if isinstance(value, str):
            out.append(f"run.{key}={json.dumps(value)}")
        else:
            out.append(f"run.{key}={value}")
    return out


def _load(source: Source, overrides: list[str]) -> Any:
    from hyosan.scenarios import files

    document = files.apply_overrides(source.document(), overrides)
    if source.format != "name" and isinstance(document, dict):
        document.setdefault("name", Path(source.label).stem)  # a file's scenario: its name
    where = source.label if source.format == "name" else f"scenario file {source.label!r}"
    return files.build(document, where=where)


# ------------------------------------------------------------------------------------------------
# Progress: one bar for the whole ensemble.
class EnsembleProgress:
    """Runs done, simulated time of the current batch, and speed (simulated time per second)."""

    def __init__(self, runs: int, t_end: float, unit: str, enabled: bool) -> None:
        self.runs, self.t_end, self.unit = runs, t_end, unit
        self.done = 0
        self.batch = 0
        self.started = time.perf_counter()
        self.bar: Any = None
        if not enabled:
            return
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(
            TextColumn("[bold]simulating"),
            BarColumn(),
            TextColumn("runs {task.fields[done]}/{task.fields[runs]}"),
            TextColumn("t = {task.fields[t]} / " + f"{t_end:g} {unit}"),
            TextColumn("{task.fields[speed]}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.task = self.bar.add_task(
            "ensemble", total=runs * t_end, done=0, runs=runs, t="0", speed=""
        )
        self.bar.start()

    def start_batch(self, size: int) -> None:
        self.batch = size

    def __call__(self, t: float, t_end: float) -> None:
        if self.bar is None:
            return
        simulated = self.done * self.t_end + self.batch * t
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        self.bar.update(
            self.task,
            completed=simulated,
            done=self.done,
            t=f"{t:.4g}",
            speed=f"{simulated / elapsed:.3g} {self.unit}/s",
        )

    def finish_batch(self) -> None:
        self.done += self.batch
        self(0.0, self.t_end)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


@contextmanager
def _deferred_interrupt() -> Iterator[None]:
    """Hold Ctrl-C while a batch is written, then raise it: the file is never half-written."""
    caught: list[int] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def _listen_for_interrupts() -> None:
    """Ctrl-C raises KeyboardInterrupt even when the parent shell or runner ignores SIGINT."""
    with suppress(ValueError):  # not the main thread
        signal.signal(signal.SIGINT, signal.default_int_handler)


def default_batch(runs: int) -> int:
    """Runs per batch: enough to use every core, at most about 20 batches in all."""
    return max(1, min(runs, max(os.cpu_count() or 1, math.ceil(runs / 20))))


# ------------------------------------------------------------------------------------------------
@app.command()
def run(
    scenario: str | None = typer.Argument(
        None, help="a scenario file (.toml, .yaml) or a built-in name (see `hyosan scenarios`)"
    ),
    set_: list[str] = typer.Option(
        [], "--set", "-s", help="override a key, e.g. --set model.parameters.beta=0.1/hour"
    ),
    runs: int | None = typer.Option(None, help="number of histories"),
    seed: int | None = typer.Option(None, help="random seed (recorded in the results)"),
    engine: str | None = typer.Option(None, help="tau, ssa or ode"),
    t_end: str | None = typer.Option(None, help="end time, e.g. 72 or '3 days'"),
    dt: str | None = typer.Option(None, help="tau step"),
    record_every: str | None = typer.Option(None, help="time between recorded counts"),
    snapshot_every: str | None = typer.Option(None, help="time between per-place maps"),
    batch: int | None = typer.Option(
        None, help="runs per batch written as it finishes (does not change the results)"
    ),
    out: Path | None = typer.Option(None, "--out", "-o", help="results file (.nc or .zarr)"),
    summary: Path | None = typer.Option(None, help="per-run summary table (.csv or .parquet)"),
    from_: Path | None = typer.Option(
        None, "--from", help="re-run the scenario, overrides and seed stored in a results file"
    ),
    quiet: bool = QuietOption,
    as_json: bool = JsonOption,
) -> None:
    """Simulate a scenario; save the results with --out and summaries with --summary."""
    _listen_for_interrupts()
    with _errors(as_json):
        if from_ is not None:
            if scenario is not None:
                raise BadInputError("give a scenario or --from RESULTS, not both")
            source, stored, _ = source_from_results(from_)
        elif scenario is None:
            raise BadInputError("missing scenario: give a file, a built-in name, or --from RESULTS")
        else:
            source, stored = resolve_source(scenario), []
        overrides = [
            *stored,
            *set_,
            *_option_overrides(
                runs=runs,
                seed=seed,
                engine=engine,
                t_end=t_end,
                dt=dt,
                record_every=record_every,
                snapshot_every=snapshot_every,
            ),
        ]
        loaded = _load(source, overrides)
        if loaded.settings.seed is None:
            drawn = secrets.randbits(63)
            overrides.append(f"run.seed={drawn}")
            loaded.settings.seed = drawn
        for path, kind in ((out, "results"), (summary, "summary")):
            if path is not None:
                _check_suffix(path, kind)
        if batch is not None:
            if batch < 1:
                raise BadInputError(f"--batch must be a positive number of runs, got {batch}")
            loaded.settings.batch = batch
        code = _run_ensemble(source, overrides, loaded, out, summary, quiet, as_json)
    if code:
        raise typer.Exit(code)


def _check_suffix(path: Path, kind: str) -> None:
    allowed = (".nc", ".nc4", ".netcdf", ".zarr") if kind == "results" else (".csv", ".parquet")
    if path.suffix.lower() not in allowed:
        raise BadInputError(
            f"--{'out' if kind == 'results' else 'summary'} {str(path)!r}: use "
            + " or ".join(allowed)
        )


def _run_ensemble(
    source: Source,
    overrides: list[str],
    loaded: Any,
    out: Path | None,
    summary: Path | None,
    quiet: bool,
    as_json: bool,
) -> int:
    """Run the ensemble batch by batch, writing each batch as it finishes; the exit code."""
    from hyosan.results.io import ResultsWriter, combine, save_summary, with_place_layout
    from hyosan.run.simulate import simulate

    settings = loaded.settings
    scenario = loaded.scenario
    size = settings.batch or default_batch(settings.runs)
    attrs = {
        "source": source.text,
        "source_format": source.format,
        "source_label": source.label,
        "overrides": json.dumps(overrides),
        "document": json.dumps(loaded.document),
        "runs_requested": settings.runs,
    }
    writer = ResultsWriter(out, attrs) if out is not None else None
    bar = EnsembleProgress(
        settings.runs,
        settings.t_end,
        scenario.model.time_unit,
        enabled=not quiet and console.is_terminal,
    )
    batches = []
    status = "complete"
    try:
        for first in range(0, settings.runs, size):
            n = min(size, settings.runs - first)
            bar.start_batch(n)
            ds = simulate(
                scenario,
                runs=n,
                seed=settings.seed,
                first_run=first,
                progress=bar,
                **settings.simulate_kwargs(),
            )
            if ds.attrs.get("status") == "interrupted":
                status = "interrupted"
                break
            ds = with_place_layout(ds, scenario.places)
            ds.attrs.update(attrs)
            with _deferred_interrupt():
                batches.append(ds)
                if writer is not None:
                    writer.append(ds)
            bar.finish_batch()
    except KeyboardInterrupt:
        status = "interrupted"
    finally:
        bar.stop()
    if not batches:
        console.print("interrupted before any run finished; nothing saved")
        return EXIT_INTERRUPTED
    late_interrupt = False
    try:
        with _deferred_interrupt():
            results = writer.finish(status) if writer is not None else combine(batches, status)
            if summary is not None:
                save_summary(results, summary)
    except KeyboardInterrupt:  # Ctrl-C while the last write was made: it was completed
        late_interrupt = True
    _report(results, out, summary, quiet, as_json)
    return EXIT_INTERRUPTED if status == "interrupted" or late_interrupt else 0


def _report(ds: Any, out: Path | None, summary: Path | None, quiet: bool, as_json: bool) -> None:
    from hyosan.results.io import describe

    info = describe(ds)
    if as_json:
        info.update(
            ok=True, out=str(out) if out else None, summary=str(summary) if summary else None
        )
        print(json.dumps(info))
        return
    if quiet:
        return
    _print_info(info)
    if info["status"] == "interrupted":
        console.print(
            f"[yellow]interrupted:[/yellow] {info['runs']} of {info['runs_requested']} runs "
            "finished" + (f" and are saved in {out}" if out else "")
        )
    elif out is not None:
        stdout.print(f"saved {out}")
    if summary is not None:
        stdout.print(f"saved {summary}")


def _print_info(info: dict[str, Any]) -> None:
    from rich.table import Table

    unit = info["time_unit"]
    stdout.print(
        f"[bold]{info['scenario'] or 'scenario'}[/bold]: {info['runs']} run(s) of "
        f"{info['model']}, engine {info['engine']}, seed {info['seed']}, "
        f"t = {info['t_end']:g} {unit}, {info['status']}"
    )
    labels = {
        "peak_infectious": "peak infectious",
        "peak_time": f"peak time ({unit})",
        "final_susceptible": "humans left",
        "final_infectious": "infectious at the end",
    }
    table = Table("summary over runs", "median", "10 %", "90 %")
    for name, label in labels.items():
        if name in info["summaries"]:
            s = info["summaries"][name]
            table.add_row(label, f"{s['median']:,.4g}", f"{s['q10']:,.4g}", f"{s['q90']:,.4g}")
    if "extinct" in info["summaries"]:
        share = info["summaries"]["extinct"]["share"]
        table.add_row("outbreak died out", f"{share:.0%} of runs", "", "")
    stdout.print(table)
    for name, share in info.get("characters_still_human", {}).items():
        stdout.print(f"  {name}: still human in {share:.0%} of runs")


# ------------------------------------------------------------------------------------------------
@app.command()
def validate(
    scenario: str = typer.Argument(..., help="a scenario file (.toml, .yaml) or a built-in name"),
    set_: list[str] = typer.Option([], "--set", "-s", help="override a key, as for run"),
    quiet: bool = QuietOption,
    as_json: bool = JsonOption,
) -> None:
    """Check a scenario file without running it; errors name the key at fault."""
    with _errors(as_json):
        source = resolve_source(scenario)
        loaded = _load(source, list(set_))
    s, settings = loaded.scenario, loaded.settings
    info = {
        "ok": True,
        "name": s.name,
        "model": s.model.name,
        "places": s.places.n_places,
        "regions": len(s.places.regions),
        "links": s.places.n_links,
        "people": s.places.total(),
        "characters": [c.name for c in s.characters],
        "interventions": [i.describe() for i in s.interventions],
        "engine": settings.engine,
        "runs": settings.runs,
        "t_end": settings.t_end,
        "time_unit": s.model.time_unit,
        "seed": settings.seed,
    }
    if as_json:
        print(json.dumps(info))
    elif not quiet:
        stdout.print(
            f"[green]ok[/green] {source.label}: {s.name}, model {s.model.name}, "
            f"{info['places']:,} places in {info['regions']} region(s), {info['people']:,} people, "
            f"{len(info['characters'])} character(s), {len(info['interventions'])} "
            f"intervention(s); {settings.runs} run(s) with {settings.engine} to "
            f"t = {settings.t_end:g} {s.model.time_unit}"
        )


@app.command()
def scenarios(as_json: bool = JsonOption) -> None:
    """List the built-in scenarios."""
    from hyosan import scenarios as registry

    listing = {name: registry.describe(name) for name in registry.names()}
    if as_json:
        print(json.dumps(listing))
        return
    for name, text in listing.items():
        stdout.print(f"[bold]{name}[/bold]: {text}")


@app.command()
def schema(
    out: Path | None = typer.Option(None, "--out", "-o", help="write to a file"),
) -> None:
    """Print the JSON Schema of scenario files."""
    from hyosan.scenarios.files import schema as file_schema

    text = json.dumps(file_schema(), indent=2)
    if out is None:
        print(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")


@app.command()
def info(
    results: Path = typer.Argument(..., help="a results file (.nc or .zarr)"),
    summary: Path | None = typer.Option(None, help="also write the per-run table (.csv/.parquet)"),
    as_json: bool = JsonOption,
) -> None:
    """Describe a results file: scenario, seed, engine, runs, summaries."""
    from hyosan.results.io import describe, load, save_summary

    with _errors(as_json):
        ds = load(results)
        if summary is not None:
            _check_suffix(summary, "summary")
            save_summary(ds, summary)
    details = describe(ds)
    if as_json:
        print(json.dumps(details))
        return
    _print_info(details)
    stdout.print(f"dimensions: {details['dims']}")
    stdout.print(f"variables: {', '.join(details['variables'])}")
    for item in details.get("interventions", []):
        stdout.print(f"  intervention: {item}")
    if details["rerun"]:
        stdout.print(f"re-run with: hyosan run --from {results}")


@app.command()
def plot(
    results: Path = typer.Argument(..., help="a results file (.nc or .zarr)"),
    kind: str = typer.Option("curves", help="curves, map, animation or characters"),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="image (.png, .svg, .pdf; .gif/.mp4)"
    ),
    run_index: int | None = typer.Option(
        None, "--run", help="the run to map, by position (default: a typical run)"
    ),
    at_time: float | None = typer.Option(
        None, "--time", help="snapshot time to map (default: mid-outbreak)"
    ),
    quiet: bool = QuietOption,
    as_json: bool = JsonOption,
) -> None:
    """Plot results: epidemic curves, a map of a snapshot, an animation, characters' fates."""
    from hyosan.results.io import load

    with _errors(as_json):
        if kind not in PLOT_KINDS:
            raise BadInputError("--kind: " + suggest(kind, PLOT_KINDS, "plot kind"))
        ds = load(results)
        if out is None:
            suffix = ".gif" if kind == "animation" else ".png"
            out = results.with_name(f"{results.stem}-{kind}{suffix}")
        from hyosan import plots

        written = plots.plot(ds, kind, out, run=run_index, time=at_time)
    if as_json:
        print(json.dumps({"ok": True, "kind": kind, "out": str(written)}))
    elif not quiet:
        stdout.print(f"saved {written}")


def main() -> None:  # pragma: no cover - console entry for `python -m hyosan.cli`
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
