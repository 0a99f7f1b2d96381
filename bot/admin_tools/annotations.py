"""Data problems as GitHub Actions workflow commands, so a pull request shows each on its line.

``smartups validate --format github`` prints one ``::error file=…,line=…,col=…,title=…::…``
line per problem (GitHub's "workflow command" syntax): the runner turns each into an
annotation on that line of the changed file. Values are escaped as the runner expects
(``%``, CR and LF everywhere; ``:`` and ``,`` also in properties), or a message with a colon
would be cut short.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.errors import DataProblem


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(problem: DataProblem) -> str:
    """One problem as an ``::error`` command; a whole-file problem (line 0) names no line."""
    props = [f"file={_escape_property(problem.file)}"]
    if problem.line:
        props.append(f"line={problem.line}")
        if problem.column:
            props.append(f"col={problem.column}")
    if problem.field:
        props.append(f"title={_escape_property(problem.field)}")
    message = f"{problem.found}; expected {problem.expected}"
    return f"::error {','.join(props)}::{_escape_data(message)}"


def github_annotations(problems: Iterable[DataProblem]) -> list[str]:
    return [github_annotation(p) for p in problems]
