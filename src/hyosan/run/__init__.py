"""Running a scenario: ``simulate``, ensembles in batches, provenance and re-runs, progress."""

from hyosan.run.ensemble import Ensemble, default_batch, run_ensemble
from hyosan.run.options import RunOptions, resolve_options
from hyosan.run.progress import Progress, ProgressBar
from hyosan.run.provenance import Provenance, Source, rerun, run_source
from hyosan.run.simulate import simulate

__all__ = [
    "Ensemble", "Progress", "ProgressBar", "Provenance", "RunOptions", "Source", "default_batch",
    "rerun", "resolve_options", "run_ensemble", "run_source", "simulate",
]  # fmt: skip
