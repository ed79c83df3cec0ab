"""Work-arounds for bugs of the PySide6 release in use, each with the test that shows it.

**None loses a reference on every invalid QVariant** (PySide6 6.12.0 with Python 3.11): whenever Qt hands
Python an invalid ``QVariant`` — ``index.data(role)`` for a role the model answers with ``None``, the base
``headerData``, the view asking the model for decoration/font/colour roles while painting — shiboken returns
``Py_None`` without taking a reference, and the caller's later release takes one that was never given. Each
paint of the tree costs hundreds of them; ``sys.getrefcount(None)`` falls by one per call (measured in
``tests/test_exit_cycles.py``). After a long session None's count reaches zero and CPython aborts with
``Fatal Python error: none_dealloc`` — usually at exit, when the last references are released (issue 15,
point 7; ``bench/bench_tree.py`` showed it too).

No Python code can stop shiboken from dropping the reference. What keeps the process alive is giving None so
many references that the lost ones never reach zero: ``guard_none_refcount()`` adds 2⁴⁰ to None's count once
(None is never freed anyway; Python 3.12 makes it immortal for this very reason, so nothing happens there).
"""

from __future__ import annotations

import sys

# Far more than a session can lose (a billion lost references a day for three thousand years).
NONE_BALLAST = 2**40


def guard_none_refcount() -> bool:
    """Give None enough references to survive PySide's lost ones; True when it was (or already is) done."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return True  # None is immortal
    import ctypes

    count = ctypes.c_ssize_t.from_address(id(None))
    if count.value < NONE_BALLAST // 2:
        count.value += NONE_BALLAST
    return count.value >= NONE_BALLAST // 2


__all__ = ["NONE_BALLAST", "guard_none_refcount"]
