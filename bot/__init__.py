"""SmartUps bot: answers about Hong Kong and Taipei smart cities, on Discord and the terminal."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("smartups-bot")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+source"
