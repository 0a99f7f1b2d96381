"""State kept by the fake Discord server and the payloads built from it.

Everything here is plain data: users, roles, channels, members, guilds, plus helpers that turn them
into the JSON shapes Discord sends (API v10) and the permission arithmetic Discord applies.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000


class Snowflakes:
    """Monotonic snowflake generator: ``(ms since 2015) << 22 | worker << 17 | increment``."""

    def __init__(self, worker: int = 1) -> None:
        self._worker = worker & 0x1F
        self._counter = itertools.count()
        self._last = 0
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
            value = (ms << 22) | (self._worker << 17) | (next(self._counter) & 0x1FFFF)
            if value <= self._last:
                value = self._last + 1
            self._last = value
            return value


def iso_now() -> str:
    """Current UTC time as Discord formats it (``2024-01-02T03:04:05.678000+00:00``)."""
    return _dt.datetime.now(_dt.UTC).isoformat()


def snowflake_time_iso(snowflake: int) -> str:
    ms = (snowflake >> 22) + DISCORD_EPOCH_MS
    return _dt.datetime.fromtimestamp(ms / 1000, _dt.UTC).isoformat()


# --- permissions -----------------------------------------------------------------------------


class P:
    """Permission bits (same values as ``discord.Permissions``)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_AUDIT_LOG = 1 << 7
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    SEND_TTS_MESSAGES = 1 << 12
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    CHANGE_NICKNAME = 1 << 26
    MANAGE_ROLES = 1 << 28
    MANAGE_WEBHOOKS = 1 << 29
    USE_APPLICATION_COMMANDS = 1 << 31
    CREATE_PUBLIC_THREADS = 1 << 35
    SEND_MESSAGES_IN_THREADS = 1 << 38
    ALL = (1 << 53) - 1


#: What a fresh server gives @everyone (roughly Discord's default).
DEFAULT_EVERYONE = (
    P.CREATE_INSTANT_INVITE
    | P.ADD_REACTIONS
    | P.VIEW_CHANNEL
    | P.SEND_MESSAGES
    | P.EMBED_LINKS
    | P.ATTACH_FILES
    | P.READ_MESSAGE_HISTORY
    | P.USE_EXTERNAL_EMOJIS
    | P.CONNECT
    | P.SPEAK
    | P.CHANGE_NICKNAME
    | P.USE_APPLICATION_COMMANDS
    | P.CREATE_PUBLIC_THREADS
    | P.SEND_MESSAGES_IN_THREADS
)

#: What the bot's managed role gets by default (what an invite link would typically ask for).
DEFAULT_BOT_ROLE = (
    P.VIEW_CHANNEL
    | P.SEND_MESSAGES
    | P.EMBED_LINKS
    | P.ATTACH_FILES
    | P.READ_MESSAGE_HISTORY
    | P.ADD_REACTIONS
    | P.USE_APPLICATION_COMMANDS
    | P.SEND_MESSAGES_IN_THREADS
)


# --- entities --------------------------------------------------------------------------------


@dataclass
class FakeUser:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    avatar: str | None = None

    def to_payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": self.avatar,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass
class FakeRole:
    id: int
    name: str
    permissions: int = 0
    position: int = 0
    managed: bool = False
    bot_id: int | None = None
    color: int = 0
    hoist: bool = False
    mentionable: bool = False

    def to_payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "color": self.color,
            "colors": {
                "primary_color": self.color,
                "secondary_color": None,
                "tertiary_color": None,
            },
            "hoist": self.hoist,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data


@dataclass
class Overwrite:
    """A channel permission overwrite. ``type`` 0 = role, 1 = member."""

    id: int
    type: int = 0
    allow: int = 0
    deny: int = 0

    def to_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "type": self.type,
            "allow": str(self.allow),
            "deny": str(self.deny),
        }


@dataclass
class FakeChannel:
    id: int
    name: str
    guild_id: int | None = None
    type: int = 0  # 0 text, 2 voice, 4 category, 5 announcement, 1 DM
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    nsfw: bool = False
    permission_overwrites: list[Overwrite] = field(default_factory=list)
    recipients: list[FakeUser] = field(default_factory=list)  # DMs only
    last_message_id: int | None = None

    def to_payload(self, *, with_guild_id: bool = True) -> dict[str, Any]:
        if self.type == 1:
            return {
                "id": str(self.id),
                "type": 1,
                "last_message_id": _opt_str(self.last_message_id),
                "recipients": [u.to_payload() for u in self.recipients],
                "flags": 0,
            }
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [o.to_payload() for o in self.permission_overwrites],
            "parent_id": _opt_str(self.parent_id),
            "nsfw": self.nsfw,
            "flags": 0,
        }
        if self.type in (0, 5):
            data.update(
                topic=self.topic,
                last_message_id=_opt_str(self.last_message_id),
                rate_limit_per_user=0,
                default_thread_rate_limit_per_user=0,
            )
        if self.type == 2:
            data.update(bitrate=64000, user_limit=0, rtc_region=None, last_message_id=None)
        if with_guild_id and self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        return data


@dataclass
class FakeMember:
    user: FakeUser
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=iso_now)

    def to_payload(self, *, with_user: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(r) for r in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.to_payload()
        return data


@dataclass
class FakeGuild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, FakeRole] = field(default_factory=dict)
    channels: dict[int, FakeChannel] = field(default_factory=dict)
    members: dict[int, FakeMember] = field(default_factory=dict)
    preferred_locale: str = "en-US"
    features: list[str] = field(default_factory=list)
    _ids: Snowflakes | None = field(default=None, repr=False)

    # -- building -------------------------------------------------------------------------------

    @property
    def everyone(self) -> FakeRole:
        return self.roles[self.id]

    def _next_id(self) -> int:
        if self._ids is None:
            self._ids = Snowflakes(worker=2)
        return self._ids.next()

    def add_role(
        self, name: str, permissions: int = 0, *, id: int | None = None, **kwargs: Any
    ) -> FakeRole:
        role = FakeRole(
            id=id or self._next_id(),
            name=name,
            permissions=permissions,
            position=kwargs.pop("position", len(self.roles)),
            **kwargs,
        )
        self.roles[role.id] = role
        return role

    def add_channel(
        self,
        name: str,
        *,
        type: int = 0,
        id: int | None = None,
        overwrites: list[Overwrite] | None = None,
        topic: str | None = None,
        parent_id: int | None = None,
    ) -> FakeChannel:
        channel = FakeChannel(
            id=id or self._next_id(),
            name=name,
            guild_id=self.id,
            type=type,
            position=len(self.channels),
            topic=topic,
            parent_id=parent_id,
            permission_overwrites=list(overwrites or []),
        )
        self.channels[channel.id] = channel
        return channel

    def add_member(
        self, user: FakeUser, roles: list[int | FakeRole] | None = None, *, nick: str | None = None
    ) -> FakeMember:
        member = FakeMember(user=user, roles=[_id(r) for r in roles or []], nick=nick)
        self.members[user.id] = member
        return member

    def channel_named(self, name: str) -> FakeChannel:
        for channel in self.channels.values():
            if channel.name == name:
                return channel
        raise KeyError(f"no channel named {name!r} in guild {self.name!r}")

    def role_named(self, name: str) -> FakeRole:
        for role in self.roles.values():
            if role.name == name:
                return role
        raise KeyError(f"no role named {name!r} in guild {self.name!r}")

    @property
    def text_channels(self) -> list[FakeChannel]:
        return [c for c in self.channels.values() if c.type in (0, 5)]

    # -- permissions ----------------------------------------------------------------------------

    def base_permissions(self, user_id: int, roles: list[int] | None = None) -> int:
        if user_id == self.owner_id:
            return P.ALL
        if roles is None:
            member = self.members.get(user_id)
            roles = member.roles if member else []
        perms = self.everyone.permissions
        for rid in roles:
            role = self.roles.get(rid)
            if role is not None:
                perms |= role.permissions
        if perms & P.ADMINISTRATOR:
            return P.ALL
        return perms

    def permissions_for(
        self, user_id: int, channel_id: int | None = None, roles: list[int] | None = None
    ) -> int:
        """Discord's algorithm: base (owner / @everyone + roles / admin) then overwrites
        (@everyone, then all member roles together, then the member)."""
        if roles is None:
            member = self.members.get(user_id)
            roles = member.roles if member else []
        perms = self.base_permissions(user_id, roles)
        if perms == P.ALL or channel_id is None:
            return perms
        channel = self.channels.get(channel_id)
        if channel is None:
            return perms
        ows = {(o.type, o.id): o for o in channel.permission_overwrites}
        everyone = ows.get((0, self.id))
        if everyone:
            perms = (perms & ~everyone.deny) | everyone.allow
        allow = deny = 0
        for rid in roles:
            ow = ows.get((0, rid))
            if ow:
                allow |= ow.allow
                deny |= ow.deny
        perms = (perms & ~deny) | allow
        mine = ows.get((1, user_id))
        if mine:
            perms = (perms & ~mine.deny) | mine.allow
        if not perms & P.VIEW_CHANNEL:
            return 0
        return perms

    # -- payloads -------------------------------------------------------------------------------

    def to_payload(self) -> dict[str, Any]:
        """The REST shape (GET /guilds/{id})."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "icon_hash": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "region": "deprecated",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "widget_enabled": False,
            "widget_channel_id": None,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [
                r.to_payload() for r in sorted(self.roles.values(), key=lambda r: r.position)
            ],
            "emojis": [],
            "stickers": [],
            "features": list(self.features),
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": _opt_str(self.text_channels[0].id if self.text_channels else None),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_presences": None,
            "max_members": 500000,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.preferred_locale,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "nsfw_level": 0,
            "nsfw": False,
            "premium_progress_bar_enabled": False,
            "incidents_data": None,
        }

    def to_gateway_payload(self, *, members: list[FakeMember], joined_at: str) -> dict[str, Any]:
        """The GUILD_CREATE shape: REST guild plus channels, members and the other extra fields."""
        data = self.to_payload()
        data.update(
            unavailable=False,
            large=False,
            lazy=True,
            joined_at=joined_at,
            member_count=len(self.members),
            channels=[c.to_payload(with_guild_id=False) for c in self.channels.values()],
            members=[m.to_payload() for m in members],
            threads=[],
            presences=[],
            voice_states=[],
            stage_instances=[],
            guild_scheduled_events=[],
            soundboard_sounds=[],
            embedded_activities=[],
            application_command_counts={},
        )
        return data


def _opt_str(value: int | None) -> str | None:
    return None if value is None else str(value)


def _id(obj: Any) -> int:
    return int(obj.id) if hasattr(obj, "id") else int(obj)
