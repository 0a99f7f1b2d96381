"""How often threads take turns with the GIL while a reload or a restart works in threads.

A cold load at 100,000 records runs the index build, the SQLite rows' building and SQLite
itself in three threads beside the event loop. CPython hands the GIL over every switch
interval (5 ms by default) to one of the threads waiting for it, so the loop, waiting among
three others, was often served only after several intervals: stalls of 50-90 ms, and the
SQLite thread waited the same way between its statements. At 2 ms, in the bench's core task at
real-shape 100,000 (four runs each, alternated): the loop's worst stall during a cold load
34-56 ms against 52-89 ms, the cold load 13.1-17.3 s against 16.0-22.0 s.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: The switch interval while heavy work runs in threads (seconds).
BUSY_INTERVAL = 0.002

_lock = threading.Lock()
_depth = 0
_saved = 0.0


@contextmanager
def shared_finely() -> Iterator[None]:
    """Hand the GIL over every BUSY_INTERVAL inside; the interval as it was once the last of
    overlapping uses ends (two stores of one process may reload at once)."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = sys.getswitchinterval()
            sys.setswitchinterval(min(_saved, BUSY_INTERVAL))
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                sys.setswitchinterval(_saved)
