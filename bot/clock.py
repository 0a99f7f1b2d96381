"""The current time, from one place: aware UTC datetimes only.

Whatever needs "now" takes a :data:`Clock` (``utcnow`` by default), so tests inject a fake
clock instead of sleeping or patching ``datetime``; a naive ``datetime.utcnow()`` never enters
the code base.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

#: A function that returns the current time as an aware UTC datetime.
Clock = Callable[[], dt.datetime]


def utcnow() -> dt.datetime:
    """Now, as an aware UTC datetime: the default :data:`Clock`."""
    return dt.datetime.now(dt.UTC)
