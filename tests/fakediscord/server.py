# ruff: noqa: ASYNC109  (``timeout=`` parameters are this test API's documented contract)
"""FakeDiscord: an aiohttp server on 127.0.0.1 speaking enough of Discord's HTTP API (v10) and
gateway for the real discord.py client to log in, connect, sync commands and answer interactions.

See ``tests/fakediscord/__init__.py`` for the overview and the API summary.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import re
import time
import traceback
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

from aiohttp import hdrs, web

from . import validation
from .gateway import (
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_MESSAGES,
    OP_INVALID_SESSION,
    OP_RECONNECT,
    GatewaySession,
)
from .interactions import InteractionsMixin
from .models import (
    DEFAULT_BOT_ROLE,
    DEFAULT_EVERYONE,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeUser,
    Overwrite,
    P,
    Snowflakes,
    iso_now,
    snowflake_time_iso,
)
from .records import (
    DEFAULT_FAULT_BODIES,
    ApiError,
    FakeInteraction,
    Fault,
    GatewayFrame,
    Request,
    UploadedFile,
    unknown,
)

log = logging.getLogger("fakediscord")

DEFAULT_TOKEN = "FAKE.bot-token.x9QwErTy-0123456789abcdef"

RequestPredicate = Callable[[Request], bool]
Handler = Callable[..., Awaitable[tuple[int, Any]]]

_PARAM_PATTERNS = {
    "token": r"[^/]+",
    "message": r"@original|\d+",
    "emoji": r"[^/]+",
}


@dataclass
class _Route:
    method: str
    template: str
    regex: re.Pattern[str]
    handler: Handler
    auth: bool
    bucket: str


class FakeDiscord(InteractionsMixin):
    """A fake Discord (HTTP API + gateway) on 127.0.0.1. Use as ``async with FakeDiscord() as
    fake:`` (starts, patches discord.py, stops) or call ``start()``/``patch_discord()``/``stop()``.
    """

    API_VERSION = 10

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        application_id: int | None = None,
        application_name: str = "SmartUps",
        bot_username: str = "SmartUps",
        default_world: bool = True,
        heartbeat_interval: int = 45_000,
        interaction_deadline: float | None = 3.0,
        validate: bool = True,
        enforce_permissions: bool = True,
        shards: int = 1,
    ) -> None:
        self.ids = Snowflakes()
        self.token = token
        self.application_id = application_id or self.ids.next()
        self.application_name = application_name
        self.application_flags = 0
        self.bot_user = FakeUser(id=self.application_id, username=bot_username, bot=True)
        self.heartbeat_interval = heartbeat_interval
        self.interaction_deadline = interaction_deadline
        self.validate = validate
        self.enforce_permissions = enforce_permissions
        #: The shard count GET /gateway/bot recommends (a bot that does not choose its own).
        self.recommended_shards = shards

        self.users: dict[int, FakeUser] = {self.bot_user.id: self.bot_user}
        self.guilds: dict[int, FakeGuild] = {}
        self.dm_channels: dict[int, FakeChannel] = {}
        # scope (guild id or None for global) -> {(type, name): command}
        self.commands: dict[int | None, dict[tuple[int, str], dict[str, Any]]] = {}
        self.messages: dict[int, dict[str, Any]] = {}
        self.deleted_messages: list[dict[str, Any]] = []
        self._message_changed_at: dict[int, float] = {}
        self.interactions: dict[int, FakeInteraction] = {}
        self._interactions_by_token: dict[str, FakeInteraction] = {}

        self.requests: list[Request] = []
        self.gateway_log: list[GatewayFrame] = []
        self.server_errors: list[str] = []
        self._faults: list[Fault] = []
        self._changed = asyncio.Event()
        self._sessions: list[GatewaySession] = []
        self._sessions_by_id: dict[str, GatewaySession] = {}
        self._routes: list[_Route] = []
        self._register_routes()

        self._runner: web.AppRunner | None = None
        self.port: int | None = None
        self._patches: list[tuple[Any, str, Any]] = []

        #: the guild owner, an administrator (Admin role) and a plain member (the default user of
        #: send_command & co.); they join guilds only in the default world or when added.
        self.owner = self.add_user("owner")
        self.admin = self.add_user("alice")
        self.user = self.add_user("bob")
        if default_world:
            self._build_default_world()

    # ==========================================================================================
    # lifecycle
    # ==========================================================================================

    async def start(self) -> FakeDiscord:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("GET", "/", self._gateway_handler)
        app.router.add_route("*", "/api/v{version:\\d+}/{tail:.*}", self._api_handler)
        app.router.add_route("*", "/{tail:.*}", self._api_handler)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def stop(self) -> None:
        self.unpatch_discord()
        for session in list(self._sessions):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(session.close(code=1001, message=b"fake stopping"), 1.0)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        self.patch_discord()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def valid_token(self) -> str:
        """The bot token the fake accepts (``Authorization: Bot <token>``, IDENTIFY)."""
        return self.token

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/api/v10`` — what ``discord.http.Route.BASE`` is set to."""
        return f"http://127.0.0.1:{self.port}/api/v{self.API_VERSION}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    def patch_discord(self) -> None:
        """Point discord.py at this server (``Route.BASE``, ``DiscordWebSocket.DEFAULT_GATEWAY``).
        Undone by ``unpatch_discord()`` / ``stop()``."""
        import discord.gateway
        import discord.http
        import yarl

        if self.port is None:
            raise RuntimeError("start() the fake before patching discord.py")
        if self._patches:
            return
        for obj, attr, value in (
            (discord.http.Route, "BASE", self.base_url),
            (discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(self.gateway_url)),
        ):
            self._patches.append((obj, attr, obj.__dict__[attr]))
            setattr(obj, attr, value)

    def unpatch_discord(self) -> None:
        while self._patches:
            obj, attr, old = self._patches.pop()
            setattr(obj, attr, old)

    @contextlib.contextmanager
    def patched(self) -> Iterator[FakeDiscord]:
        self.patch_discord()
        try:
            yield self
        finally:
            self.unpatch_discord()

    # ==========================================================================================
    # world building
    # ==========================================================================================

    def add_user(
        self,
        username: str,
        *,
        id: int | None = None,
        bot: bool = False,
        global_name: str | None = None,
    ) -> FakeUser:
        user = FakeUser(
            id=id or self.ids.next(),
            username=username,
            bot=bot,
            global_name=global_name or username.capitalize(),
        )
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str,
        *,
        id: int | None = None,
        owner: FakeUser | None = None,
        everyone_permissions: int = DEFAULT_EVERYONE,
        bot_permissions: int = DEFAULT_BOT_ROLE,
        preferred_locale: str = "en-US",
    ) -> FakeGuild:
        """A guild with @everyone, the bot's managed role and the bot as a member. Add channels,
        roles and members with ``guild.add_channel/add_role/add_member``."""
        gid = id or self.ids.next()
        owner = owner or self.owner
        guild = FakeGuild(
            id=gid, name=name, owner_id=owner.id, preferred_locale=preferred_locale, _ids=self.ids
        )
        guild.add_role("@everyone", everyone_permissions, id=gid, position=0)
        bot_role = guild.add_role(
            self.bot_user.username, bot_permissions, managed=True, bot_id=self.bot_user.id
        )
        guild.add_member(owner)
        guild.add_member(self.bot_user, [bot_role])
        self.guilds[gid] = guild
        return guild

    def _build_default_world(self) -> None:
        """owner, admin (Admin role), user (no roles); one guild with #general, #bot-commands,
        #announcements (only the bot may post) and #staff (the bot can't see it)."""
        g = self.add_guild("SmartUps Test Guild", owner=self.owner)
        bot_role = g.role_named(self.bot_user.username)
        admin_role = g.add_role("Admin", P.ADMINISTRATOR, hoist=True)
        g.add_role("Member", 0)
        g.add_member(self.admin, [admin_role])
        g.add_member(self.user)
        g.add_channel("general", topic="General chat")
        g.add_channel("bot-commands")
        g.add_channel(
            "announcements",
            type=5,
            overwrites=[
                Overwrite(g.id, 0, deny=P.SEND_MESSAGES),
                Overwrite(bot_role.id, 0, allow=P.SEND_MESSAGES),
            ],
        )
        g.add_channel(
            "staff",
            overwrites=[
                Overwrite(g.id, 0, deny=P.VIEW_CHANNEL),
                Overwrite(admin_role.id, 0, allow=P.VIEW_CHANNEL),
            ],
        )

    @property
    def guild(self) -> FakeGuild:
        """The first guild."""
        return next(iter(self.guilds.values()))

    @property
    def channel(self) -> FakeChannel:
        """The first text channel of the first guild (#general in the default world)."""
        return self.guild.text_channels[0]

    def find_channel(self, channel_id: int) -> FakeChannel | None:
        for g in self.guilds.values():
            if channel_id in g.channels:
                return g.channels[channel_id]
        return self.dm_channels.get(channel_id)

    def _guild_create_payload(self, guild: FakeGuild, intents: int) -> dict[str, Any]:
        # Without the GUILD_MEMBERS intent Discord only sends the bot's own member.
        if intents & INTENT_GUILD_MEMBERS:
            members = list(guild.members.values())
        else:
            members = [m for m in guild.members.values() if m.user.id == self.bot_user.id]
        me = guild.members.get(self.bot_user.id)
        return guild.to_gateway_payload(
            members=members, joined_at=me.joined_at if me else iso_now()
        )

    # ==========================================================================================
    # recording, waiting, faults
    # ==========================================================================================

    def _notify(self) -> None:
        ev, self._changed = self._changed, asyncio.Event()
        ev.set()

    async def wait_until(
        self, check: Callable[[], Any], timeout: float = 5.0, what: str = "a condition"
    ) -> Any:
        """Re-evaluate ``check()`` whenever the fake's state changes (a request answered, a
        gateway session opened/closed) until it is truthy; return its value. AssertionError with
        the recent requests after ``timeout`` seconds."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    result = check()
                    if result:
                        return result
                    await self._changed.wait()
        except TimeoutError:
            raise AssertionError(
                f"fakediscord: timed out after {timeout}s waiting for {what}.\n"
                f"Recent requests:\n{self.describe_requests()}"
            ) from None

    def describe_requests(self, last: int = 15) -> str:
        lines = [f"  {r.summary()}" for r in self.requests[-last:]]
        return "\n".join(lines) if lines else "  (none)"

    def mark(self) -> int:
        """An index to pass as ``since=`` so that only later requests are considered."""
        return len(self.requests)

    def requests_matching(
        self,
        method_or_predicate: str | RequestPredicate | None = None,
        path_regex: str | None = None,
        *,
        since: int = 0,
        status: int | None = None,
    ) -> list[Request]:
        pred = self._predicate(method_or_predicate, path_regex, status)
        return [r for r in self.requests[since:] if r.status is not None and pred(r)]

    @staticmethod
    def _predicate(
        method_or_predicate: str | RequestPredicate | None,
        path_regex: str | None,
        status: int | None,
    ) -> RequestPredicate:
        if callable(method_or_predicate):
            base = method_or_predicate
        else:
            method = (method_or_predicate or "*").upper()
            pattern = re.compile(path_regex) if path_regex else None

            def base(r: Request) -> bool:
                return (method == "*" or r.method == method) and (
                    pattern is None or pattern.search(r.path) is not None
                )

        if status is None:
            return base
        return lambda r: r.status == status and base(r)

    async def wait_for(
        self,
        method_or_predicate: str | RequestPredicate,
        path_regex: str | None = None,
        *,
        timeout: float = 5.0,
        since: int = 0,
        status: int | None = None,
    ) -> Request:
        """The first answered request (at index >= ``since``) matching ``(method, path_regex)``
        — method may be "*" — or a predicate; waits up to ``timeout`` seconds, then raises
        AssertionError listing the recent requests."""
        pred = self._predicate(method_or_predicate, path_regex, status)

        def check() -> Request | None:
            return next(
                (r for r in self.requests[since:] if r.status is not None and pred(r)), None
            )

        what = (
            f"{method_or_predicate} {path_regex or ''}".strip()
            if isinstance(method_or_predicate, str)
            else "a matching request"
        )
        return await self.wait_until(check, timeout, what)

    def fail_next(
        self,
        method: str | None,
        path_regex: str,
        status: int,
        times: int = 1,
        body: Any = None,
        headers: dict[str, str] | None = None,
        *,
        retry_after: float | None = None,
        delay: float = 0.0,
    ) -> Fault:
        """Answer the next ``times`` requests matching (method or "*", ``re.search`` on the API
        path) with ``status`` instead of handling them. Default bodies: 429 → rate-limit body
        with ``retry_after`` (0.05 s) plus the ``Via`` header discord.py needs to retry; 403 →
        50013 Missing Permissions; 404/500 → Discord's generic bodies. Note discord.py retries
        500/502/504 itself after sleeping 1 s, 3 s, … (slow: prefer ``times=1``)."""
        if body is None:
            body = dict(DEFAULT_FAULT_BODIES.get(status, {"message": f"{status}", "code": 0}))
            if status == 429 and retry_after is not None:
                body["retry_after"] = retry_after
        fault = Fault(
            method, re.compile(path_regex), status, times, body, dict(headers or {}), delay
        )
        if status == 429:
            ra = str(body.get("retry_after", 0.05)) if isinstance(body, dict) else "0.05"
            fault.headers.setdefault("Via", "1.1 google")
            fault.headers.setdefault("Retry-After", ra)
            fault.headers.setdefault("X-RateLimit-Scope", "user")
        self._faults.append(fault)
        return fault

    def delay_next(
        self, method: str | None, path_regex: str, seconds: float, times: int = 1
    ) -> Fault:
        """Handle the next matching requests normally but only after ``seconds``."""
        fault = Fault(method, re.compile(path_regex), None, times, None, {}, seconds)
        self._faults.append(fault)
        return fault

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self._faults:
            if fault.matches(method, path):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    @property
    def unknown_requests(self) -> list[Request]:
        return [r for r in self.requests if r.route is None]

    def assert_no_unknown_routes(self) -> None:
        bad = self.unknown_requests
        assert not bad, "requests to routes the fake does not know:\n" + "\n".join(
            f"  {r.summary()}" for r in bad
        )

    def find_secret(self, secret: str) -> list[str]:
        """Everywhere ``secret`` appears except where a token belongs (the Authorization header
        and the gateway IDENTIFY/RESUME ``token``): paths, queries, other headers, bodies, files,
        other gateway frames, stored messages."""
        found: list[str] = []
        for i, r in enumerate(self.requests):
            where = f"request #{i} {r.method} {r.path}"
            if secret in r.path:
                found.append(f"{where}: path")
            if any(secret in k or secret in v for k, v in r.query.items()):
                found.append(f"{where}: query")
            for k, v in r.headers.items():
                if k.lower() != "authorization" and secret in v:
                    found.append(f"{where}: header {k}")
            if secret.encode() in r.body or secret in json.dumps(r.json, default=str):
                found.append(f"{where}: body")
            for f in r.files:
                if secret.encode() in f.data or secret in (f.filename or ""):
                    found.append(f"{where}: file {f.filename}")
        for frame in self.gateway_log:
            payload = frame.payload
            if frame.direction == "recv" and payload.get("op") in (2, 6):
                d = dict(payload.get("d") or {})
                d.pop("token", None)
                payload = {**payload, "d": d}
            if secret in json.dumps(payload, default=str):
                found.append(
                    f"gateway {frame.direction} op={payload.get('op')} t={payload.get('t')}"
                )
        for m in [*self.messages.values(), *self.deleted_messages]:
            if secret in json.dumps(m, default=str):
                found.append(f"message {m['id']} in channel {m['channel_id']}")
        return found

    def assert_secret_not_leaked(self, secret: str | None = None) -> None:
        """Fail if ``secret`` (default: the bot token) appears anywhere but in the Authorization
        header / gateway IDENTIFY token."""
        secret = secret or self.token
        found = self.find_secret(secret)
        assert not found, "secret leaked:\n  " + "\n  ".join(found)

    # ==========================================================================================
    # gateway
    # ==========================================================================================

    async def _gateway_handler(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get(hdrs.UPGRADE, "").lower() != "websocket":
            return await self._api_handler(request)
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        session = GatewaySession(self, ws, dict(request.query))
        self._sessions.append(session)
        try:
            await session.run()
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        except Exception:
            self.server_errors.append(traceback.format_exc())
            log.exception("fakediscord gateway session failed")
        finally:
            session.closed = True
            self._notify()
        return ws

    def _register_session(self, session: GatewaySession) -> None:
        self._sessions_by_id[session.session_id] = session
        self._notify()

    def _session_ready(self, session: GatewaySession) -> None:
        self._notify()

    @property
    def sessions(self) -> list[GatewaySession]:
        """Gateway connections that identified (or resumed) and are still open."""
        return [s for s in self._sessions if s.identified and not s.closed and not s.ws.closed]

    @property
    def identify_payloads(self) -> list[dict[str, Any]]:
        return [
            f.payload["d"]
            for f in self.gateway_log
            if f.direction == "recv" and f.payload.get("op") == 2
        ]

    async def wait_until_connected(self, timeout: float = 5.0) -> GatewaySession:
        """Wait until a client identified and got READY plus every GUILD_CREATE."""
        return await self.wait_until(
            lambda: next((s for s in self.sessions if s.ready), None),
            timeout,
            "a client to connect to the gateway",
        )

    async def dispatch(
        self, event: str, data: Any, *, guild_id: int | None = None, timeout: float = 5.0
    ) -> None:
        """Send a DISPATCH event to every connected client (the shard owning ``guild_id``)."""
        await self.wait_until_connected(timeout)
        for s in self.sessions:
            if s.wants_guild(guild_id):
                await s.dispatch(event, data)

    async def _dispatch_if(self, event: str, data: Any, intent: int, guild_id: int | None) -> None:
        for s in self.sessions:
            if s.ready and s.intents & intent and s.wants_guild(guild_id):
                with contextlib.suppress(ConnectionResetError):
                    await s.dispatch(event, data)

    async def send_guild_create(self, guild: FakeGuild) -> None:
        """Announce a guild added after the client connected (the bot "joins" it)."""
        for s in self.sessions:
            if s.wants_guild(guild.id):
                await s.dispatch("GUILD_CREATE", self._guild_create_payload(guild, s.intents))

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: the client closes and RESUMEs."""
        for s in self.sessions:
            await s.send(OP_RECONNECT)

    async def invalidate_session(self, resumable: bool = False) -> None:
        for s in self.sessions:
            await s.send(OP_INVALID_SESSION, resumable)

    async def close_gateway(self, code: int = 4000) -> None:
        """Close every gateway connection with ``code`` (4000 → the client resumes; 4004 →
        authentication failed, the client gives up)."""
        for s in self.sessions:
            await s.close(code)

    # ==========================================================================================
    # HTTP plumbing
    # ==========================================================================================

    def _route(self, method: str, template: str, handler: Handler, *, auth: bool = True) -> None:
        def repl(m: re.Match[str]) -> str:
            name = m.group(1)
            return f"(?P<{name}>{_PARAM_PATTERNS.get(name, r'[0-9]+')})"

        regex = re.compile("^" + re.sub(r"\{(\w+)\}", repl, template) + "$")
        bucket = hashlib.sha1(f"{method} {template}".encode()).hexdigest()[:16]
        self._routes.append(_Route(method, template, regex, handler, auth, bucket))

    def _ratelimit_headers(self, bucket: str) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": "50",
            "X-RateLimit-Remaining": "49",
            "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
            "X-RateLimit-Reset-After": "1.000",
            "X-RateLimit-Bucket": bucket,
            "Via": "1.1 google",
        }

    @staticmethod
    def _response(status: int, payload: Any, headers: dict[str, str]) -> web.Response:
        if payload is None or status == 204:
            return web.Response(status=204, headers=headers)
        # NOT web.json_response: it sends "application/json; charset=utf-8", which discord.py
        # does not decode as JSON (it compares the header to "application/json" exactly).
        body = json.dumps(payload, separators=(",", ":")).encode()
        return web.Response(
            status=status, body=body, headers=headers, content_type="application/json"
        )

    async def _read_body(self, request: web.Request, rec: Request) -> None:
        if request.content_type == "multipart/form-data":
            reader = await request.multipart()
            chunks: list[bytes] = []
            while (part := await reader.next()) is not None:
                data = await part.read(decode=False)  # type: ignore[union-attr]
                chunks.append(data)
                name = part.name  # type: ignore[union-attr]
                if name == "payload_json":
                    rec.json = json.loads(data.decode())
                else:
                    rec.files.append(
                        UploadedFile(
                            field=name or "",
                            filename=part.filename,  # type: ignore[union-attr]
                            content_type=part.headers.get(hdrs.CONTENT_TYPE),
                            data=data,
                        )
                    )
            rec.body = b"".join(chunks)
            return
        rec.body = await request.read()
        if rec.body:
            try:
                rec.json = json.loads(rec.body.decode())
            except (ValueError, UnicodeDecodeError):
                rec.json = None

    async def _api_handler(self, request: web.Request) -> web.StreamResponse:
        tail = request.match_info.get("tail", "")
        path = "/" + tail
        rec = Request(
            method=request.method,
            path=path,
            query=dict(request.query),
            json=None,
            headers=dict(request.headers),
            time=time.monotonic(),
        )
        self.requests.append(rec)
        try:
            await self._read_body(request, rec)
        except Exception as exc:
            rec.status, rec.response = 400, {"message": f"unreadable body: {exc}", "code": 50109}
            self._notify()
            return self._response(400, rec.response, {})

        match: dict[str, str] | None = None
        route = None
        for r in self._routes:
            if r.method == rec.method and (m := r.regex.match(path)):
                route, match = r, m.groupdict()
                break
        if route is not None:
            rec.route = f"{route.method} {route.template}"
        headers = self._ratelimit_headers(route.bucket if route else "unknown")

        fault = self._take_fault(rec.method, path)
        if fault is not None and fault.delay:
            await asyncio.sleep(fault.delay)
        if fault is not None and fault.status is not None:
            rec.status, rec.response, rec.injected = fault.status, fault.body, True
            self._notify()
            return self._response(fault.status, fault.body, {**headers, **fault.headers})

        if route is None or match is None:
            status, payload = 404, {"message": "404: Not Found", "code": 0}
        elif route.auth and rec.authorization != f"Bot {self.token}":
            status, payload = 401, {"message": "401: Unauthorized", "code": 0}
        else:
            try:
                status, payload = await route.handler(rec, **match)
            except ApiError as exc:
                status, payload = exc.status, exc.body
            except Exception:
                # A bug in the fake: answer 400 (discord.py fails fast) rather than 500 (which it
                # retries with 1 s, 3 s, 5 s… sleeps) and keep the traceback for the test.
                tb = traceback.format_exc()
                self.server_errors.append(tb)
                log.error("fakediscord handler failed for %s %s\n%s", rec.method, path, tb)
                status, payload = 400, {"message": "fakediscord internal error", "code": 0}
        rec.status, rec.response = status, payload
        self._notify()
        return self._response(status, payload, headers)

    # ==========================================================================================
    # routes
    # ==========================================================================================

    def _register_routes(self) -> None:
        r = self._route
        r("GET", "/users/@me", self._get_me)
        r("GET", "/users/{user_id}", self._get_user)
        r("POST", "/users/@me/channels", self._create_dm)
        r("GET", "/gateway", self._get_gateway, auth=False)
        r("GET", "/gateway/bot", self._get_gateway_bot)
        r("GET", "/oauth2/applications/@me", self._get_application)
        r("GET", "/applications/@me", self._get_application)
        r("GET", "/applications/{app_id}/emojis", self._get_app_emojis)
        for scope in ("", "/guilds/{guild_id}"):
            base = "/applications/{app_id}" + scope + "/commands"
            r("GET", base, self._list_commands)
            r("PUT", base, self._bulk_commands)
            r("POST", base, self._create_command)
            r("GET", base + "/{command_id}", self._get_command)
            r("PATCH", base + "/{command_id}", self._edit_command)
            r("DELETE", base + "/{command_id}", self._delete_command)
        r(
            "POST",
            "/interactions/{interaction_id}/{token}/callback",
            self._interaction_callback,
            auth=False,
        )
        r("POST", "/webhooks/{app_id}/{token}", self._webhook_execute, auth=False)
        r("GET", "/webhooks/{app_id}/{token}/messages/{message}", self._webhook_get, auth=False)
        r("PATCH", "/webhooks/{app_id}/{token}/messages/{message}", self._webhook_edit, auth=False)
        r(
            "DELETE",
            "/webhooks/{app_id}/{token}/messages/{message}",
            self._webhook_delete,
            auth=False,
        )
        r("GET", "/channels/{channel_id}", self._get_channel)
        r("GET", "/channels/{channel_id}/messages", self._list_messages)
        r("POST", "/channels/{channel_id}/messages", self._create_message)
        r("GET", "/channels/{channel_id}/messages/{message_id}", self._get_message)
        r("PATCH", "/channels/{channel_id}/messages/{message_id}", self._edit_message)
        r("DELETE", "/channels/{channel_id}/messages/{message_id}", self._delete_message)
        r("POST", "/channels/{channel_id}/typing", self._typing)
        r("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self._react)
        r(
            "DELETE",
            "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
            self._react,
        )
        r("GET", "/guilds/{guild_id}", self._get_guild)
        r("GET", "/guilds/{guild_id}/channels", self._get_guild_channels)
        r("GET", "/guilds/{guild_id}/roles", self._get_guild_roles)
        r("GET", "/guilds/{guild_id}/members", self._list_members)
        r("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member)

    # --- users / gateway / application ---------------------------------------------------------

    async def _get_me(self, req: Request) -> tuple[int, Any]:
        return 200, self.bot_user.to_payload() | {
            "verified": True,
            "mfa_enabled": False,
            "locale": "en-US",
            "email": None,
        }

    async def _get_user(self, req: Request, user_id: str) -> tuple[int, Any]:
        user = self.users.get(int(user_id))
        if user is None:
            raise unknown("User", 10013)
        return 200, user.to_payload()

    async def _create_dm(self, req: Request) -> tuple[int, Any]:
        uid = int((req.json or {}).get("recipient_id", 0))
        user = self.users.get(uid)
        if user is None:
            raise unknown("User", 10013)
        for ch in self.dm_channels.values():
            if ch.recipients and ch.recipients[0].id == uid:
                return 200, ch.to_payload()
        ch = FakeChannel(id=self.ids.next(), name="", type=1, recipients=[user])
        self.dm_channels[ch.id] = ch
        return 200, ch.to_payload()

    async def _get_gateway(self, req: Request) -> tuple[int, Any]:
        return 200, {"url": self.gateway_url.rstrip("/")}

    async def _get_gateway_bot(self, req: Request) -> tuple[int, Any]:
        return 200, {
            "url": self.gateway_url.rstrip("/"),
            "shards": self.recommended_shards,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 14_400_000,
                "max_concurrency": 1,
            },
        }

    def application_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "name": self.application_name,
            "icon": None,
            "description": "SmartUps test application",
            "summary": "",
            "type": None,
            "bot_public": False,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": self.application_flags,
            "owner": self.owner.to_payload(),
            "team": None,
            "bot": self.bot_user.to_payload(),
            "tags": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "approximate_guild_count": len(self.guilds),
            "integration_types_config": {"0": {}},
            "hook": True,
            "is_monetized": False,
        }

    async def _get_application(self, req: Request) -> tuple[int, Any]:
        return 200, self.application_payload()

    def _check_app(self, app_id: str) -> None:
        if int(app_id) != self.application_id:
            raise ApiError(403, 50001, "Missing Access")

    async def _get_app_emojis(self, req: Request, app_id: str) -> tuple[int, Any]:
        self._check_app(app_id)
        return 200, {"items": []}

    # --- application commands ------------------------------------------------------------------

    def _scope(self, app_id: str, guild_id: str | None) -> int | None:
        self._check_app(app_id)
        if guild_id is None:
            return None
        gid = int(guild_id)
        if gid not in self.guilds:
            raise ApiError(403, 50001, "Missing Access")
        return gid

    def _store_command(
        self, scope: int | None, body: dict[str, Any], old: dict[str, Any] | None
    ) -> dict[str, Any]:
        cmd: dict[str, Any] = {
            "type": 1,
            "default_member_permissions": None,
            "name_localizations": None,
            "description_localizations": None,
            "nsfw": False,
            "contexts": None,
            "integration_types": [0],
            "options": [],
        }
        cmd.update(body)
        cmd["id"] = old["id"] if old else str(self.ids.next())
        cmd["application_id"] = str(self.application_id)
        cmd["version"] = str(self.ids.next())
        cmd.setdefault("description", "")
        if scope is not None:
            cmd["guild_id"] = str(scope)
        return cmd

    def commands_in(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        """The commands registered globally (``None``) or for a guild, as Discord stores them."""
        return list(self.commands.get(guild_id, {}).values())

    @property
    def sync_count(self) -> int:
        """How many successful bulk-overwrite PUTs (global or guild) the client made."""
        return len(
            [
                r
                for r in self.requests
                if r.method == "PUT" and r.route and r.route.endswith("/commands") and r.ok
            ]
        )

    async def _list_commands(
        self, req: Request, app_id: str, guild_id: str | None = None
    ) -> tuple[int, Any]:
        return 200, self.commands_in(self._scope(app_id, guild_id))

    async def _bulk_commands(
        self, req: Request, app_id: str, guild_id: str | None = None
    ) -> tuple[int, Any]:
        scope = self._scope(app_id, guild_id)
        body = req.json
        if self.validate:
            validation.check_command_list(body)
        old = self.commands.get(scope, {})
        new: dict[tuple[int, str], dict[str, Any]] = {}
        for c in body:
            key = (c.get("type", 1), c["name"])
            new[key] = self._store_command(scope, c, old.get(key))
        self.commands[scope] = new
        return 200, list(new.values())

    async def _create_command(
        self, req: Request, app_id: str, guild_id: str | None = None
    ) -> tuple[int, Any]:
        scope = self._scope(app_id, guild_id)
        body = req.json or {}
        if self.validate and (problems := validation.check_command(body)):
            raise validation.invalid_form_body(problems)
        store = self.commands.setdefault(scope, {})
        # (Without a name only when validation is off: stored under "".)
        key: tuple[int, str] = (body.get("type", 1), body.get("name") or "")
        existed = key in store
        store[key] = self._store_command(scope, body, store.get(key))
        return (200 if existed else 201), store[key]

    def _command_by_id(self, scope: int | None, command_id: str) -> tuple[int, str]:
        for key, cmd in self.commands.get(scope, {}).items():
            if cmd["id"] == command_id:
                return key
        raise unknown("application command", 10063)

    async def _get_command(
        self, req: Request, app_id: str, command_id: str, guild_id: str | None = None
    ) -> tuple[int, Any]:
        scope = self._scope(app_id, guild_id)
        return 200, self.commands[scope][self._command_by_id(scope, command_id)]

    async def _edit_command(
        self, req: Request, app_id: str, command_id: str, guild_id: str | None = None
    ) -> tuple[int, Any]:
        scope = self._scope(app_id, guild_id)
        key = self._command_by_id(scope, command_id)
        old = self.commands[scope].pop(key)
        merged = {
            k: v for k, v in old.items() if k not in ("id", "application_id", "version", "guild_id")
        }
        merged.update(req.json or {})
        if self.validate and (problems := validation.check_command(merged)):
            self.commands[scope][key] = old
            raise validation.invalid_form_body(problems)
        cmd = self._store_command(scope, merged, old)
        self.commands[scope][(cmd.get("type", 1), cmd["name"])] = cmd
        return 200, cmd

    async def _delete_command(
        self, req: Request, app_id: str, command_id: str, guild_id: str | None = None
    ) -> tuple[int, Any]:
        scope = self._scope(app_id, guild_id)
        del self.commands[scope][self._command_by_id(scope, command_id)]
        return 204, None

    # --- messages (shared by channel routes, interaction responses and followups) -------------

    def _attachments(
        self,
        channel_id: int,
        body: dict[str, Any],
        files: list[UploadedFile],
        existing: list[dict[str, Any]],
    ) -> list[dict[str, Any]]:
        by_field = {f.field: f for f in files}
        old = {a["id"]: a for a in existing}
        declared = body.get("attachments")
        if declared is None:
            declared = [{"id": i, "filename": f.filename} for i, f in enumerate(files)]
            declared += [{"id": a["id"]} for a in existing]
        out: list[dict[str, Any]] = []
        for a in declared:
            upload = by_field.get(f"files[{a.get('id')}]")
            if upload is None:
                if str(a.get("id")) in old:
                    out.append(old[str(a.get("id"))])
                continue
            aid = self.ids.next()
            filename = a.get("filename") or upload.filename or f"file{aid}"
            url = f"http://127.0.0.1:{self.port}/attachments/{channel_id}/{aid}/{filename}"
            out.append(
                {
                    "id": str(aid),
                    "filename": filename,
                    "size": len(upload.data),
                    "url": url,
                    "proxy_url": url,
                    "content_type": upload.content_type,
                    "description": a.get("description"),
                }
            )
        return out

    def _mentions(
        self, body: dict[str, Any], content: str, guild: FakeGuild | None
    ) -> dict[str, Any]:
        allowed = body.get("allowed_mentions")
        parse = (
            {"users", "roles", "everyone"} if allowed is None else set(allowed.get("parse") or [])
        )
        allowed_users = {str(u) for u in (allowed or {}).get("users") or []}
        allowed_roles = {str(r) for r in (allowed or {}).get("roles") or []}
        users = []
        for uid in dict.fromkeys(re.findall(r"<@!?(\d+)>", content)):
            if ("users" in parse or uid in allowed_users) and int(uid) in self.users:
                users.append(self.users[int(uid)].to_payload())
        roles = []
        for rid in dict.fromkeys(re.findall(r"<@&(\d+)>", content)):
            if ("roles" in parse or rid in allowed_roles) and guild and int(rid) in guild.roles:
                roles.append(rid)
        return {
            "mention_everyone": "everyone" in parse
            and ("@everyone" in content or "@here" in content),
            "mentions": users,
            "mention_roles": roles,
            "mention_channels": [],
        }

    def _new_message(
        self,
        channel_id: int,
        body: dict[str, Any],
        files: list[UploadedFile],
        *,
        msg_type: int = 0,
        flags: int = 0,
        ix: FakeInteraction | None = None,
    ) -> dict[str, Any]:
        mid = self.ids.next()
        channel = self.find_channel(channel_id)
        guild = self.guilds.get(channel.guild_id) if channel and channel.guild_id else None
        content = body.get("content") or ""
        msg: dict[str, Any] = {
            "id": str(mid),
            "channel_id": str(channel_id),
            "type": msg_type,
            "author": self.bot_user.to_payload(),
            "content": content,
            "timestamp": snowflake_time_iso(mid),
            "edited_timestamp": None,
            "tts": bool(body.get("tts")),
            **self._mentions(body, content, guild),
            "attachments": self._attachments(channel_id, body, files, []),
            "embeds": [{"type": "rich", **e} for e in body.get("embeds") or []],
            "components": list(body.get("components") or []),
            "sticker_items": [],
            "pinned": False,
            "flags": flags | (int(body.get("flags") or 0) & ~64),
        }
        if body.get("nonce") is not None:
            msg["nonce"] = body["nonce"]
        ref = body.get("message_reference")
        if ref:
            msg["type"] = 19
            msg["message_reference"] = {
                "type": 0,
                "message_id": str(ref.get("message_id")),
                "channel_id": str(ref.get("channel_id") or channel_id),
                **({"guild_id": str(guild.id)} if guild else {}),
            }
            referenced = self.messages.get(int(ref.get("message_id") or 0))
            msg["referenced_message"] = referenced
        if ix is not None:
            msg["webhook_id"] = str(self.application_id)
            msg["application_id"] = str(self.application_id)
            meta: dict[str, Any] = {
                "id": str(ix.id),
                "type": ix.type,
                "user": ix.user.to_payload(),
                "authorizing_integration_owners": ix.payload.get(
                    "authorizing_integration_owners", {}
                ),
            }
            if ix.command_name:
                meta["name"] = ix.command_name
            msg["interaction_metadata"] = meta
            msg["interaction"] = {
                "id": str(ix.id),
                "type": ix.type,
                "name": ix.command_name or "",
                "user": ix.user.to_payload(),
            }
        self.messages[mid] = msg
        self._message_changed_at[mid] = time.monotonic()
        if channel is not None:
            channel.last_message_id = mid
        return msg

    def _edit_stored(
        self,
        msg: dict[str, Any],
        body: dict[str, Any],
        files: list[UploadedFile],
        *,
        mark_edited: bool = True,
    ) -> dict[str, Any]:
        if "content" in body:
            msg["content"] = body["content"] or ""
            channel = self.find_channel(int(msg["channel_id"]))
            guild = self.guilds.get(channel.guild_id) if channel and channel.guild_id else None
            msg.update(self._mentions(body, msg["content"], guild))
        if "embeds" in body:
            msg["embeds"] = [{"type": "rich", **e} for e in body["embeds"] or []]
        if "components" in body:
            msg["components"] = list(body["components"] or [])
        if "attachments" in body or files:
            msg["attachments"] = self._attachments(
                int(msg["channel_id"]), body, files, msg.get("attachments") or []
            )
        if "flags" in body and body["flags"] is not None:
            keep = msg["flags"] & (64 | 32768)
            msg["flags"] = keep | (int(body["flags"]) & 4)
        msg["flags"] &= ~128  # a deferred ("thinking") message stops loading when edited
        if mark_edited:
            msg["edited_timestamp"] = iso_now()
        self._message_changed_at[int(msg["id"])] = time.monotonic()
        return msg

    def messages_in(self, channel: int | FakeChannel) -> list[dict[str, Any]]:
        """Messages currently in a channel, oldest first (bot posts, interaction responses,
        followups — ephemeral ones included, flagged 64)."""
        cid = str(getattr(channel, "id", channel))
        return [m for m in self.messages.values() if m["channel_id"] == cid]

    async def _announce_message(self, msg: dict[str, Any]) -> None:
        """MESSAGE_CREATE to clients that asked for it (not for ephemeral messages)."""
        if msg["flags"] & 64:
            return
        channel = self.find_channel(int(msg["channel_id"]))
        event = dict(msg)
        if channel is not None and channel.guild_id is not None:
            guild = self.guilds[channel.guild_id]
            event["guild_id"] = str(guild.id)
            me = guild.members.get(self.bot_user.id)
            if me:
                event["member"] = me.to_payload(with_user=False)
            await self._dispatch_if("MESSAGE_CREATE", event, INTENT_GUILD_MESSAGES, guild.id)
        else:
            await self._dispatch_if("MESSAGE_CREATE", event, INTENT_DIRECT_MESSAGES, None)

    # --- channels ---------------------------------------------------------------------------

    def _channel(self, channel_id: str, need: int = P.VIEW_CHANNEL) -> FakeChannel:
        channel = self.find_channel(int(channel_id))
        if channel is None:
            raise unknown("Channel", 10003)
        if self.enforce_permissions and channel.guild_id is not None:
            guild = self.guilds[channel.guild_id]
            perms = guild.permissions_for(self.bot_user.id, channel.id)
            if not perms & P.VIEW_CHANNEL:
                raise ApiError(403, 50001, "Missing Access")
            if perms & need != need:
                raise ApiError(403, 50013, "Missing Permissions")
        return channel

    def _message_in(self, channel: FakeChannel, message_id: str) -> dict[str, Any]:
        msg = self.messages.get(int(message_id))
        if msg is None or msg["channel_id"] != str(channel.id):
            raise unknown("Message", 10008)
        return msg

    async def _get_channel(self, req: Request, channel_id: str) -> tuple[int, Any]:
        return 200, self._channel(channel_id).to_payload()

    async def _list_messages(self, req: Request, channel_id: str) -> tuple[int, Any]:
        channel = self._channel(channel_id, P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY)
        msgs = [m for m in self.messages_in(channel) if not m["flags"] & 64]
        q = req.query
        if "before" in q:
            msgs = [m for m in msgs if int(m["id"]) < int(q["before"])]
        if "after" in q:
            msgs = [m for m in msgs if int(m["id"]) > int(q["after"])]
        limit = int(q.get("limit", 50))
        newest_first = list(reversed(msgs))
        if "after" in q:
            newest_first = list(reversed(msgs[:limit]))
        return 200, newest_first[:limit]

    async def _create_message(self, req: Request, channel_id: str) -> tuple[int, Any]:
        body = req.json or {}
        need = P.VIEW_CHANNEL | P.SEND_MESSAGES
        if req.files:
            need |= P.ATTACH_FILES
        channel = self._channel(channel_id, need)
        if self.validate:
            validation.check_message(body, len(req.files))
        msg = self._new_message(channel.id, body, req.files)
        await self._announce_message(msg)
        return 200, msg

    async def _get_message(self, req: Request, channel_id: str, message_id: str) -> tuple[int, Any]:
        channel = self._channel(channel_id, P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY)
        return 200, self._message_in(channel, message_id)

    async def _edit_message(
        self, req: Request, channel_id: str, message_id: str
    ) -> tuple[int, Any]:
        channel = self._channel(channel_id)
        msg = self._message_in(channel, message_id)
        if msg["author"]["id"] != str(self.bot_user.id):
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        body = req.json or {}
        if self.validate:
            validation.check_message(body, len(req.files), edit=True)
        return 200, self._edit_stored(msg, body, req.files)

    async def _delete_message(
        self, req: Request, channel_id: str, message_id: str
    ) -> tuple[int, Any]:
        channel = self._channel(channel_id)
        msg = self._message_in(channel, message_id)
        if msg["author"]["id"] != str(self.bot_user.id):
            self._channel(channel_id, P.VIEW_CHANNEL | P.MANAGE_MESSAGES)
        self.deleted_messages.append(self.messages.pop(int(message_id)))
        return 204, None

    async def _typing(self, req: Request, channel_id: str) -> tuple[int, Any]:
        self._channel(channel_id, P.VIEW_CHANNEL | P.SEND_MESSAGES)
        return 204, None

    async def _react(
        self, req: Request, channel_id: str, message_id: str, emoji: str
    ) -> tuple[int, Any]:
        channel = self._channel(channel_id, P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY)
        self._message_in(channel, message_id)
        return 204, None

    # --- guilds ---------------------------------------------------------------------------------

    def _guild(self, guild_id: str) -> FakeGuild:
        guild = self.guilds.get(int(guild_id))
        if guild is None:
            raise unknown("Guild", 10004)
        return guild

    async def _get_guild(self, req: Request, guild_id: str) -> tuple[int, Any]:
        guild = self._guild(guild_id)
        data = guild.to_payload()
        if req.query.get("with_counts") in ("1", "true", "True"):
            data.update(
                approximate_member_count=len(guild.members),
                approximate_presence_count=len(guild.members),
            )
        return 200, data

    async def _get_guild_channels(self, req: Request, guild_id: str) -> tuple[int, Any]:
        return 200, [c.to_payload() for c in self._guild(guild_id).channels.values()]

    async def _get_guild_roles(self, req: Request, guild_id: str) -> tuple[int, Any]:
        guild = self._guild(guild_id)
        return 200, [r.to_payload() for r in sorted(guild.roles.values(), key=lambda r: r.position)]

    async def _list_members(self, req: Request, guild_id: str) -> tuple[int, Any]:
        guild = self._guild(guild_id)
        after = int(req.query.get("after", 0))
        limit = int(req.query.get("limit", 1))
        members = sorted(
            (m for m in guild.members.values() if m.user.id > after), key=lambda m: m.user.id
        )
        return 200, [m.to_payload() for m in members[:limit]]

    async def _get_member(self, req: Request, guild_id: str, user_id: str) -> tuple[int, Any]:
        guild = self._guild(guild_id)
        member: FakeMember | None = guild.members.get(int(user_id))
        if member is None:
            raise unknown("Member", 10007)
        return 200, member.to_payload()
