"""Folding Traditional and Simplified Chinese onto one form for matching.

Members write 台北 or 臺北, 科技园 or 科技園; records hold one spelling. Every search key and
query is
folded to Simplified with OpenCC (a maintained converter with the real character and phrase
tables), so both scripts land on the same key. Display text is never changed.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import opencc

_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@cache
def _converter(config: str) -> opencc.OpenCC:
    """An OpenCC converter, made at its first use: loading one reads its tables (~50 ms), which
    a command that meets no Chinese text should not pay at start."""
    import opencc

    return opencc.OpenCC(config)


def fold_script(text: str) -> str:
    """Return ``text`` with every Traditional Chinese character in its Simplified form."""
    if not _HAN_RE.search(text):
        return text
    return _converter("t2s").convert(text)


#: Traditional -> Simplified, for showing replies to zh-CN readers (the same conversion).
to_simplified = fold_script


@lru_cache(maxsize=4096)
def to_traditional(text: str) -> str:
    """Simplified -> Traditional (Taiwan usage), for showing replies to zh-TW readers."""
    if not _HAN_RE.search(text):
        return text
    return _converter("s2twp").convert(text)
