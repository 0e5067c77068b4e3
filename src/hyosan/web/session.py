"""One browser's simulation: its set-up, its live run, its timeline and what it can download.

Every method here is blocking (it builds worlds and runs kernels): the app calls them in a worker
thread, one at a time per session, so the event loop never waits on them.
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from hyosan.errors import HyosanError
from hyosan.scenarios.files.writing import to_toml
from hyosan.web import actions, frames, worlds
from hyosan.web.live import LiveRun


class Session:
    """A page's run: set up (world, sliders, clicked place), then stepped frame by frame."""

    def __init__(self, world: str = "seoul", seed: int = 1) -> None:
        self.world_key = worlds.world(world).key
        self.seed = int(seed)
        self.document = worlds.base_document(self.world_key, self.seed)
        self.page_items: list[dict[str, Any]] = []
        self.timeline: list[dict[str, Any]] = []
        self.run: LiveRun | None = None
        self.history: list[np.ndarray] = []  # totals per frame (the curves)
        self.times: list[float] = []

    # ------------------------------------------------------------------------------------------
    def setup(
        self,
        world: str,
        seed: int,
        parameters: dict[str, Any] | None = None,
        place: int | str | None = None,
    ) -> dict[str, Any]:
        """A new run of ``world``: sliders' values, a zombie at ``place`` (index or name) or the
        world's own first cases. Returns what the page shows before the first frame."""
        key = worlds.world(world).key
        if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**63:
            raise HyosanError(f"expected a whole number >= 0, got {seed!r}", key="seed")
        base = worlds.loaded(key).scenario
        name = None
        if place is not None:
            if isinstance(place, bool) or not isinstance(place, (int, str)):
                raise HyosanError(f"expected a place index or name, got {place!r}", key="place")
            if isinstance(place, int):
                if not 0 <= place < base.places.n_places:
                    raise HyosanError(f"no place {place}", key="place")
                name = str(base.places.names[place])
            else:
                name = str(base.places.names[base.places.index(place)])
        self.world_key, self.seed = key, int(seed)
        self.document = worlds.with_setup(key, self.seed, parameters, name)
        self.page_items, self.timeline = [], []
        return self.restart()

    def restart(self) -> dict[str, Any]:
        """Back to time 0 with the same set-up (the page's reset)."""
        from hyosan.scenarios.files import build

        self.page_items, self.timeline = [], []
        loaded = build(self.document, where="set-up")
        self.run = LiveRun(loaded.scenario, loaded.settings, self.seed)
        model = loaded.scenario.model
        self.compartments = list(self.run.net.labels.reported)
        turned = [model.reported_of(c) for c in model.infectious]
        self.turned_index = [self.compartments.index(c) for c in turned if c in self.compartments]
        self.history, self.times = [], []
        self._note_frame()
        return self.describe()

    def describe(self) -> dict[str, Any]:
        run = self.live()
        return {
            "type": "ready",
            "world": self.world_key,
            "seed": self.seed,
            "compartments": self.compartments,
            "time_unit": run.scenario.model.time_unit,
            "t_end": run.t_end,
            "frame_every": worlds.world(self.world_key).frame_every,
            "actions": actions.available(run.scenario, worlds.extra(self.world_key)),
            "timeline": self.timeline,
        }

    def live(self) -> LiveRun:
        if self.run is None:
            raise HyosanError("nothing set up yet: send a 'setup' message first", key="type")
        return self.run

    # ------------------------------------------------------------------------------------------
    def _note_frame(self) -> None:
        run = self.live()
        self.place = run.place_counts()
        self.history.append(self.place.sum(axis=0).astype(np.float64))
        self.times.append(run.t)

    def frame(self, pane: int = 0) -> bytes:
        """The current frame as a binary message."""
        run = self.live()
        turned = self.place[:, self.turned_index].sum(axis=1)
        return frames.encode(
            run.frame, run.t, self.history[-1], frames.shade(turned, self.place.sum(axis=1)), pane
        )

    def step(self) -> bytes | None:
        """Advance one frame; None when the run has reached its end."""
        run = self.live()
        if not run.advance_frame():
            return None
        self._note_frame()
        return self.frame()

    def act(self, action: str, region: str | None = None) -> dict[str, Any]:
        """A story button at the current time: recorded, and in effect from now on."""
        run = self.live()
        tables = actions.interventions_for(
            action, run.scenario, worlds.extra(self.world_key), run.t, region
        )
        items = actions.build_items(self.document, tables, run.scenario.model)
        run.add_interventions(items)
        self.page_items.extend(tables)
        zoned = action in actions.ZONED
        event = {
            "t": run.t,
            "action": action,
            "label": actions.ACTIONS[action],
            "region": region if zoned else None,
        }
        self.timeline.append(event)
        # a bomb or an evacuation changes the counts at once; results record this time after
        # what happens at it, so the page's point at this time is replaced too
        self.place = run.place_counts()
        self.history[-1] = self.place.sum(axis=0).astype(np.float64)
        return {"type": "timeline", "event": event, "timeline": self.timeline}

    def place_info(self, place: int) -> dict[str, Any]:
        """The hover's answer: a place's name, region and counts now."""
        run = self.live()
        if isinstance(place, bool) or not isinstance(place, int):
            raise HyosanError(f"expected a place index, got {place!r}", key="place")
        if not 0 <= place < run.net.n_places:
            raise HyosanError(f"no place {place}", key="place")
        places = run.scenario.places
        counts = dict(zip(self.compartments, self.place[place].tolist(), strict=True))
        return {
            "type": "place",
            "place": place,
            "name": str(places.names[place]),
            "region": str(places.region[place]),
            "counts": counts,
        }

    # ------------------------------------------------------------------------------------------
    def export_document(self) -> dict[str, Any]:
        """The scenario file of what the page shows: set-up, buttons pressed, seed, end time."""
        run = self.live()
        doc = copy.deepcopy(self.document)
        if self.page_items:
            doc["interventions"] = copy.deepcopy(self.page_items)
        if run.t > 0:
            doc["run"]["t_end"] = float(run.t)
        return doc

    def export_toml(self) -> str:
        """The download: ``hyosan run`` on it reproduces this page's history."""
        run = self.live()
        header = (
            f"hyosan web page, world {self.world_key!r}: up to t = {run.t:g} "
            f"{run.scenario.model.time_unit}s, seed {self.seed}.\n"
            "Reproduce this page's history, count for count:\n"
            "  hyosan run this-file.toml --out page.nc"
        )
        if self.timeline:
            header += "\nButtons pressed on the page (the [[interventions]] below):"
            for event in self.timeline:
                where = f" ({event['region']})" if event["region"] else ""
                header += f"\n  t = {event['t']:g}: {event['label']}{where}"
        return to_toml(self.export_document(), header)

    def export_netcdf(self) -> bytes:
        """The results of the page's history as NetCDF (simulated again from the download)."""
        from hyosan import save, simulate
        from hyosan.scenarios.files import build

        loaded = build(self.export_document(), where="download")
        ds = simulate(loaded.scenario, runs=1, seed=self.seed, **loaded.settings.simulate_kwargs())
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "page.nc"
            save(ds, path)
            return path.read_bytes()

    def curves(self) -> dict[str, Any]:
        """Every frame's totals so far (a page that reconnects redraws its curves)."""
        return {"type": "curves", "times": self.times, "totals": [h.tolist() for h in self.history]}
