"""How a load of 100,000 records is kept from costing time and memory it need not.

**The cyclic garbage collector** is paused while a load builds its objects
(:func:`gc_paused`): each full collection would walk the growing heap again and again.

**The C heap** (glibc) is kept from pinning memory the data no longer uses. A load of
100,000 records frees large blocks (pickled files from the parse processes, the index build's
lists and arrays, SQLite row batches), many of them in worker threads. With glibc's defaults,
each thread gets an arena of its own and the mmap threshold rises after every large free, so
later large blocks come from the heap; the space freed then stays in the process: ~20-40 MB of
a 100k bot's resident memory held nothing. Measured with the memory benchmark (``make
bench``): peak RSS 422 MB -> ~381 MB with these settings. They are no-ops where glibc is not
the C library.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import threading
from collections.abc import Iterator
from typing import Any

_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a load builds 100,000s of objects.

    Each full collection walks every live container; while a load keeps adding them, the
    collector runs again and again over a growing heap (it tripled the parse time at 100k
    records). Loads make no reference cycles, so nothing is lost by waiting; nesting is fine.
    """
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


#: Blocks of at least this many bytes get pages of their own (returned to the OS on free).
MMAP_THRESHOLD = 128 * 1024
#: Arenas the process's threads share.
ARENA_MAX = 2
_M_MMAP_THRESHOLD = -3  # mallopt parameters, from glibc's malloc.h
_M_ARENA_MAX = -8

_libc: Any = None
_tuned = False


def _glibc() -> Any:
    global _libc
    if _libc is None:
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            _libc = libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else False
        except OSError:
            _libc = False
    return _libc


def tune_malloc() -> None:
    """Set the mmap threshold and the arena limit, once, at process start (before threads)."""
    global _tuned
    libc = _glibc()
    if _tuned or not libc:
        return
    _tuned = True
    libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    libc.mallopt(_M_ARENA_MAX, ARENA_MAX)


def trim_heap() -> None:
    """Give the heap's free pages back to the OS (a few ms; ctypes releases the GIL, and
    it is called from worker threads)."""
    libc = _glibc()
    if libc:
        libc.malloc_trim(0)
