"""Ending a one-shot command without taking its data apart first.

A one-shot ``smartups search``/``show``/``ask`` at 100,000 records holds a snapshot of some
million objects. Left to themselves they are freed one by one as the command's frames end and
again at interpreter shutdown: ~0.5 s of a ~2.8 s command, spent after the answer was printed,
for memory the operating system takes back at once when the process ends.

So the console entry point runs the command line through :func:`run`, which lets the commands
that only answer :func:`arm` this module; such a command hands what it read to :func:`keep`,
and once it returns, :func:`finish` flushes
what was written (standard streams, logging), waits for the threads a normal exit waits for
(bounded), and ends the process with ``os._exit``. Called in-process (``cli.main`` in tests),
nothing is armed and nothing is kept.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import NoReturn

#: Seconds :func:`finish` waits for non-daemon threads (a normal exit would wait for them
#: forever); past that it leaves through ``sys.exit`` so nothing is cut short.
THREAD_WAIT_S = 30.0

_allowed = False
_armed = False
_kept: list[object] = []


def arm() -> None:
    """This process ends through :func:`finish`: what :func:`keep` is given stays alive.
    Only under :func:`run` (the console entry point); elsewhere it does nothing."""
    global _armed
    _armed = _allowed


def armed() -> bool:
    return _armed


def keep(obj: object) -> None:
    """Keep ``obj`` alive until the process ends (only when armed: in-process callers such
    as the tests free it as usual)."""
    if _armed:
        _kept.append(obj)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        # A closed pipe or stream: nothing more can be written.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    logging.shutdown()


def _others_done(deadline: float) -> bool:
    """Wait (until ``deadline``) for the non-daemon threads an interpreter exit joins."""
    for thread in threading.enumerate():
        if thread is threading.current_thread() or thread.daemon:
            continue
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            return False
    return True


def finish(code: int, *, exit_now: Callable[[int], object] = os._exit) -> NoReturn:
    """End the process with ``code`` after flushing output and joining worker threads,
    without freeing every object first. ``exit_now`` is for tests."""
    _flush()
    if _others_done(time.monotonic() + THREAD_WAIT_S):
        exit_now(code)
    sys.exit(code)  # a thread still runs: the normal exit, which waits for it


def run(main: Callable[[], int]) -> NoReturn:
    """The console entry point's way to run ``main()``: through :func:`finish` when the
    command armed this module, else the normal exit."""
    global _allowed
    _allowed = True
    code = main()
    if _armed:
        finish(code)
    sys.exit(code)
