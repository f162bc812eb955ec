"""Links of the agenda's cards."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from vinculo.health.agenda import AgendaItem
from vinculo.vocab import Channel

register = template.Library()


@register.simple_tag
def log_url(item: AgendaItem) -> str:
    """The log form for this card, pre-filled: its person (or, for an account's matter,
    the account's people to pick from), the recommended channel, and the first play of
    the card that the reader can act on (the form goes back to Today and can mark it done)."""
    params: list[tuple[str, object]] = []
    if item.person_id is not None:
        params.append(("person", item.person_id))
    elif item.account_id is not None:
        params.append(("account", item.account_id))
    if item.channel in Channel.values:
        params.append(("channel", item.channel))
    play = next((r.play_id for r in item.reasons if r.actionable and r.play_id), None)
    if play is not None:
        params.append(("play", play))
    return f"{reverse('web:interaction_new')}?{urlencode(params)}"
