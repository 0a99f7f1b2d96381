"""The gateway websocket side of the fake: HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeats,
RESUME, REQUEST_GUILD_MEMBERS, and dispatching events (JSON, optionally ``zlib-stream`` or
``zstd-stream`` compressed, whichever the client's query asks for)."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import zlib
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from .records import GatewayFrame

if TYPE_CHECKING:
    from .server import FakeDiscord

OP_DISPATCH, OP_HEARTBEAT, OP_IDENTIFY, OP_PRESENCE, OP_VOICE = 0, 1, 2, 3, 4
OP_RESUME, OP_RECONNECT, OP_REQUEST_MEMBERS, OP_INVALID_SESSION = 6, 7, 8, 9
OP_HELLO, OP_HEARTBEAT_ACK = 10, 11

INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12


class _Compressor:
    """Server half of discord.py's ``_ZlibDecompressionContext`` / ``_ZstdDecompressionContext``."""

    def __init__(self, kind: str | None) -> None:
        self.kind = kind
        self._z: Any = None
        if kind == "zlib-stream":
            self._z = zlib.compressobj()
        elif kind == "zstd-stream":
            try:
                import zstandard

                self._z = zstandard.ZstdCompressor().compressobj()
                self._flush = lambda: self._z.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
            except ImportError:  # Python 3.14+
                from compression.zstd import ZstdCompressor

                comp = ZstdCompressor()
                self._z = comp
                self._flush = lambda: comp.flush(ZstdCompressor.FLUSH_BLOCK)
        elif kind:
            raise ValueError(f"unsupported gateway compression {kind!r}")

    def encode(self, text: str) -> str | bytes:
        if self.kind is None:
            return text
        data = text.encode()
        if self.kind == "zlib-stream":
            return self._z.compress(data) + self._z.flush(zlib.Z_SYNC_FLUSH)
        return self._z.compress(data) + self._flush()


class GatewaySession:
    """One websocket connection. Sequence numbers, session id and the dispatch log survive a
    RESUME (the new connection adopts them)."""

    def __init__(self, fake: FakeDiscord, ws: web.WebSocketResponse, query: dict[str, str]) -> None:
        self.fake = fake
        self.ws = ws
        self.query = query
        self.compressor = _Compressor(query.get("compress"))
        self.session_id = secrets.token_hex(16)
        self.seq = 0
        self.identified = False
        self.ready = False  # READY + all GUILD_CREATE sent
        self.intents = 0
        self.shard: tuple[int, int] | None = None
        self.identify: dict[str, Any] | None = None
        self.dispatched: list[dict[str, Any]] = []  # for RESUME replay
        self.closed = False
        self._lock = asyncio.Lock()

    # --- sending ---------------------------------------------------------------------------

    async def send(self, op: int, d: Any = None, t: str | None = None) -> int | None:
        async with self._lock:
            payload: dict[str, Any] = {"op": op, "d": d, "s": None, "t": t}
            if op == OP_DISPATCH:
                self.seq += 1
                payload["s"] = self.seq
                self.dispatched.append(payload)
            await self._send_raw(payload)
            return payload["s"]

    async def _send_raw(self, payload: dict[str, Any]) -> None:
        if self.ws.closed:
            raise ConnectionResetError("gateway websocket is closed")
        self.fake.gateway_log.append(
            GatewayFrame("send", self.session_id, payload, time.monotonic())
        )
        data = self.compressor.encode(json.dumps(payload, separators=(",", ":")))
        if isinstance(data, bytes):
            await self.ws.send_bytes(data)
        else:
            await self.ws.send_str(data)

    async def dispatch(self, event: str, data: Any) -> int | None:
        return await self.send(OP_DISPATCH, data, event)

    def wants_guild(self, guild_id: int | None) -> bool:
        """Discord's routing: a guild's events go to shard ``(guild_id >> 22) % count``;
        events outside a guild (DMs) go to shard 0 only."""
        if self.shard is None:
            return True
        shard_id, count = self.shard
        if guild_id is None:
            return shard_id == 0
        return (guild_id >> 22) % count == shard_id

    # --- receiving -------------------------------------------------------------------------

    async def run(self) -> None:
        await self.send(
            OP_HELLO,
            {"heartbeat_interval": self.fake.heartbeat_interval, "_trace": ["fakediscord-gateway"]},
        )
        async for msg in self.ws:
            if msg.type is WSMsgType.TEXT:
                payload = json.loads(msg.data)
            elif msg.type is WSMsgType.BINARY:
                payload = json.loads(msg.data.decode())
            else:
                break
            self.fake.gateway_log.append(
                GatewayFrame("recv", self.session_id, payload, time.monotonic())
            )
            await self._handle(payload)

    async def _handle(self, payload: dict[str, Any]) -> None:
        op, d = payload.get("op"), payload.get("d")
        if op == OP_HEARTBEAT:
            await self.send(OP_HEARTBEAT_ACK)
        elif op == OP_IDENTIFY:
            await self._on_identify(d or {})
        elif op == OP_RESUME:
            await self._on_resume(d or {})
        elif op == OP_REQUEST_MEMBERS:
            await self._on_request_members(d or {})
        # PRESENCE_UPDATE / VOICE_STATE_UPDATE: recorded in gateway_log, nothing to answer.

    async def _on_identify(self, d: dict[str, Any]) -> None:
        fake = self.fake
        if d.get("token") != fake.token:
            await self.ws.close(code=4004, message=b"Authentication failed.")
            return
        self.identify = d
        self.intents = int(d.get("intents") or 0)
        if d.get("shard"):
            self.shard = (int(d["shard"][0]), int(d["shard"][1]))
        self.identified = True
        fake._register_session(self)
        guilds = [g for g in fake.guilds.values() if self.wants_guild(g.id)]
        ready: dict[str, Any] = {
            "v": 10,
            "user": fake.bot_user.to_payload()
            | {"verified": True, "mfa_enabled": False, "email": None},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": self.session_id,
            "session_type": "normal",
            "resume_gateway_url": fake.gateway_url,
            "application": {"id": str(fake.application_id), "flags": fake.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["hongkong"],
            "user_settings": {},
            "auth": {},
            "_trace": ["fakediscord-gateway"],
        }
        if self.shard is not None:
            ready["shard"] = list(self.shard)
        await self.dispatch("READY", ready)
        for guild in guilds:
            await self.dispatch("GUILD_CREATE", fake._guild_create_payload(guild, self.intents))
        self.ready = True
        fake._session_ready(self)

    async def _on_resume(self, d: dict[str, Any]) -> None:
        fake = self.fake
        old = fake._sessions_by_id.get(d.get("session_id", ""))
        if d.get("token") != fake.token:
            await self.ws.close(code=4004, message=b"Authentication failed.")
            return
        if old is None:
            await self.send(OP_INVALID_SESSION, False)
            return
        # adopt the old session's identity, replay what the client missed, then RESUMED
        self.session_id, self.seq, self.dispatched = old.session_id, old.seq, old.dispatched
        self.intents, self.shard, self.identify = old.intents, old.shard, old.identify
        self.identified = True
        fake._register_session(self)
        last = int(d.get("seq") or 0)
        async with self._lock:
            for payload in [p for p in self.dispatched if (p["s"] or 0) > last]:
                await self._send_raw(payload)
        await self.dispatch("RESUMED", {"_trace": ["fakediscord-gateway"]})
        self.ready = True
        fake._session_ready(self)

    async def _on_request_members(self, d: dict[str, Any]) -> None:
        guild = self.fake.guilds.get(int(d.get("guild_id", 0)))
        if guild is None:
            return
        members = list(guild.members.values())
        user_ids = d.get("user_ids")
        not_found: list[str] = []
        if user_ids is not None:
            wanted = {int(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])}
            members = [m for m in members if m.user.id in wanted]
            not_found = [str(u) for u in wanted - {m.user.id for m in members}]
        elif d.get("query"):
            q = str(d["query"]).lower()
            members = [m for m in members if m.user.username.lower().startswith(q)]
        limit = int(d.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": [m.to_payload() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if not_found:
            chunk["not_found"] = not_found
        if d.get("presences"):
            chunk["presences"] = []
        if d.get("nonce") is not None:
            chunk["nonce"] = d["nonce"]
        await self.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    # --- server-initiated ------------------------------------------------------------------

    async def close(self, code: int = 1000, message: bytes = b"") -> None:
        if not self.ws.closed:
            await self.ws.close(code=code, message=message)
