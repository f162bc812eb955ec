"""Links of the agenda's cards, built once per page: ``play_urls()`` reverses each URL
once with a placeholder id, and ``with_id`` puts a card's id in it (a Today page has
~60 cards and up to three plays each: a ``reverse()`` per link was most of its time)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from vinculo.health.agenda import AgendaItem
from vinculo.vocab import Channel
from vinculo.web.selectors import FACT_PLAY_KINDS

register = template.Library()

# Never a real id in a URL of this site: it stands for the id ``with_id`` puts in.
PLACEHOLDER = "2147483647"


def play_urls() -> dict[str, str]:
    """The URLs of a page's cards and plays, with ``PLACEHOLDER`` for the id."""
    one = [PLACEHOLDER]
    return {
        "person": reverse("web:person", args=one),
        "account": reverse("web:account", args=one),
        "log": reverse("web:interaction_new"),
        "play": reverse("web:play", args=one),
        "done": reverse("web:play_done", args=one),
        "snooze": reverse("web:play_snooze", args=one),
        "dismiss": reverse("web:play_dismiss", args=one),
        "close_complaint": reverse("web:item_close", args=["complaints", PLACEHOLDER]),
        "close_promise": reverse("web:item_close", args=["promises", PLACEHOLDER]),
    }


@register.filter
def with_id(url: str, pk: object) -> str:
    """One of ``play_urls()`` with this id."""
    return url.replace(PLACEHOLDER, str(pk))


@register.simple_tag(takes_context=True)
def close_url(context: Any, fact: object, play_kind: str) -> str:
    """Where Done on a complaint play (resolve it) or an overdue promise's (close it)
    opens its form; "" for a play that Done closes by itself."""
    if not isinstance(fact, tuple | list) or len(fact) < 2:
        return ""
    urls = context.get("urls") or play_urls()
    if fact[0] == "complaint":
        return with_id(urls["close_complaint"], fact[1])
    if fact[0] == "commitment" and play_kind == "promise_overdue":
        return with_id(urls["close_promise"], fact[1])
    return ""


@register.simple_tag(takes_context=True)
def log_url(context: template.Context, item: AgendaItem) -> str:
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
    base = (context.get("urls") or {}).get("log") or reverse("web:interaction_new")
    return f"{base}?{urlencode(params)}"
