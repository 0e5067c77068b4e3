"""The command line: run scenarios (files or built-in names), check files, inspect and plot results.

Exit codes: 0 ok, 2 bad input (the message names the key or value at fault) or an output that
cannot be written (checked before any work: the path is named), 130 interrupted by Ctrl-C
(SIGINT), 143 by SIGTERM: the runs and the time simulated so far are kept in the results file.
No command replaces an existing output unless given ``--overwrite``.

Both consoles print text as it is (``markup=False``): scenario names, paths and error messages
may hold square brackets (``[[characters]]``) that rich would otherwise take for markup and
drop. Styled words are ``rich.text.Text`` pieces, never markup strings.
"""

from __future__ import annotations

import json
import math
import signal
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.text import Text

from hyosan.errors import HyosanError, suggest
from hyosan.sweeps.command import sweep_command
from hyosan.web.command import serve_command

app = typer.Typer(
    help="hyosan: a fast, stochastic, spatial outbreak simulator.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True, highlight=False, markup=False)
stdout = Console(highlight=False, soft_wrap=True, markup=False)

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
PLOT_KINDS = ("curves", "map", "animation", "characters", "sweep")

QuietOption = typer.Option(False, "--quiet", "-q", help="no progress bar, no report")
JsonOption = typer.Option(False, "--json", help="print one JSON object on stdout")
OverwriteOption = typer.Option(
    False, "--overwrite", help="replace output files that exist (default: refuse, exit 2)"
)


class BadInputError(Exception):
    """Raised inside a command to exit with code 2 after printing the message."""


def styled(*parts: str | tuple[str, str]) -> Text:
    """A line from plain strings and (text, style) pairs: user text is never read as markup."""
    return Text.assemble(*parts)


def _version(value: bool) -> None:
    if value:
        from hyosan.version import __version__

        stdout.print(f"hyosan {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="print the version and exit"
    ),
) -> None:
    """hyosan: a fast, stochastic, spatial outbreak simulator."""


@contextmanager
def _errors(as_json: bool) -> Iterator[None]:
    """Bad input becomes one message (and a JSON object with --json) and exit code 2."""
    try:
        yield
    except (HyosanError, BadInputError) as error:
        message = str(error)
        console.print(styled(("error:", "red"), " ", message), soft_wrap=True)
        if as_json:
            print(json.dumps({"ok": False, "error": message}))
        raise typer.Exit(EXIT_BAD_INPUT) from None


@contextmanager
def _warnings_on_console() -> Iterator[None]:
    """Warnings of a run (a step too coarse, nobody able to move) as one line each on stderr,
    without the source line Python would show."""

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        console.print(styled(("warning:", "yellow"), " ", str(message)), soft_wrap=True)

    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = show
        yield


@contextmanager
def _crafted_results(path: Path, malformed: bool = True) -> Iterator[None]:
    """A results file whose attributes or variables are missing (or, with ``malformed``,
    unreadable: made by hand, or by something else) is bad input naming what is wrong, not a
    traceback."""
    try:
        yield
    except KeyError as error:
        raise BadInputError(f"results file {str(path)!r}: lacks {error}") from None
    except (TypeError, ValueError) as error:
        if isinstance(error, HyosanError) or not malformed:
            raise
        raise BadInputError(f"results file {str(path)!r}: cannot read it ({error})") from None


def _listen_for_interrupts() -> None:
    """Ctrl-C raises KeyboardInterrupt even when the parent shell or runner ignores SIGINT (a
    run in progress turns it, and SIGTERM, into a stop request: hyosan.run.stopping)."""
    with suppress(ValueError):  # not the main thread
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _check_outputs(overwrite: bool, *paths: tuple[Path | None, str]) -> None:
    """Every output path checked before any work (one rule: hyosan.results.paths)."""
    from hyosan.results.paths import check_output

    for path, key in paths:
        if path is not None:
            check_output(path, overwrite=overwrite, key=key)


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
    dt: str | None = typer.Option(None, help="tau's fixed step (default: adaptive steps)"),
    allow_coarse_dt: bool = typer.Option(
        False, "--allow-coarse-dt", help="run a --dt far above tau's safe step anyway"
    ),
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
    threads: str | None = typer.Option(
        None,
        help="threads of the kernels: a number or 'auto' (default: $HYOSAN_THREADS, else chosen "
        "for the work and the machine's load); results do not depend on it",
    ),
    overwrite: bool = OverwriteOption,
    quiet: bool = QuietOption,
    as_json: bool = JsonOption,
) -> None:
    """Simulate a scenario; save the results with --out and summaries with --summary."""
    from hyosan.run.progress import ProgressBar
    from hyosan.run.provenance import Provenance, Source
    from hyosan.run.stopping import exit_code, stop_on_signals

    _listen_for_interrupts()
    with _errors(as_json):
        for path, kind in ((out, "results"), (summary, "summary")):
            if path is not None:
                _check_suffix(path, kind)
        _check_outputs(overwrite, (out, "--out"), (summary, "--summary"))
        if threads is not None:
            from hyosan.run.threads import requested_threads

            requested_threads(threads)  # checked before any work
        if from_ is not None:
            if scenario is not None:
                raise BadInputError("give a scenario or --from RESULTS, not both")
            provenance = Provenance.from_results(from_)
        elif scenario is None:
            raise BadInputError("missing scenario: give a file, a built-in name, or --from RESULTS")
        else:
            provenance = Provenance(Source.resolve(scenario))
        provenance = provenance.amended(
            set_,
            runs=runs,
            seed=seed,
            engine=engine,
            t_end=_time_option(t_end),
            dt=_time_option(dt),
            record_every=_time_option(record_every),
            snapshot_every=_time_option(snapshot_every),
        )
        if batch is not None and batch < 1:
            raise BadInputError(f"--batch must be a positive number of runs, got {batch}")
        ensemble = provenance.ensemble(out, summary, batch, allow_coarse_dt)
        if threads is not None:
            ensemble.options["threads"] = threads
        show_bar = not quiet and console.is_terminal
        unit = ensemble.scenario.model.time_unit
        bar = ProgressBar(ensemble.runs, unit, console) if show_bar else None
        try:
            with _warnings_on_console(), stop_on_signals(terminate=True):
                results = ensemble.run(bar)
        except KeyboardInterrupt:  # a second signal: stop at once
            console.print("interrupted twice: stopped at once")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        finally:
            if bar is not None:
                bar.stop()
    code = exit_code(ensemble.signal) if ensemble.interrupted else 0
    if results is None:
        console.print("interrupted before any time was simulated; nothing saved")
        raise typer.Exit(code or EXIT_INTERRUPTED)
    _report(results, out, summary, quiet, as_json)
    if ensemble.interrupted:
        raise typer.Exit(code)


def _time_option(text: str | None) -> float | str | None:
    """A time option as a value: a number (in the model's time unit) or text with a unit."""
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return text


def _check_suffix(path: Path, kind: str) -> None:
    allowed = (".nc", ".nc4", ".netcdf", ".zarr") if kind == "results" else (".csv", ".parquet")
    if path.suffix.lower() not in allowed:
        raise BadInputError(
            f"--{'out' if kind == 'results' else 'summary'} {str(path)!r}: use "
            + " or ".join(allowed)
        )


def _report(ds: Any, out: Path | None, summary: Path | None, quiet: bool, as_json: bool) -> None:
    from hyosan.results.io import describe

    if quiet and not as_json:
        return  # describing reads every run's counts: not for nothing
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
            styled(
                ("interrupted:", "yellow"),
                f" {info['runs']} of {info['runs_requested']} runs kept, the last simulated "
                f"up to t = {info.get('simulated_until', info['t_end']):g} {info['time_unit']}"
                + (f", saved in {out}" if out else ""),
            )
        )
    elif out is not None:
        stdout.print(f"saved {out}")
    if summary is not None:
        stdout.print(f"saved {summary}")


SUMMARY_LABELS = {
    "peak_infectious": "peak infectious",
    "peak_time": "peak time ({unit})",
    "final_susceptible": "humans left",
    "final_infectious": "infectious at the end",
}


def _print_info(info: dict[str, Any]) -> None:
    """The report of a run: the focus's summaries first (a school's), the context's beside."""
    from rich.table import Table

    unit = info["time_unit"]
    stdout.print(
        styled(
            (str(info["scenario"] or "scenario"), "bold"),
            f": {info['runs']} run(s) of {info['model']}, engine {info['engine']}, "
            f"seed {info['seed']}, t = {info['t_end']:g} {unit}, {info['status']}",
        )
    )
    focus, context = info.get("focus"), info.get("context")
    if focus and context:
        stdout.print(
            f"about the {focus['name']}: {focus['people']:,} people in {focus['regions']} "
            f"region(s); the last column is the {context['name']} around it "
            f"({context['people']:,} people)"
        )
        table = Table(f"{focus['name']}: summary over runs", "median", "10 %", "90 %",
                      f"{context['name']}: median")  # fmt: skip
    else:
        table = Table("summary over runs", "median", "10 %", "90 %")
    beside = context["summaries"] if focus and context else None
    for name, label in SUMMARY_LABELS.items():
        if name in info["summaries"]:
            s = info["summaries"][name]
            row = [label.format(unit=unit), *(f"{s[q]:,.4g}" for q in ("median", "q10", "q90"))]
            if beside is not None:
                row.append(f"{beside[name]['median']:,.4g}" if name in beside else "")
            table.add_row(*row)
    if "extinct" in info["summaries"]:
        row = ["outbreak died out", f"{info['summaries']['extinct']['share']:.0%} of runs", "", ""]
        if beside is not None:
            row.append(f"{beside['extinct']['share']:.0%} of runs" if "extinct" in beside else "")
        table.add_row(*row)
    stdout.print(table)
    for name, share in info.get("characters_still_human", {}).items():
        stdout.print(f"  {name}: still human in {share:.0%} of runs")


# ------------------------------------------------------------------------------------------------
@app.command()
def validate(
    scenario: str = typer.Argument(..., help="a scenario file (.toml, .yaml) or a built-in name"),
    set_: list[str] = typer.Option([], "--set", "-s", help="override a key, as for run"),
    allow_coarse_dt: bool = typer.Option(
        False, "--allow-coarse-dt", help="accept a --dt far above tau's safe step, as run does"
    ),
    quiet: bool = QuietOption,
    as_json: bool = JsonOption,
) -> None:
    """Check a scenario file without running it, with exactly the checks run makes before it
    starts (sizes, numbers, the run's estimated cost); errors name the key at fault."""
    from hyosan.run.provenance import Provenance, Source

    with _errors(as_json):
        source = Source.resolve(scenario)
        loaded, found = Provenance(source, tuple(set_)).check(allow_coarse_dt)
        s, settings = loaded.scenario, loaded.settings
        warned = found.warnings
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
        "warnings": warned,
        "cost": found.cost.as_dict(),
    }
    if s.places.focus is not None:
        import numpy as np

        focus = s.places.focus
        inside = np.isin(np.asarray(s.places.region), focus.regions)
        info["focus"] = {
            "name": focus.name,
            "regions": len(focus.regions),
            "people": int(sum(int(v[inside].sum()) for v in s.places.counts.values())),
            "context": focus.context,
        }
    if as_json:
        print(json.dumps(info))
    elif not quiet:
        people = f"{info['people']:,} people"
        if "focus" in info:
            focus = info["focus"]
            people = (
                f"{focus['people']:,} people in the {focus['name']} (and "
                f"{info['people'] - focus['people']:,} in the {focus['context']} around it)"
            )
        stdout.print(
            styled(
                ("ok", "green"),
                f" {source.label}: {s.name}, model {s.model.name}, "
                f"{info['places']:,} places in {info['regions']} region(s), {people}, "
                f"{len(info['characters'])} character(s), {len(info['interventions'])} "
                f"intervention(s); {settings.runs} run(s) with {settings.engine} to "
                f"t = {settings.t_end:g} {s.model.time_unit}",
            )
        )
        for warning in warned:
            console.print(styled(("warning:", "yellow"), " ", warning), soft_wrap=True)


@app.command()
def scenarios(as_json: bool = JsonOption) -> None:
    """List the built-in scenarios."""
    from hyosan import scenarios as registry

    listing = {name: registry.describe(name) for name in registry.names()}
    if as_json:
        print(json.dumps(listing))
        return
    for name, text in listing.items():
        stdout.print(styled((name, "bold"), f": {text}"))


@app.command()
def schema(
    out: Path | None = typer.Option(None, "--out", "-o", help="write to a file"),
    markdown: bool = typer.Option(
        False, "--markdown", help="a reference to read: every table and key, with what it means"
    ),
    overwrite: bool = OverwriteOption,
) -> None:
    """Print the JSON Schema of scenario files (for editors), or with --markdown a reference."""
    from hyosan.results.writer import atomic_file
    from hyosan.scenarios.files import schema as file_schema
    from hyosan.scenarios.files import schema_markdown

    with _errors(False):
        _check_outputs(overwrite, (out, "--out"))
        text = schema_markdown().rstrip() if markdown else json.dumps(file_schema(), indent=2)
        if out is None:
            print(text)
        else:
            with atomic_file(out, key="--out") as partial:
                partial.write_text(text + "\n", encoding="utf-8")


@app.command()
def info(
    results: Path = typer.Argument(..., help="a results file (.nc or .zarr)"),
    summary: Path | None = typer.Option(None, help="also write the per-run table (.csv/.parquet)"),
    overwrite: bool = OverwriteOption,
    as_json: bool = JsonOption,
) -> None:
    """Describe a results file: scenario, seed, engine, runs, summaries."""
    from hyosan.results.io import describe, load, save_summary

    with _errors(as_json):
        if summary is not None:
            _check_suffix(summary, "summary")
            _check_outputs(overwrite, (summary, "--summary"))
        ds = load(results, lazy=True)
        with _crafted_results(results):
            details = describe(ds)
        if summary is not None:
            save_summary(ds, summary, overwrite=overwrite)
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
    kind: str = typer.Option("curves", help="curves, map, animation, characters or sweep"),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="image (.png, .svg, .pdf; .gif/.mp4)"
    ),
    run_index: int | None = typer.Option(
        None, "--run", help="the run to map, by position (default: a typical run)"
    ),
    at_time: float | None = typer.Option(
        None, "--time", help="snapshot time to map (default: mid-outbreak)"
    ),
    outcome: str | None = typer.Option(
        None, help="sweep: the flag or summary to draw (default: the first flag)"
    ),
    overwrite: bool = OverwriteOption,
    quiet: bool = QuietOption,
    as_json: bool = JsonOption,
) -> None:
    """Plot results: epidemic curves, a map of a snapshot, an animation, characters' fates, or
    a sweep's outcome against its varied keys."""
    from hyosan.results.io import load
    from hyosan.results.writer import atomic_file

    with _errors(as_json):
        if at_time is not None and not math.isfinite(at_time):
            raise BadInputError(f"--time: expected a finite time, got {at_time!r}")
        if kind not in PLOT_KINDS:
            raise BadInputError("--kind: " + suggest(kind, PLOT_KINDS, "plot kind"))
        if out is None:
            suffix = ".gif" if kind == "animation" else ".png"
            out = results.with_name(f"{results.stem}-{kind}{suffix}")
        _check_outputs(overwrite, (out, "--out"))
        with atomic_file(out, key="--out") as partial:
            if kind == "sweep":  # the store is opened lazily: a sweep may not fit in memory
                from hyosan.sweeps.plot import plot_sweep

                plot_sweep(results, partial, outcome)
            else:
                from hyosan import plots

                with _crafted_results(results, malformed=False):
                    plots.plot(load(results), kind, partial, run=run_index, time=at_time)
        written = out
    if as_json:
        print(json.dumps({"ok": True, "kind": kind, "out": str(written)}))
    elif not quiet:
        stdout.print(f"saved {written}")


app.command("sweep")(sweep_command)
app.command("serve")(serve_command)


def main() -> None:  # pragma: no cover - console entry for `python -m hyosan.cli`
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
