"""The prefetch hint: compiled into a real prefetch instruction, harmless at any index."""

import numba as nb
import numpy as np

from hyosan.engines._prefetch import prefetch


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
