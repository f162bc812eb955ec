"""Facts into sentences a manager reads, in the active language.

Snapshots and plays store facts, not sentences, so the same score reads in Spanish or
English depending on who looks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

Facts = dict[str, Any]


def _cadence(x: Facts) -> str:
    if x.get("days_since") is None:
        return _("No two-way contact recorded yet.")
    if x.get("agreed"):
        return _("Last two-way contact %(days)s days ago; agreed cadence: %(every)s days.") % {
            "days": x["days_since"],
            "every": x["every_days"],
        }
    return _("Last two-way contact %(days)s days ago; usual cadence: %(every)s days.") % {
        "days": x["days_since"],
        "every": x["every_days"],
    }


def _frequency(x: Facts) -> str:
    return _(
        "%(recent)s interactions in the last %(days)s days against %(prior)s in the %(days)s "
        "days before."
    ) % {"recent": x["recent"], "prior": x["prior"], "days": x["days"]}


def _depth(x: Facts) -> str:
    text = _("%(live)s live contacts and %(email)s emails in the last 90 days.") % {
        "live": x.get("live_recent", 0),
        "email": x.get("email_recent", 0),
    }
    if x.get("minutes_recent") is not None and x.get("minutes_prior") is not None:
        text += " " + _(
            "Meetings last %(now)s minutes on average, against %(before)s minutes before."
        ) % {"now": x["minutes_recent"], "before": x["minutes_prior"]}
    return text


def _level(x: Facts) -> str:
    if not x.get("levelled"):
        return _("No conversation level recorded in the last %(days)s days.") % {"days": x["days"]}
    return _(
        "%(high)s of the last %(known)s conversations were about strategy or a satisfaction "
        "review (%(days)s days)."
    ) % {"high": x["high"], "known": x["levelled"], "days": x["days"]}


def _promises(x: Facts) -> str:
    if not x.get("due"):
        return _("No promises due.")
    return _(
        "%(kept)s of %(due)s promises due kept on time; %(late)s kept late, %(broken)s broken, "
        "%(overdue)s overdue."
    ) % {
        "kept": x["kept_on_time"],
        "due": x["due"],
        "late": x["kept_late"],
        "broken": x["broken"],
        "overdue": x["overdue_open"],
    }


def _voice(x: Facts) -> str:
    if not x.get("open"):
        text = _("No open complaints.")
    else:
        text = ngettext(
            "%(open)s open complaint, %(late)s past its target; the oldest is %(oldest)s days old.",
            "%(open)s open complaints, %(late)s past their target; the oldest is %(oldest)s days "
            "old.",
            x["open"],
        ) % {"open": x["open"], "late": x["late"], "oldest": x["oldest_days"]}
    if x.get("resolution_days_avg") is not None:
        text += " " + _("Complaints of the last year took %(days)s days to resolve on average.") % {
            "days": x["resolution_days_avg"]
        }
    return text


def _initiative(x: Facts) -> str:
    return _(
        "%(recent)s initiatives brought in the last %(days)s days (%(accepted)s accepted)."
    ) % {"recent": x["recent"], "days": x["days"], "accepted": x["accepted"]}


def _value(x: Facts) -> str:
    if not x.get("items"):
        return _("No value delivered recorded in the last year.")
    return _("%(items)s value items in the last year; %(told)s told to the client.") % {
        "items": x["items"],
        "told": x["communicated"],
    }


def coverage_label(cls: str) -> str:
    return {"bow-tie": _("bow-tie"), "transitional": _("transitional"), "diamond": _("diamond")}[
        cls
    ]


def _coverage(x: Facts) -> str:
    return _(
        "%(cls)s: %(people)s of their people across %(tf)s functions talk to %(colleagues)s of "
        "ours; the busiest pair carries %(share)s%% of the contacts; %(dm_reached)s of "
        "%(dm)s decision makers reached."
    ) % {
        "cls": coverage_label(x.get("class", "bow-tie")).capitalize(),
        "people": x.get("people", 0),
        "tf": len(x.get("their_functions", [])),
        "colleagues": x.get("colleagues", 0),
        "share": round(100 * x.get("top_pair_share", 0)),
        "dm_reached": x.get("decision_makers_reached", 0),
        "dm": x.get("decision_makers", 0),
    }


def _growth(x: Facts) -> str:
    if "year" not in x:
        return _("No revenue recorded for the last two years.")
    share = x.get("wallet_share")
    text = (
        _("Wallet share %(share)s%% in %(year)s.")
        % {"share": round(100 * share), "year": x["year"]}
        if share is not None
        else _("Wallet unknown.")
    )
    return (
        text
        + " "
        + _(
            "%(lines)s of %(total)s product lines; revenue %(revenue)s against %(before)s the "
            "year before."
        )
        % {
            "lines": x["lines"],
            "total": x["total_lines"],
            "revenue": x["revenue"],
            "before": x["revenue_before"],
        }
    )


def _people(x: Facts) -> str:
    return _(
        "Health of %(scored)s people weighted by their role in decisions (%(dm)s decision makers)."
    ) % {"scored": x.get("scored", 0), "dm": x.get("decision_makers", 0)}


EXPLAINERS: dict[str, Callable[[Facts], str]] = {
    "cadence": _cadence,
    "frequency": _frequency,
    "depth": _depth,
    "level": _level,
    "promises": _promises,
    "voice": _voice,
    "initiative": _initiative,
    "value": _value,
    "coverage": _coverage,
    "growth": _growth,
    "people": _people,
}


def component_label(name: str) -> str:
    return {
        "cadence": _("Cadence"),
        "frequency": _("Frequency trend"),
        "depth": _("Depth"),
        "level": _("Conversation level"),
        "promises": _("Promises"),
        "voice": _("Voice of the client"),
        "initiative": _("Initiative"),
        "value": _("Value"),
        "coverage": _("Coverage"),
        "growth": _("Growth"),
        "people": _("People"),
    }.get(name, name)


def explain(name: str, facts: Facts) -> str:
    explainer = EXPLAINERS.get(name)
    return explainer(facts) if explainer else ""
