"""Members grow the knowledge: suggestions, the review queue that writes the YAML, and gaps.

- :mod:`.fields` says which fields of which kind a member may suggest and checks a value
  against the pydantic model before anything is stored;
- :mod:`.storage` keeps the queue (and its audit events) in the bot's SQLite database;
- :mod:`.yaml_writer` changes one field of one record in its data file and nothing else;
- :mod:`.service` ties them together: suggest, accept (write, validate, reload), reject.

Nothing here imports discord.py: the cogs and the command line call the same service.
"""

from bot.suggestions.errors import (
    AcceptConflict,
    AcceptNotWritable,
    AcceptRejectedByData,
    SuggestionInvalid,
    SuggestionLimit,
    SuggestionNotFound,
    SuggestionNotPending,
)
from bot.suggestions.fields import NEW_RECORD, allowed_fields, check_suggestion
from bot.suggestions.models import Suggestion

__all__ = [
    "NEW_RECORD",
    "AcceptConflict",
    "AcceptNotWritable",
    "AcceptRejectedByData",
    "Suggestion",
    "SuggestionInvalid",
    "SuggestionLimit",
    "SuggestionNotFound",
    "SuggestionNotPending",
    "allowed_fields",
    "check_suggestion",
]
