"""The command line: ``hyosan run``, with a built-in demo world."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from hyosan.errors import HyosanError

app = typer.Typer(help="hyosan: stochastic spatial outbreak simulator", no_args_is_help=True)
console = Console(stderr=True)


@app.command()
def run(
    scenario: str = typer.Argument(..., help="a built-in scenario name (see `hyosan scenarios`)"),
    runs: int = typer.Option(1, help="number of histories"),
    seed: int | None = typer.Option(None, help="random seed (recorded in the results)"),
    engine: str = typer.Option("tau", help="tau, ssa or ode"),
    t_end: float | None = typer.Option(None, help="end time in the model's unit"),
    dt: float | None = typer.Option(None, help="tau step"),
    out: Path | None = typer.Option(None, help="results file (.nc or .zarr)"),
    quiet: bool = typer.Option(False, help="no progress bar"),
) -> None:
    """Simulate a scenario and print a summary (and save the results with --out)."""
    from hyosan import demos
    from hyosan.io import save
    from hyosan.simulate import simulate

    try:
        built = demos.load(scenario)
        ds = simulate(
            built.scenario,
            t_end or built.t_end,
            engine=engine,
            runs=runs,
            seed=seed,
            dt=dt,
            progress=not quiet,
        )
    except HyosanError as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from None
    final = ds["counts"].isel(time=-1).sum("region")
    console.print(
        f"{scenario}: {runs} run(s), engine {engine}, seed {ds.attrs['seed']}, "
        f"t = {float(ds['time'][-1]):g} {ds.attrs['time_unit']}, {ds.attrs['status']}"
    )
    for comp in final["compartment"].values:
        values = final.sel(compartment=comp).values
        console.print(f"  {comp}: median {float(sorted(values)[len(values) // 2]):,.0f}")
    if out is not None:
        save(ds, out)
        console.print(f"saved {out}")
    if ds.attrs["status"] == "interrupted":
        raise typer.Exit(130)


@app.command()
def scenarios() -> None:
    """List the built-in scenarios."""
    from hyosan import scenarios

    for name in scenarios.names():
        console.print(f"{name}: {scenarios.describe(name)}", soft_wrap=True)


if __name__ == "__main__":
    app()
