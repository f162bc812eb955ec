"""Links of the agenda's cards."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from vinculo.health.agenda import AgendaItem
from vinculo.vocab import Channel
from vinculo.web.selectors import FACT_PLAY_KINDS

register = template.Library()


@register.simple_tag
def log_url(item: AgendaItem) -> str:
    """The log form for this card, pre-filled: its person (or, for an account's matter,
    the account's people to pick from), the recommended channel, and the first play of
    the card that the reader can act on, one that a contact answers before a complaint or
    a promise (it can be marked done with the contact); saved, the form goes back to Today."""
    params: list[tuple[str, object]] = [("from", "agenda")]
    if item.person_id is not None:
        params.append(("person", item.person_id))
    elif item.account_id is not None:
        params.append(("account", item.account_id))
    if item.channel in Channel.values:
        params.append(("channel", item.channel))
    mine = [r for r in item.reasons if r.actionable and r.play_id is not None]
    contact = [r for r in mine if r.kind not in FACT_PLAY_KINDS]
    play = (contact or mine)[0].play_id if mine else None
    if play is not None:
        params.append(("play", play))
    return f"{reverse('web:interaction_new')}?{urlencode(params)}"
