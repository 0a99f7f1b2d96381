"""SmartUps bot: answers about Hong Kong and Taipei smart cities, on Discord and the terminal.

The version is read from the installed package's metadata only when something asks for it
(``bot.version()`` or ``bot.__version__``): importing importlib.metadata cost ~60 ms of every
one-shot command, and only ``--version``, the about card and the validate cache need it.
"""

from __future__ import annotations

import functools


@functools.cache
def version() -> str:
    """The installed package's version; a source tree that was not installed says so."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed_version

    try:
        return installed_version("smartups-bot")
    except PackageNotFoundError:  # running from a source tree that was not installed
        return "0.0.0+source"


def __getattr__(name: str) -> str:
    """``bot.__version__``, computed on first access (PEP 562) rather than at import."""
    if name == "__version__":
        return version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
