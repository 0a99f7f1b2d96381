"""Previous/Next buttons over pages, usable only by the member who asked.

The pages come from one snapshot (a ``Sequence[Card]``, each rendered when shown: see
``answers.BrowsePages``), so paging never mixes data versions. After the timeout the buttons
are disabled in place, so nobody clicks a dead button.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import discord

from bot.i18n import lang_of, tr
from bot.render import Card, to_embed

log = logging.getLogger(__name__)

PAGE_TIMEOUT = 180.0


class Paginator(discord.ui.View):
    """A view that flips through ``pages`` for ``owner_id`` only."""

    def __init__(self, pages: Sequence[Card], owner_id: int, lang: str = "en") -> None:
        super().__init__(timeout=PAGE_TIMEOUT)
        self.pages = pages
        self.owner_id = owner_id
        self.page = 0
        self.message_interaction: discord.Interaction | None = None
        self.previous.label = tr("browse.previous", lang)
        self.next.label = tr("browse.next", lang)
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        self.previous.disabled = self.page <= 0
        self.next.disabled = self.page >= len(self.pages) - 1

    def embed(self) -> discord.Embed:
        return to_embed(self.pages[self.page])

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            tr("browse.not_yours", lang_of(interaction.locale)), ephemeral=True
        )
        return False

    async def _show(self, interaction: discord.Interaction, delta: int) -> None:
        self.page = min(max(self.page + delta, 0), len(self.pages) - 1)
        self._sync_buttons()
        await interaction.response.edit_message(embed=self.embed(), view=self)

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary, emoji="◀️")
    async def previous(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        await self._show(interaction, -1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.primary, emoji="▶️")
    async def next(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        await self._show(interaction, +1)

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self.message_interaction is None:
            return
        try:
            await self.message_interaction.edit_original_response(view=self)
        except discord.HTTPException as exc:  # message deleted, token expired...
            log.debug("could not disable paginator buttons: %s", exc)
