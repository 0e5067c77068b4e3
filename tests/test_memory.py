"""The kernels' memory operations: a prefetch hint (emitted, harmless at any index) and an
atomic counter (no increment lost between threads)."""

import numba as nb
import numpy as np

from hyosan.engines._memory import fetch_add, prefetch


@nb.njit
def _sum_with_hints(flat, rows, cube, far):
    total = 0.0
    for i in range(flat.shape[0]):
        prefetch(flat, i + far)  # past the end: a prefetch never faults
        prefetch(rows, np.int32(i % rows.shape[0]))
        prefetch(cube, i % cube.shape[0])
        total += flat[i]
    return total


def test_a_prefetch_changes_nothing_and_is_emitted():
    flat = np.arange(1000, dtype=np.float64)
    rows = np.ones((7, 3), np.int32)
    cube = np.ones((2, 3, 4), np.uint8)
    assert _sum_with_hints(flat, rows, cube, 10**9) == flat.sum()
    (signature,) = _sum_with_hints.signatures
    assert "prefetch" in _sum_with_hints.inspect_asm(signature)


@nb.njit(parallel=True)
def _count_in_parallel(counter, n_tasks, per_task):
    olds = np.zeros(n_tasks * per_task, np.int64)
    for task in nb.prange(n_tasks):
        for k in range(per_task):
            olds[task * per_task + k] = fetch_add(counter, 1, 3)
    return olds


def test_fetch_add_loses_no_increment_between_threads():
    counter = np.zeros(2, np.int64)
    olds = _count_in_parallel(counter, 8, 10_000)
    assert counter[1] == 3 * 80_000 and counter[0] == 0
    # every value it held was handed to exactly one taker
    np.testing.assert_array_equal(np.sort(olds), 3 * np.arange(80_000))
