"""The one-file edit the reload and validate benchmarks make (and put back)."""

from __future__ import annotations

from pathlib import Path


def append_to_field(path: Path, field: str, extra: str) -> bytes:
    """Append ``extra`` to the first ``  field:`` line of ``path`` (a record's field in a
    section list, plain or quoted); return the original bytes to put back."""
    original = path.read_bytes()
    lines = original.decode("utf-8").split("\n")
    for i, line in enumerate(lines):
        if line.startswith(f"  {field}: "):
            quote = line[-1] if line[-1] in "\"'" and len(line) > len(field) + 5 else ""
            lines[i] = line[:-1] + extra + quote if quote else line + extra
            break
    else:
        raise ValueError(f"no '  {field}:' line in {path}")
    path.write_bytes("\n".join(lines).encode("utf-8"))
    return original
