# ruff: noqa: ASYNC109  (``timeout=`` parameters are this test API's documented contract)
"""Interactions: building realistic INTERACTION_CREATE payloads (slash commands, autocomplete,
components, modal submits), dispatching them over the gateway, and the HTTP side that answers
them (``/interactions/{id}/{token}/callback`` and the ``/webhooks/{app}/{token}`` followups)."""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import validation
from .models import FakeChannel, FakeGuild, FakeMember, FakeRole, FakeUser, Snowflakes
from .records import (
    ApiError,
    FakeInteraction,
    Request,
    UploadedFile,
    invalid_form_body,
    unknown,
)

if TYPE_CHECKING:
    from .gateway import GatewaySession

# interaction type -> callback types Discord accepts for it
_ALLOWED_CALLBACKS: dict[int, set[int]] = {
    2: {4, 5, 9, 12},  # application command
    3: {4, 5, 6, 7, 9, 12},  # message component
    4: {8},  # autocomplete
    5: {4, 5, 6, 7},  # modal submit
}
CALLBACK_ROUTE = "POST /interactions/{interaction_id}/{token}/callback"
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
OptionsArg = dict[str, Any] | list[dict[str, Any]] | None


@dataclass(frozen=True)
class Sender:
    """Who sends an interaction, from where, with which permissions and in which language:
    what every ``send_*`` method takes as keyword arguments, as one value. ``None`` picks the
    default (the plain member bob, the first guild, its first text channel, the permissions
    the guild gives)."""

    user: FakeUser | None = None
    guild: FakeGuild | int | None = None
    channel: FakeChannel | int | str | None = None
    dm: bool = False
    roles: list[int | FakeRole] | None = None
    member_permissions: int | None = None
    app_permissions: int | None = None
    locale: str = "en-US"


def _infer_type(value: Any) -> int:
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    if isinstance(value, float):
        return 10
    if isinstance(value, FakeUser | FakeMember):
        return 6
    if isinstance(value, FakeChannel):
        return 7
    if isinstance(value, FakeRole):
        return 8
    if isinstance(value, dict) and "filename" in value:
        return 11
    return 3


def _find_def(defs: list[dict[str, Any]] | None, name: str) -> dict[str, Any] | None:
    return next((d for d in defs or [] if d.get("name") == name), None)


def _custom_ids(components: list[dict[str, Any]]) -> list[str]:
    found: list[str] = []
    for c in components or []:
        if c.get("custom_id"):
            found.append(c["custom_id"])
        for key in ("components", "accessory", "component"):
            inner = c.get(key)
            if isinstance(inner, dict):
                inner = [inner]
            if inner:
                found.extend(_custom_ids(inner))
    return found


def _ident(obj: Any) -> int:
    if isinstance(obj, FakeMember):
        return obj.user.id
    if isinstance(obj, FakeInteraction):
        return obj.id
    return int(obj.id) if hasattr(obj, "id") else int(obj)


class InteractionsMixin:
    """The interaction half of :class:`~tests.fakediscord.server.FakeDiscord`, which mixes
    it in and defines the state and helpers declared here."""

    ids: Snowflakes
    application_id: int
    bot_user: FakeUser
    user: FakeUser
    users: dict[int, FakeUser]
    guilds: dict[int, FakeGuild]
    dm_channels: dict[int, FakeChannel]
    commands: dict[int | None, dict[tuple[int, str], dict[str, Any]]]
    messages: dict[int, dict[str, Any]]
    deleted_messages: list[dict[str, Any]]
    _message_changed_at: dict[int, float]
    interactions: dict[int, FakeInteraction]
    _interactions_by_token: dict[str, FakeInteraction]
    requests: list[Request]
    interaction_deadline: float | None
    validate: bool
    port: int | None

    if TYPE_CHECKING:

        @property
        def guild(self) -> FakeGuild: ...

        def find_channel(self, channel_id: int) -> FakeChannel | None: ...

        async def wait_until_connected(self, timeout: float = 5.0) -> GatewaySession: ...

        async def wait_for(
            self, method_or_predicate: Callable[[Request], bool], *, timeout: float = 5.0
        ) -> Request: ...

        async def dispatch(
            self, event: str, data: Any, *, guild_id: int | None = None, timeout: float = 5.0
        ) -> None: ...

        def _new_message(
            self,
            channel_id: int,
            body: dict[str, Any],
            files: list[UploadedFile],
            *,
            msg_type: int = 0,
            flags: int = 0,
            ix: FakeInteraction | None = None,
        ) -> dict[str, Any]: ...

        def _edit_stored(
            self,
            msg: dict[str, Any],
            body: dict[str, Any],
            files: list[UploadedFile],
            *,
            mark_edited: bool = True,
        ) -> dict[str, Any]: ...

        async def _announce_message(self, msg: dict[str, Any]) -> None: ...

    # ------------------------------------------------------------------------------------------
    # building payloads
    # ------------------------------------------------------------------------------------------

    def _pick_guild(self, guild: FakeGuild | int | None) -> FakeGuild:
        if guild is None:
            return self.guild
        if isinstance(guild, FakeGuild):
            return guild
        return self.guilds[int(guild)]

    def _pick_channel(
        self, guild: FakeGuild | None, channel: FakeChannel | int | str | None, user: FakeUser
    ) -> FakeChannel:
        if isinstance(channel, FakeChannel):
            return channel
        if guild is None:  # a DM with the bot
            if channel is not None:
                return self.dm_channels[int(channel)]
            for ch in self.dm_channels.values():
                if ch.recipients and ch.recipients[0].id == user.id:
                    return ch
            ch = FakeChannel(id=self.ids.next(), name="", type=1, recipients=[user])
            self.dm_channels[ch.id] = ch
            return ch
        if channel is None:
            return guild.text_channels[0]
        if isinstance(channel, str) and not channel.isdigit():
            return guild.channel_named(channel.lstrip("#"))
        return guild.channels[int(channel)]

    def find_command(
        self, name: str, guild_id: int | None = None, type: int = 1
    ) -> dict[str, Any] | None:
        """The stored (synced) command: the guild's first, then the global one."""
        for scope in (guild_id, None) if guild_id is not None else (None,):
            cmd = self.commands.get(scope, {}).get((type, name))
            if cmd is not None:
                return cmd
        return None

    def _resolved_member(
        self,
        guild: FakeGuild,
        user: FakeUser,
        channel: FakeChannel,
        roles: list[int] | None = None,
        permissions: int | None = None,
    ) -> dict[str, Any]:
        member = guild.members.get(user.id)
        role_ids = roles if roles is not None else (member.roles if member else [])
        data = (member or FakeMember(user=user)).to_payload(with_user=False)
        data["roles"] = [str(r) for r in role_ids]
        if permissions is None:
            permissions = guild.permissions_for(user.id, channel.id, role_ids)
        data["permissions"] = str(permissions)
        return data

    def _option(
        self,
        name: str,
        value: Any,
        d: dict[str, Any] | None,
        resolved: dict[str, Any],
        guild: FakeGuild | None,
        channel: FakeChannel,
        focused: bool,
    ) -> dict[str, Any]:
        t = int(d["type"]) if d else _infer_type(value)
        opt: dict[str, Any] = {"name": name, "type": t}
        if focused:
            opt["focused"] = True
            opt["value"] = value if isinstance(value, str | int | float) else str(value)
            return opt
        if t == 3:
            opt["value"] = str(value)
        elif t == 4:
            opt["value"] = int(value)
        elif t == 5:
            opt["value"] = bool(value)
        elif t == 10:
            opt["value"] = value
        elif (
            t in (6, 9)
            and not (t == 9 and isinstance(value, FakeRole))
            and (isinstance(value, FakeUser | FakeMember) or _ident(value) in self.users)
        ):
            user = value.user if isinstance(value, FakeMember) else self.users[_ident(value)]
            resolved.setdefault("users", {})[str(user.id)] = user.to_payload()
            if guild is not None and user.id in guild.members:
                resolved.setdefault("members", {})[str(user.id)] = self._resolved_member(
                    guild, user, channel
                )
            opt["value"] = str(user.id)
        elif t in (8, 9):
            if guild is None:
                raise ValueError(f"role option {name!r} outside a guild")
            role = value if isinstance(value, FakeRole) else guild.roles[_ident(value)]
            resolved.setdefault("roles", {})[str(role.id)] = role.to_payload()
            opt["value"] = str(role.id)
        elif t == 7:
            ch = value if isinstance(value, FakeChannel) else self.find_channel(_ident(value))
            if ch is None:
                raise ValueError(f"unknown channel {value!r} for option {name!r}")
            data = ch.to_payload()
            if guild is not None:
                data["permissions"] = str(
                    guild.permissions_for(int(resolved.get("_invoker", 0)), ch.id)
                )
            resolved.setdefault("channels", {})[str(ch.id)] = data
            opt["value"] = str(ch.id)
        elif t == 11:
            info = dict(value) if isinstance(value, dict) else {"filename": str(value)}
            aid = self.ids.next()
            url = f"http://127.0.0.1:{self.port}/attachments/{channel.id}/{aid}/{info['filename']}"
            att = {"id": str(aid), "size": 0, "url": url, "proxy_url": url, "ephemeral": True}
            att.update(info)
            resolved.setdefault("attachments", {})[str(aid)] = att
            opt["value"] = str(aid)
        else:
            opt["value"] = value
        return opt

    def _command_data(
        self,
        name: str,
        options: OptionsArg,
        *,
        guild: FakeGuild | None,
        channel: FakeChannel,
        user: FakeUser,
        focused: str | None = None,
    ) -> tuple[dict[str, Any], str]:
        parts = name.strip().lstrip("/").split()
        if not parts:
            raise ValueError("empty command name")
        root = parts[0]
        cmd = self.find_command(root, guild.id if guild else None)
        resolved: dict[str, Any] = {"_invoker": str(user.id)}
        top: list[dict[str, Any]] = []
        current = top
        defs: list[dict[str, Any]] | None = cmd.get("options") if cmd else None
        for i, sub in enumerate(parts[1:]):
            d = _find_def(defs, sub)
            if cmd is not None and (d is None or d.get("type") not in (1, 2)):
                raise ValueError(
                    f"/{root} has no subcommand (group) {sub!r}; synced options: "
                    f"{[o.get('name') for o in defs or []]}"
                )
            t = int(d["type"]) if d else (2 if i < len(parts) - 2 else 1)
            node: dict[str, Any] = {"name": sub, "type": t, "options": []}
            current.append(node)
            current = node["options"]
            defs = d.get("options") if d else None
        if isinstance(options, list):
            current.extend(options)
        else:
            for key, value in (options or {}).items():
                d = _find_def(defs, key)
                if cmd is not None and d is None:
                    raise ValueError(
                        f"/{name} has no option {key!r}; synced options: "
                        f"{[o.get('name') for o in defs or []]}"
                    )
                current.append(
                    self._option(key, value, d, resolved, guild, channel, focused=key == focused)
                )
        resolved.pop("_invoker")
        data: dict[str, Any] = {
            "id": cmd["id"] if cmd else str(self.ids.next()),
            "name": root,
            "type": 1,
        }
        if top:
            data["options"] = top
        if resolved:
            data["resolved"] = resolved
        if cmd is not None and cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        return data, " ".join(parts)

    def _new_interaction(
        self,
        itype: int,
        data: dict[str, Any],
        sender: Sender,
        *,
        message: dict[str, Any] | None = None,
        command_name: str | None = None,
    ) -> FakeInteraction:
        user = sender.user or self.user
        g = None if sender.dm else self._pick_guild(sender.guild)
        ch = self._pick_channel(g, sender.channel, user)
        iid = self.ids.next()
        token = f"fakeix.{iid}.{secrets.token_urlsafe(32)}"
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "channel_id": str(ch.id),
            "channel": ch.to_payload(),
            "token": token,
            "version": 1,
            "locale": sender.locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        if g is not None:
            role_ids = [_ident(r) for r in sender.roles] if sender.roles is not None else None
            member = self._resolved_member(g, user, ch, role_ids, sender.member_permissions)
            member["user"] = user.to_payload()
            bot_perms = g.permissions_for(self.bot_user.id, ch.id)
            payload.update(
                guild_id=str(g.id),
                guild={"id": str(g.id), "locale": g.preferred_locale, "features": g.features},
                guild_locale=g.preferred_locale,
                member=member,
                app_permissions=str(
                    bot_perms if sender.app_permissions is None else sender.app_permissions
                ),
                authorizing_integration_owners={"0": str(g.id)},
                context=0,
            )
            payload["channel"]["permissions"] = member["permissions"]
        else:
            payload.update(
                user=user.to_payload(),
                app_permissions=str(sender.app_permissions or 0),
                authorizing_integration_owners={"0": "0"},
                context=1,
            )
        if message is not None:
            payload["message"] = message
        ix = FakeInteraction(
            id=iid,
            token=token,
            type=itype,
            payload=payload,
            dispatched_at=0.0,
            guild_id=g.id if g else None,
            channel_id=ch.id,
            user=user,
            command_name=command_name,
        )
        self.interactions[iid] = ix
        self._interactions_by_token[token] = ix
        return ix

    async def _dispatch_interaction(self, ix: FakeInteraction, timeout: float) -> FakeInteraction:
        await self.wait_until_connected(timeout)
        ix.dispatched_at = time.monotonic()
        await self.dispatch("INTERACTION_CREATE", ix.payload, guild_id=ix.guild_id)
        return ix

    # ------------------------------------------------------------------------------------------
    # public: sending interactions
    # ------------------------------------------------------------------------------------------

    async def send_command(
        self,
        name: str,
        options: OptionsArg = None,
        *,
        user: FakeUser | None = None,
        guild: FakeGuild | int | None = None,
        channel: FakeChannel | int | str | None = None,
        dm: bool = False,
        roles: list[int | FakeRole] | None = None,
        member_permissions: int | None = None,
        app_permissions: int | None = None,
        locale: str = "en-US",
        timeout: float = 5.0,
    ) -> FakeInteraction:
        """Dispatch a slash command. ``name`` may include subcommands: ``"city search"``,
        ``"admin data reload"``. ``options`` maps option name → value; types come from the
        synced definition (else inferred: bool, int, float, str, FakeUser/FakeMember, FakeChannel,
        FakeRole, {"filename":…} attachment); user/channel/role values may also be ids, and
        are added to ``data.resolved``. A raw list of option dicts is passed through."""
        sender = Sender(
            user, guild, channel, dm, roles, member_permissions, app_permissions, locale
        )
        return await self._send_app_command(2, name, options, None, sender, timeout)

    async def send_autocomplete(
        self,
        name: str,
        options: OptionsArg,
        *,
        focused: str | None = None,
        user: FakeUser | None = None,
        guild: FakeGuild | int | None = None,
        channel: FakeChannel | int | str | None = None,
        dm: bool = False,
        roles: list[int | FakeRole] | None = None,
        locale: str = "en-US",
        timeout: float = 5.0,
    ) -> FakeInteraction:
        """Dispatch an autocomplete interaction (type 4). ``focused`` names the option being
        typed (defaults to the only option); its value is sent as typed."""
        if focused is None and isinstance(options, dict):
            if len(options) != 1:
                raise ValueError("several options: say which one is focused=")
            focused = next(iter(options))
        sender = Sender(user, guild, channel, dm, roles, locale=locale)
        return await self._send_app_command(4, name, options, focused, sender, timeout)

    async def _send_app_command(
        self,
        itype: int,
        name: str,
        options: OptionsArg,
        focused: str | None,
        sender: Sender,
        timeout: float,
    ) -> FakeInteraction:
        """A slash command (type 2) or autocomplete (type 4) interaction, dispatched."""
        g = None if sender.dm else self._pick_guild(sender.guild)
        u = sender.user or self.user
        ch = self._pick_channel(g, sender.channel, u)
        data, qualified = self._command_data(
            name, options, guild=g, channel=ch, user=u, focused=focused
        )
        picked = dataclasses.replace(sender, user=u, guild=g, channel=ch)
        ix = self._new_interaction(itype, data, picked, command_name=qualified)
        return await self._dispatch_interaction(ix, timeout)

    def _message_arg(self, message: FakeInteraction | dict[str, Any] | int | str) -> dict[str, Any]:
        if isinstance(message, FakeInteraction):
            if message.original_message_id is None:
                raise ValueError(f"interaction {message.id} has no response message (yet)")
            return self.messages[message.original_message_id]
        if isinstance(message, dict):
            stored = self.messages.get(int(message["id"]))
            if stored is None:
                self.messages[int(message["id"])] = message
                return message
            return stored
        return self.messages[int(message)]

    async def send_component(
        self,
        custom_id: str,
        message: FakeInteraction | dict[str, Any] | int | str,
        *,
        component_type: int = 2,
        values: list[Any] | None = None,
        user: FakeUser | None = None,
        roles: list[int | FakeRole] | None = None,
        member_permissions: int | None = None,
        locale: str = "en-US",
        timeout: float = 5.0,
        settle: float = 0.05,
    ) -> FakeInteraction:
        """Click a button (``component_type`` 2) or pick ``values`` in a select (3; 5–8 for
        user/role/mentionable/channel selects) on ``message`` — a message payload, a message id,
        or the FakeInteraction whose response carries the component.

        The click is sent no sooner than ``settle`` seconds after the message was created or
        edited: the fake answers the callback before discord.py has read that answer and
        registered the view (``store_view``), and a human can't click that fast anyway."""
        msg = self._message_arg(message)
        changed = self._message_changed_at.get(int(msg["id"]))
        if changed is not None and (wait := settle - (time.monotonic() - changed)) > 0:
            await asyncio.sleep(wait)
        ids = _custom_ids(msg.get("components") or [])
        if custom_id not in ids:
            raise ValueError(f"message {msg['id']} has no component {custom_id!r} (has {ids})")
        channel = self.find_channel(int(msg["channel_id"]))
        if channel is None:
            raise ValueError(f"message {msg['id']} is in an unknown channel")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = [str(_ident(v)) if not isinstance(v, str) else v for v in values]
            if component_type in (5, 6, 7, 8):
                resolved: dict[str, Any] = {}
                guild = self.guilds.get(channel.guild_id) if channel.guild_id else None
                for v in values:
                    t = {5: 6, 6: 8, 8: 7}.get(component_type) or _infer_type(v)
                    self._option("_", v, {"type": t}, resolved, guild, channel, False)
                data["resolved"] = resolved
        sender = Sender(
            user,
            channel.guild_id,
            channel,
            dm=channel.guild_id is None,
            roles=roles,
            member_permissions=member_permissions,
            locale=locale,
        )
        ix = self._new_interaction(3, data, sender, message=msg)
        return await self._dispatch_interaction(ix, timeout)

    async def send_modal_submit(
        self,
        custom_id: str,
        fields: dict[str, str],
        *,
        message: FakeInteraction | dict[str, Any] | int | None = None,
        user: FakeUser | None = None,
        guild: FakeGuild | int | None = None,
        channel: FakeChannel | int | str | None = None,
        locale: str = "en-US",
        timeout: float = 5.0,
        settle: float = 0.05,
    ) -> FakeInteraction:
        """Submit a modal: ``fields`` maps each text input's custom_id to its value. Sent no
        sooner than ``settle`` s after the callback that opened that modal was answered (same
        reason as in ``send_component``)."""
        opened = [
            ix.responded_at or 0.0
            for ix in self.interactions.values()
            if ix.response_type == 9 and (ix.response_data or {}).get("custom_id") == custom_id
        ]
        if opened and (wait := settle - (time.monotonic() - max(opened))) > 0:
            await asyncio.sleep(wait)
        data = {
            "custom_id": custom_id,
            "components": [
                {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]}
                for k, v in fields.items()
            ],
        }
        msg = self._message_arg(message) if message is not None else None
        if msg is not None:
            channel = int(msg["channel_id"])
        sender = Sender(user, guild, channel, locale=locale)
        ix = self._new_interaction(5, data, sender, message=msg)
        return await self._dispatch_interaction(ix, timeout)

    # ------------------------------------------------------------------------------------------
    # public: inspecting responses
    # ------------------------------------------------------------------------------------------

    def callbacks_for(self, interaction: FakeInteraction | int) -> list[Request]:
        """Every callback POST for that interaction (failed and injected ones included)."""
        prefix = f"/interactions/{_ident(interaction)}/"
        return [r for r in self.requests if r.route == CALLBACK_ROUTE and r.path.startswith(prefix)]

    async def wait_for_callback(
        self, interaction: FakeInteraction | int, timeout: float = 5.0
    ) -> Request:
        """The callback that was accepted (2xx) for that interaction."""
        prefix = f"/interactions/{_ident(interaction)}/"
        return await self.wait_for(
            lambda r: r.route == CALLBACK_ROUTE and r.path.startswith(prefix) and r.ok,
            timeout=timeout,
        )

    def followups_for(self, interaction: FakeInteraction | int) -> list[Request]:
        """Requests on the interaction's webhook (followups, @original edits/gets/deletes)."""
        ix = self.interactions[_ident(interaction)]
        prefix = f"/webhooks/{self.application_id}/{ix.token}"
        return [r for r in self.requests if r.path.startswith(prefix)]

    def response_message(self, interaction: FakeInteraction | int) -> dict[str, Any] | None:
        """The interaction's original response message as it is now (None if none/deleted)."""
        ix = self.interactions[_ident(interaction)]
        if ix.original_message_id is None:
            return None
        return self.messages.get(ix.original_message_id)

    # ------------------------------------------------------------------------------------------
    # HTTP: callback and webhook routes
    # ------------------------------------------------------------------------------------------

    async def _interaction_callback(
        self, req: Request, interaction_id: str, token: str
    ) -> tuple[int, Any]:
        ix = self.interactions.get(int(interaction_id))
        if ix is None or ix.token != token:
            raise unknown("interaction", 10062)
        if ix.acknowledged:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        if (
            self.interaction_deadline is not None
            and time.monotonic() - ix.dispatched_at > self.interaction_deadline
        ):
            raise unknown("interaction", 10062)
        body = req.json or {}
        cb = body.get("type")
        data = body.get("data") or {}
        if cb not in _ALLOWED_CALLBACKS.get(ix.type, set()):
            raise invalid_form_body(
                {
                    "type": (
                        "INTERACTION_RESPONSE_TYPE_INVALID",
                        f"Callback type {cb} is not valid for interaction type {ix.type}",
                    )
                }
            )
        msg: dict[str, Any] | None = None
        msg_type = 20 if ix.type == 2 else 0
        if cb == 4:
            if self.validate:
                validation.check_message(data, len(req.files))
            msg = self._new_message(
                ix.channel_id,
                data,
                req.files,
                msg_type=msg_type,
                flags=int(data.get("flags") or 0) & 64,
                ix=ix,
            )
        elif cb == 5:
            msg = self._new_message(
                ix.channel_id,
                {},
                [],
                msg_type=msg_type,
                flags=128 | (int(data.get("flags") or 0) & 64),
                ix=ix,
            )
        elif cb in (6, 7):
            source = ix.payload.get("message")
            if source is None:
                raise invalid_form_body(
                    {"type": ("INTERACTION_RESPONSE_TYPE_INVALID", "No message to update")}
                )
            msg = self._message_arg(source)
            if cb == 7:
                if self.validate:
                    validation.check_message(data, len(req.files), edit=True)
                self._edit_stored(msg, data, req.files)
        elif cb == 8:
            if self.validate:
                validation.check_autocomplete(data)
        elif cb == 9 and self.validate:
            problems: dict[str, tuple[str, str]] = {}
            validation._length(problems, "data.title", data.get("title"), 1, 45)
            validation._length(problems, "data.custom_id", data.get("custom_id"), 1, 100)
            if not 1 <= len(data.get("components") or []) <= 5:
                problems["data.components"] = (
                    "BASE_TYPE_BAD_LENGTH",
                    "Must be between 1 and 5 in length.",
                )
            if problems:
                raise invalid_form_body(problems)
        ix.acknowledged = True
        ix.responded_at = time.monotonic()
        ix.response_type = cb
        ix.response_data = data
        if msg is not None:
            ix.original_message_id = int(msg["id"])
        if cb == 4 and msg is not None:
            await self._announce_message(msg)
        if req.query.get("with_response") not in ("1", "true", "True"):
            return 204, None
        inter: dict[str, Any] = {"id": str(ix.id), "type": ix.type}
        if msg is not None:
            inter.update(
                response_message_id=msg["id"],
                response_message_loading=cb == 5,
                response_message_ephemeral=bool(msg["flags"] & 64),
            )
        resp: dict[str, Any] = {"interaction": inter}
        if msg is not None and cb in (4, 5, 7):
            resp["resource"] = {"type": cb, "message": msg}
        elif cb == 9:
            resp["resource"] = {"type": cb}
        return 200, resp

    def _webhook_interaction(self, app_id: str, token: str) -> FakeInteraction:
        ix = self._interactions_by_token.get(token)
        # Discord creates the followup webhook only once the interaction was acknowledged.
        if int(app_id) != self.application_id or ix is None or not ix.acknowledged:
            raise unknown("Webhook", 10015)
        return ix

    def _webhook_message(self, ix: FakeInteraction, message: str) -> dict[str, Any]:
        if message == "@original":
            mid = ix.original_message_id
        else:
            mid = int(message)
            if mid != ix.original_message_id and mid not in ix.followup_ids:
                mid = None
        if mid is None or mid not in self.messages:
            raise unknown("Message", 10008)
        return self.messages[mid]

    async def _webhook_execute(self, req: Request, app_id: str, token: str) -> tuple[int, Any]:
        ix = self._webhook_interaction(app_id, token)
        body = req.json or {}
        if self.validate:
            validation.check_message(body, len(req.files))
        original = self.messages.get(ix.original_message_id or 0)
        if ix.response_type == 5 and original is not None and original["flags"] & 128:
            # The first followup after a "thinking" defer replaces the loading message.
            msg = self._edit_stored(
                original, {"content": None, **body}, req.files, mark_edited=False
            )
        else:
            msg = self._new_message(
                ix.channel_id, body, req.files, flags=int(body.get("flags") or 0) & 64, ix=ix
            )
            ix.followup_ids.append(int(msg["id"]))
            await self._announce_message(msg)
        if req.query.get("wait") in ("1", "true", "True"):
            return 200, msg
        return 204, None

    async def _webhook_get(
        self, req: Request, app_id: str, token: str, message: str
    ) -> tuple[int, Any]:
        ix = self._webhook_interaction(app_id, token)
        return 200, self._webhook_message(ix, message)

    async def _webhook_edit(
        self, req: Request, app_id: str, token: str, message: str
    ) -> tuple[int, Any]:
        ix = self._webhook_interaction(app_id, token)
        msg = self._webhook_message(ix, message)
        body = req.json or {}
        if self.validate:
            validation.check_message(body, len(req.files), edit=True)
        return 200, self._edit_stored(msg, body, req.files)

    async def _webhook_delete(
        self, req: Request, app_id: str, token: str, message: str
    ) -> tuple[int, Any]:
        ix = self._webhook_interaction(app_id, token)
        msg = self._webhook_message(ix, message)
        self.deleted_messages.append(self.messages.pop(int(msg["id"])))
        return 204, None
