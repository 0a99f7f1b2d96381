"""What the fake server records (requests, uploads, gateway frames) and injects (faults)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .models import FakeUser


@dataclass
class UploadedFile:
    """One file part of a multipart request (``files[0]`` …)."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class Request:
    """One HTTP request the client made, with the answer the fake gave.

    ``path`` is the API path without the ``/api/v10`` prefix (``/channels/1/messages``);
    ``json`` is the parsed JSON body, or the parsed ``payload_json`` part of a multipart body;
    ``time`` is ``time.monotonic()`` at arrival. ``status``/``response`` are filled in once the
    fake has answered (``wait_for`` only ever returns answered requests).
    """

    method: str
    path: str
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    time: float
    files: list[UploadedFile] = field(default_factory=list)
    body: bytes = b""
    status: int | None = None
    response: Any = None
    injected: bool = False
    route: str | None = None  # matched route template, None when the route is unknown

    @property
    def authorization(self) -> str | None:
        return self.headers.get("Authorization")

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def summary(self) -> str:
        body = "" if self.json is None else json.dumps(self.json, default=str)
        if len(body) > 160:
            body = body[:157] + "..."
        files = f" +{len(self.files)} file(s)" if self.files else ""
        injected = " (injected)" if self.injected else ""
        return f"{self.method} {self.path} -> {self.status}{injected} {body}{files}"

    def __repr__(self) -> str:
        return f"<Request {self.summary()}>"


@dataclass
class GatewayFrame:
    """One gateway message, ``direction`` "recv" (client → fake) or "send" (fake → client)."""

    direction: str
    session_id: str
    payload: dict[str, Any]
    time: float


@dataclass
class Fault:
    method: str | None
    pattern: re.Pattern[str]
    status: int | None
    times: int
    body: Any
    headers: dict[str, str]
    delay: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        if self.times <= 0:
            return False
        if self.method not in (None, "*") and self.method.upper() != method:
            return False
        return self.pattern.search(path) is not None


class ApiError(Exception):
    """Raised by a route handler to answer with a Discord error body."""

    def __init__(self, status: int, code: int, message: str, errors: dict | None = None):
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.body: dict[str, Any] = {"message": message, "code": code}
        if errors:
            self.body["errors"] = errors


def unknown(what: str, code: int) -> ApiError:
    return ApiError(404, code, f"Unknown {what}")


def invalid_form_body(problems: dict[str, tuple[str, str]]) -> ApiError:
    """400/50035 with Discord's nested ``errors`` object built from dotted paths
    (``{"embeds.0.description": ("BASE_TYPE_MAX_LENGTH", "Must be 4096 or fewer in length.")}``)."""
    nested: dict[str, Any] = {}
    for path, (code, message) in problems.items():
        node = nested
        for part in path.split("."):
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": code, "message": message})
    return ApiError(400, 50035, "Invalid Form Body", nested)


DEFAULT_FAULT_BODIES: dict[int, dict[str, Any]] = {
    400: {"message": "400: Bad Request", "code": 0},
    401: {"message": "401: Unauthorized", "code": 0},
    403: {"message": "Missing Permissions", "code": 50013},
    404: {"message": "404: Not Found", "code": 0},
    429: {"message": "You are being rate limited.", "retry_after": 0.05, "global": False},
    500: {"message": "500: Internal Server Error", "code": 0},
    502: {"message": "502: Bad Gateway", "code": 0},
    503: {"message": "503: Service Unavailable", "code": 0},
}


@dataclass
class FakeInteraction:
    """An interaction the fake dispatched. ``acknowledged``/``response_type`` follow the first
    successful callback; ``original_message_id`` is the message that callback created or edits."""

    id: int
    token: str
    type: int
    payload: dict[str, Any]
    dispatched_at: float
    guild_id: int | None
    channel_id: int
    user: FakeUser
    command_name: str | None = None
    acknowledged: bool = False
    response_type: int | None = None
    response_data: dict[str, Any] | None = None
    responded_at: float | None = None
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)

    def __int__(self) -> int:
        return self.id
