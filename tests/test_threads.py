"""The kernels' thread count: asked for (threads=, --threads, HYOSAN_THREADS) or chosen for the
work and the load; histories never depend on it."""

from __future__ import annotations

import numba
import numpy as np
import pytest
from typer.testing import CliRunner

from hyosan import simulate
from hyosan.cli import app
from hyosan.errors import HyosanError
from hyosan.run import threads as policy
from hyosan.scenarios.lattice import szr_lattice


def test_asked_for_by_argument_or_environment(monkeypatch):
    monkeypatch.delenv(policy.ENV, raising=False)
    assert policy.requested_threads(None) is None
    assert policy.requested_threads("auto") is None
    assert policy.requested_threads(3) == 3
    monkeypatch.setenv(policy.ENV, "2")
    assert policy.requested_threads(None) == 2
    assert policy.requested_threads(1) == 1  # the argument wins
    for bad, key in ((0, "threads"), ("two", "threads"), (1.5, "threads")):
        with pytest.raises(HyosanError, match="positive integer") as error:
            policy.requested_threads(bad)
        assert error.value.key == key
    monkeypatch.setenv(policy.ENV, "-1")
    with pytest.raises(HyosanError, match=policy.ENV):
        policy.requested_threads(None)


def test_default_is_one_thread_for_small_work_and_never_more_than_free_cores(monkeypatch):
    monkeypatch.delenv(policy.ENV, raising=False)
    assert policy.choose_threads(None, policy.WORK_PER_THREAD - 1) == 1
    pool = numba.config.NUMBA_NUM_THREADS
    assert policy.choose_threads(10_000, 1) == pool  # asked for: capped at numba's pool
    monkeypatch.setattr(policy, "available_cores", lambda: 2)
    monkeypatch.setattr(policy, "busy_cores", lambda samples=5: 1)
    assert policy.choose_threads(None, 10**6) == 1  # one of two cores busy
    monkeypatch.setattr(policy, "busy_cores", lambda samples=5: 0)
    assert policy.choose_threads(None, 10**6) == min(2, pool)
    assert policy.busy_cores() >= 0


def test_histories_do_not_depend_on_threads():
    scenario = szr_lattice(30)
    one = simulate(scenario, engine="tau", dt=0.1, t_end=20, runs=2, seed=4, threads=1)
    two = simulate(scenario, engine="tau", dt=0.1, t_end=20, runs=2, seed=4, threads=2)
    assert one.attrs["threads"] == 1 and two.attrs["threads"] == min(
        2, numba.config.NUMBA_NUM_THREADS
    )
    assert np.array_equal(one["counts"].values, two["counts"].values)


def test_cli_threads_option_is_checked_before_the_run():
    result = CliRunner().invoke(app, ["run", "szr-lattice", "--threads", "0", "-q"])
    assert result.exit_code == 2 and "threads" in result.stderr
