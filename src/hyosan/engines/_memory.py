"""Two memory operations numba does not offer: a prefetch hint and an atomic counter.

``prefetch`` asks the processor to start loading an array element into cache
(``llvm.prefetch``). A visit to a place reads a dozen rows scattered over arrays of megabytes
(counts, links, flags), and one visit is too long for the processor to run ahead into the next
on its own: asking for the next places' rows while the current one is handled overlaps those
waits. A prefetch never faults, whatever the index, and changes no result.

``fetch_add`` adds to an integer atomically and returns what it held: threads take blocks of
places from one counter, so the work balances itself without a task per block (handing each
task its ~60 arrays costs a microsecond).
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

_INTRINSIC = "llvm.prefetch"
"""Declared without its pointer-type suffix (``.p0i8`` before LLVM's opaque pointers, ``.p0``
after): LLVM's parser renames it to the one its version expects."""


@intrinsic
def prefetch(typingctx, array, index):
    """Start loading ``array[index]`` (for an array of two or more dimensions, the start of
    row ``index``) into every cache level, for reading."""
    if not isinstance(array, types.Array) or not isinstance(index, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        array_type, index_type = signature.args
        view = context.make_array(array_type)(context, builder, args[0])
        first = context.cast(builder, args[1], index_type, types.intp)
        zero = context.get_constant(types.intp, 0)
        pointer = cgutils.get_item_pointer(
            context, builder, array_type, view, [first] + [zero] * (array_type.ndim - 1),
            wraparound=False, boundscheck=False,
        )  # fmt: skip
        byte_pointer = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        signature_ir = ir.FunctionType(ir.VoidType(), [byte_pointer, i32, i32, i32])
        function = cgutils.get_or_insert_function(builder.module, signature_ir, _INTRINSIC)
        # read (0), keep in all levels (3), data cache (1)
        builder.call(function, [builder.bitcast(pointer, byte_pointer), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(array, index), codegen


@intrinsic
def fetch_add(typingctx, array, index, value):
    """Add ``value`` to the int64 ``array[index]`` atomically; return its value before."""
    if not (
        isinstance(array, types.Array)
        and array.ndim == 1
        and array.dtype == types.int64
        and isinstance(index, types.Integer)
        and isinstance(value, types.Integer)
    ):
        return None

    def codegen(context, builder, signature, args):
        array_type, index_type, value_type = signature.args
        view = context.make_array(array_type)(context, builder, args[0])
        first = context.cast(builder, args[1], index_type, types.intp)
        pointer = cgutils.get_item_pointer(
            context, builder, array_type, view, [first], wraparound=False, boundscheck=False
        )
        amount = context.cast(builder, args[2], value_type, types.int64)
        return builder.atomic_rmw("add", pointer, amount, "monotonic")

    return types.int64(array, index, value), codegen
