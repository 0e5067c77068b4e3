"""Results as a labelled ``xarray.Dataset``: counts by run, time, region and compartment.

The recorder aggregates species (stages, character copies) into the reported compartments and
places into regions at every record time; summaries are derived from those records, so they are
as fine as ``record_every``. Saved files carry the scenario, seed, engine and version.
"""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np
import xarray as xr

from hyosan.errors import HyosanError
from hyosan.network.compiled import CompiledNetwork
from hyosan.network.labels import NetworkLabels
from hyosan.places.focus import Focus
from hyosan.results.focus import attach_focus, focus_mask


@nb.njit(cache=True, parallel=False)
def aggregate(
    state: np.ndarray,
    region_index: np.ndarray,
    reported_index: np.ndarray,
    n_regions: int,
    n_reported: int,
) -> np.ndarray:
    """Sum (runs, places, species) into (runs, regions, reported compartments)."""
    runs, places, species = state.shape
    out = np.zeros((runs, n_regions, n_reported), np.float64)
    for run in range(runs):
        for i in range(places):
            g = region_index[i]
            for s in range(species):
                out[run, g, reported_index[s]] += state[run, i, s]
    return out


class Recorder:
    """Keeps what the engines produced at each record time; nothing is lost on interruption."""

    def __init__(
        self,
        net: CompiledNetwork,
        runs: int,
        characters: list[str],
        snapshot_times: np.ndarray | None = None,
    ) -> None:
        self.net = net
        self.runs = runs
        self.labels = _labels_of(net)
        self.reported: list[str] = self.labels.reported
        self.regions: list[str] = self.labels.regions
        self.characters = characters
        self.times: list[float] = []
        self.counts: list[np.ndarray] = []
        self.character_state: list[np.ndarray] = []
        self.character_place: list[np.ndarray] = []
        self.snapshot_times = np.asarray([] if snapshot_times is None else snapshot_times, float)
        self.snapshots: list[np.ndarray] = []
        self.snapshot_taken: list[float] = []
        self._character_species = [
            self.labels.species_of_character(k) for k in range(len(characters))
        ]

    def record(self, t: float, state: np.ndarray) -> None:
        """Aggregate and keep the state at time t."""
        labels = self.labels
        self.times.append(float(t))
        self.counts.append(
            aggregate(
                state,
                labels.region_index,
                labels.reported_index,
                len(self.regions),
                len(self.reported),
            )
        )
        if self.characters:
            states = np.full((self.runs, len(self.characters)), "", dtype=object)
            places = np.full((self.runs, len(self.characters)), -1, np.int64)
            for k, species in enumerate(self._character_species):
                sub = state[:, :, species]  # (runs, places, copies): one person, or a probability
                by_copy = sub.sum(axis=1)
                for run in range(self.runs):
                    s = int(np.argmax(by_copy[run]))
                    if by_copy[run, s] > 0:
                        states[run, k] = self.reported[labels.reported_index[species[s]]]
                        places[run, k] = int(np.argmax(sub[run, :, s]))
                    else:
                        states[run, k] = "gone"
            self.character_state.append(states)
            self.character_place.append(places)
        if np.any(np.isclose(self.snapshot_times, t)):
            per_place = np.zeros((self.runs, state.shape[1], len(self.reported)))
            for s, rep in enumerate(labels.reported_index):
                per_place[:, :, rep] += state[:, :, s]
            self.snapshots.append(per_place)
            self.snapshot_taken.append(float(t))

    def dataset(
        self,
        model_roles: dict[str, list[str]],
        place_names: list[str],
        integer: bool,
        attrs: dict[str, Any],
        counters: dict[str, np.ndarray],
        focus: Focus | None = None,
    ) -> xr.Dataset:
        """The Dataset of everything recorded so far, with per-run summaries of the ``focus``'s
        regions (all regions without one)."""
        dtype = np.int64 if integer else np.float64
        if self.counts:
            counts = np.stack(self.counts, axis=1)
        else:
            counts = np.zeros((self.runs, 0, len(self.regions), len(self.reported)))
        counts = counts.astype(dtype) if integer else counts
        coords = {
            "run": np.arange(self.runs),
            "time": np.asarray(self.times, np.float64),
            "region": self.regions,
            "compartment": self.reported,
        }
        ds = xr.Dataset(
            {"counts": (("run", "time", "region", "compartment"), counts)}, coords=coords
        )
        ds.attrs.update(attrs)
        ds["time"].attrs["units"] = attrs.get("time_unit", "")
        ds["counts"].attrs["long_name"] = "people by run, time, region and compartment"
        ds = attach_focus(ds, focus)
        totals = counts[:, :, focus_mask(ds)].sum(axis=2)  # (run, time, compartment)
        add_summaries(ds, totals, model_roles, self.reported)
        for name, values in counters.items():
            ds[name] = ("run", np.asarray(values))
        if self.characters:
            ds = ds.assign_coords(character=self.characters)
            states = np.stack(self.character_state, axis=1).astype(str)
            ds["character_state"] = (("run", "time", "character"), states)
            places = np.stack(self.character_place, axis=1)
            ds["character_place"] = (("run", "time", "character"), places)
            ds["character_place"].attrs["places"] = "index into attrs['place_names']"
            add_character_fates(ds)
        if self.snapshots:
            ds = ds.assign_coords(snapshot_time=np.asarray(self.snapshot_taken), place=place_names)
            snaps = np.stack(self.snapshots, axis=1)
            ds["snapshots"] = (
                ("run", "snapshot_time", "place", "compartment"),
                snaps.astype(dtype) if integer else snaps,
            )
        ds.attrs.update(attrs)
        return ds


def add_summaries(
    ds: xr.Dataset, totals: np.ndarray, roles: dict[str, list[str]], reported: list[str]
) -> None:
    """Peak of the infectious compartments and its time, final susceptible, extinction flag,
    from ``totals`` (run, time, compartment): the focus's regions (see ``dataset``)."""
    for name, values in summarize(totals, ds["time"].values, roles, reported).items():
        ds[name] = ("run", values)
    ds.attrs["infectious"] = ",".join(roles["infectious"])
    ds.attrs["susceptible"] = ",".join(roles["susceptible"])
    ds.attrs["latent"] = ",".join(roles.get("latent", []))


def summarize(
    totals: np.ndarray, times: np.ndarray, roles: dict[str, list[str]], reported: list[str]
) -> dict[str, np.ndarray]:
    """Per-run summaries of ``totals`` (run, time, compartment), counts summed over some regions:
    peak_infectious, peak_time, final_susceptible, final_infectious, extinct (none without
    times)."""

    def total_of(names: list[str]) -> np.ndarray:
        idx = [reported.index(n) for n in dict.fromkeys(names) if n in reported]
        return totals[:, :, idx].sum(axis=2) if idx else np.zeros(totals.shape[:2])

    if not totals.shape[1]:
        return {}
    infectious = total_of(roles["infectious"])
    latent = total_of(roles.get("latent", []))
    susceptible = total_of(roles["susceptible"])
    return {
        "peak_infectious": infectious.max(axis=1),
        "peak_time": np.asarray(times)[infectious.argmax(axis=1)],
        "final_susceptible": susceptible[:, -1],
        "final_infectious": infectious[:, -1],
        "extinct": (infectious[:, -1] + latent[:, -1]) <= 0,
    }


def add_character_fates(ds: xr.Dataset) -> None:
    """Each character's state at the end and the time they left their first state."""
    states = ds["character_state"].values  # (run, time, character)
    final = states[:, -1, :]
    ds["character_fate"] = (("run", "character"), final)
    changed = states != states[:, :1, :]
    any_change = changed.any(axis=1)
    first = np.where(any_change, changed.argmax(axis=1), -1)
    times = ds["time"].values
    ds["character_fate_time"] = (
        ("run", "character"),
        np.where(first >= 0, times[np.maximum(first, 0)], np.nan),
    )
    ds["character_still_human"] = (
        "character",
        (final == ds.attrs.get("human", "S")).mean(axis=0)
        if final.size
        else np.zeros(final.shape[1]),
    )


def _labels_of(net: CompiledNetwork) -> NetworkLabels:
    if net.labels is None:
        raise HyosanError("recording needs a network with labels: build it with build_network")
    return net.labels
