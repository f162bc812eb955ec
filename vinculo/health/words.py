"""The engine's words: facts into the sentences a manager reads, in the active language.

Snapshots and plays store facts, not sentences, so the same score or play reads in
Spanish or English depending on who looks. Every explanation of a component, every play's
reason and action, and the fairness reasons live here; nothing here reads the database.
Windows and counts come from the facts themselves (older facts without a window fall back
to the engine's default), never from a number written into a sentence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vinculo.health.config import EngineConfig
from vinculo.vocab import Function, Severity

Facts = dict[str, Any]

_DEFAULTS = EngineConfig()


class _Lenient(dict[str, Any]):
    """Facts for %-formatting: a key an older engine did not store reads as "?" rather
    than failing the page that shows it."""

    def __missing__(self, key: str) -> str:
        return "?"


def money(value: Any) -> str:
    """An amount in the reader's locale, whole units, grouped: 298.768 / 298,768."""
    try:
        number = round(float(value))
    except (TypeError, ValueError):
        return str(value)
    return number_format(number, decimal_pos=0, force_grouping=True)


def _hours(value: Any) -> str:
    try:
        return number_format(round(float(value), 1), decimal_pos=1, force_grouping=True)
    except (TypeError, ValueError):
        return str(value)


def day(value: Any) -> str:
    """A date stored in facts as ISO text, in the reader's one short date style."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, dt.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def _count(value: Any) -> int:
    """The number ngettext chooses the plural by (1 for facts an older engine lacks)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 1


def _cadence(x: Facts) -> str:
    if x.get("days_since") is None:
        return _("No two-way contact recorded yet.")
    words = {"days": x["days_since"], "every": x["every_days"]}
    if x.get("agreed"):
        return (
            ngettext(
                "Last two-way contact %(days)s day ago; agreed cadence: %(every)s days.",
                "Last two-way contact %(days)s days ago; agreed cadence: %(every)s days.",
                _count(x["days_since"]),
            )
            % words
        )
    return (
        ngettext(
            "Last two-way contact %(days)s day ago; usual cadence: %(every)s days.",
            "Last two-way contact %(days)s days ago; usual cadence: %(every)s days.",
            _count(x["days_since"]),
        )
        % words
    )


def _frequency(x: Facts) -> str:
    return ngettext(
        "%(recent)s interaction in the last %(days)s days against %(prior)s in the %(days)s "
        "days before.",
        "%(recent)s interactions in the last %(days)s days against %(prior)s in the %(days)s "
        "days before.",
        _count(x.get("recent", 0)),
    ) % {
        "recent": x.get("recent", 0),
        "prior": x.get("prior", 0),
        "days": x.get("days", _DEFAULTS.recent_days),
    }


def _depth(x: Facts) -> str:
    text = _("%(live)s live contacts and %(email)s emails in the last %(days)s days.") % {
        "live": x.get("live_recent", 0),
        "email": x.get("email_recent", 0),
        "days": x.get("days", _DEFAULTS.recent_days),
    }
    if x.get("minutes_recent") is not None and x.get("minutes_prior") is not None:
        text += " " + _(
            "Meetings last %(now)s minutes on average, against %(before)s minutes before."
        ) % {"now": x["minutes_recent"], "before": x["minutes_prior"]}
    return text


def _level(x: Facts) -> str:
    if not x.get("levelled"):
        return _("No conversation level recorded in the last %(days)s days.") % {
            "days": x.get("days", _DEFAULTS.level_window_days)
        }
    return _(
        "%(high)s of the last %(known)s conversations were about strategy or a satisfaction "
        "review (%(days)s days)."
    ) % {
        "high": x.get("high", 0),
        "known": x["levelled"],
        "days": x.get("days", _DEFAULTS.level_window_days),
    }


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
    ) % {
        "recent": x.get("recent", 0),
        "days": x.get("days", _DEFAULTS.initiative_window_days),
        "accepted": x.get("accepted", 0),
    }


def _value(x: Facts) -> str:
    days = x.get("days", _DEFAULTS.value_window_days)
    if not x.get("items"):
        return _("No value delivered recorded in the last %(days)s days.") % {"days": days}
    return _("%(items)s value items in the last %(days)s days; %(told)s told to the client.") % {
        "items": x["items"],
        "told": x.get("communicated", 0),
        "days": days,
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
            "revenue": money(x["revenue"]),
            "before": money(x["revenue_before"]),
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
    """One component's facts in a sentence."""
    explainer = EXPLAINERS.get(name)
    return explainer(_Lenient(facts or {})) if explainer else ""


# --- plays ---------------------------------------------------------------------------------


def _function(code: Any) -> str:
    return str(Function(code).label).lower() if code in Function.values else str(code or "")


def _severity(code: Any) -> str:
    return str(Severity(code).label).lower() if code in Severity.values else str(code or "")


def _silence_part(r: Facts) -> str:
    if r.get("rule") == "gap":
        return _("no word from them for %(gap)s days where they usually write every %(usual)s") % r
    if r.get("rule") == "unanswered":
        return _("%(count)s contacts of ours in a row without an answer") % r
    return _("their contacts fell from %(prior)s to %(recent)s in the last %(days)s days") % {
        "prior": r["prior"],
        "recent": r["recent"],
        "days": r.get("days", _DEFAULTS.recent_days),
    }


def fairness_reason(*, habitual: bool, outlier: bool, quarters: int, of_quarters: int) -> str:
    """Why an account's concessions stand out (the fairness page and the play)."""
    reasons = []
    if habitual:
        reasons.append(
            _("exceptions in %(n)s of the last %(of)s quarters")
            % {"n": quarters, "of": of_quarters}
        )
    if outlier:
        reasons.append(_("a rate far above the tier's median"))
    return "; ".join(reasons)


def introduction(facts: Facts) -> str:
    """One introduction a bow-tie play recommends, names and functions in words."""
    x = _Lenient(facts or {})
    return _("Introduce %(ours)s, %(our_function)s, to %(theirs)s, %(their_function)s.") % {
        "ours": x["ours"],
        "our_function": _function(x.get("our_function")),
        "theirs": x["theirs"],
        "their_function": _function(x.get("their_function")),
    }


def _reason_and_action(kind: str, x: Facts) -> tuple[str, str]:
    if kind == "cadence_overdue":
        return (
            ngettext(
                "Last two-way contact %(days)s day ago; the cadence is every %(every)s days.",
                "Last two-way contact %(days)s days ago; the cadence is every %(every)s days.",
                _count(x["days_since"]),
            )
            % {"days": x["days_since"], "every": x["every_days"]},
            _("Get in touch this week, by the agreed channel."),
        )
    if kind == "going_silent":
        parts = [_silence_part(_Lenient(r)) for r in x.get("reasons") or []]
        return (
            _("Going silent: %(what)s.") % {"what": "; ".join(parts)},
            _("Call them (don't write): ask openly how things are going with us."),
        )
    if kind == "meetings_shrinking":
        if "count_now" not in x:
            reason = (
                _("Meetings are getting shorter: %(now)s minutes on average, %(before)s before.")
                % x
            )
        else:
            reason = _(
                "Meetings are getting shorter: %(now)s minutes on average over %(count_now)s "
                "meetings in the last %(days)s days, against %(before)s minutes over "
                "%(count_before)s meetings the %(days)s days before."
            ) % _Lenient({**x, "days": x.get("days", _DEFAULTS.level_window_days)})
        return reason, _("Propose a longer meeting with an agenda of their own priorities.")
    if kind == "level_dropped":
        return (
            _("The last %(levelled)s conversations (%(days)s days) were only operational.") % x,
            _("Book a conversation about their plans for next year, or a satisfaction review."),
        )
    if kind == "single_channel":
        return (
            _("All %(count)s contacts of the last %(days)s days went through one channel.") % x,
            _("Try another channel or place: a visit, a call, an event."),
        )
    if kind == "promise_overdue":
        return (
            ngettext(
                "Promise “%(text)s” was due on %(due)s (%(days_late)s day ago).",
                "Promise “%(text)s” was due on %(due)s (%(days_late)s days ago).",
                _count(x["days_late"]),
            )
            % _Lenient({**x, "due": day(x["due"])}),
            _("Keep it now, or call to renegotiate the date before they have to ask."),
        )
    if kind == "promise_broken":
        return (
            _("Promise “%(text)s” was broken.") % x,
            _("Acknowledge it personally and offer a way to make up for it."),
        )
    if kind == "complaint_open":
        reason = (
            _("A %(severity)s complaint has been open for %(age)s days without an answer.")
            if not x.get("answered")
            else _("A %(severity)s complaint has been open for %(age)s days (target %(target)s).")
        )
        return (
            reason % _Lenient({**x, "severity": _severity(x.get("severity"))}),
            _("Answer today, give a date for the fix, and call back when it is solved."),
        )
    if kind == "bow_tie":
        intros = "; ".join(
            _("introduce our %(ours)s (%(our_function)s) to their %(theirs)s (%(their_function)s)")
            % _Lenient(
                {
                    **i,
                    "our_function": _function(i.get("our_function")),
                    "their_function": _function(i.get("their_function")),
                }
            )
            for i in x.get("introduce") or []
        )
        pair = list(x.get("pair") or ["?", "?"])
        return (
            _("Bow-tie: %(ours)s and %(theirs)s carry %(share)s%% of the relationship.")
            % {"ours": pair[0], "theirs": pair[1], "share": round(100 * float(x.get("share", 0)))},
            (intros[:1].upper() + intros[1:] + ".")
            if intros
            else _("Add people on both sides: meet someone new at this account."),
        )
    if kind == "no_initiative":
        return (
            _("No new idea or proposal brought in the last %(days)s days.") % x,
            _("Bring them one proposal that saves them time or money."),
        )
    if kind == "meal_without_new_contact":
        return (
            _("The meal of %(date)s added no new person to the relationship.")
            % _Lenient({**x, "date": day(x["date"])}),
            _("Next time, ask them to bring someone we don't know yet."),
        )
    if kind == "concession_outlier":
        why = fairness_reason(
            habitual=bool(x.get("habitual")),
            outlier=bool(x.get("outlier")),
            quarters=x.get("quarters", 0),
            of_quarters=x.get("of_quarters", _DEFAULTS.fairness_quarters),
        )
        return (
            _("Unequal treatment: %(why)s (%(count)s concessions in %(of)s quarters).")
            % {
                "why": why,
                "count": x["count"],
                "of": x.get("of_quarters", _DEFAULTS.fairness_quarters),
            },
            _("Review these exceptions against the standard policy before granting another."),
        )
    if kind == "contact_moved":
        if x.get("side") == "lost":
            return (
                _("A contact left %(from)s for %(to)s.") % x,
                _("Find who takes over at %(from)s, and congratulate them at %(to)s.") % x,
            )
        return (
            _("A contact from %(from)s now works at %(to)s.") % x,
            _("An opportunity: ask them for a first meeting at %(to)s.") % x,
        )
    if kind == "value_not_communicated":
        return (
            _("%(items)s value items delivered but never told to the client.") % x,
            _("Share them in the next business review."),
        )
    if kind == "reconsider":
        if "hours" not in x:
            reason = _("High effort for low, flat revenue compared with tier peers.")
        else:
            reason = _(
                "%(hours)s hours with them in the last %(days)s days (the portfolio's median: "
                "%(peer_hours)s) for a revenue of %(revenue)s in %(year)s (median: "
                "%(peer_revenue)s), not growing."
            ) % _Lenient(
                {
                    **x,
                    "hours": _hours(x["hours"]),
                    "peer_hours": _hours(x["peer_hours"]),
                    "revenue": money(x["revenue"]),
                    "peer_revenue": money(x["peer_revenue"]),
                }
            )
        return reason, _("Decide: invest with a growth plan, or serve it at lower cost.")
    if kind == "growth_opportunity":
        return (
            _("Wallet share or product lines well below tier peers."),
            _("Propose a product line they don't use yet."),
        )
    return "", ""


def reason_and_action(kind: str, facts: Facts) -> tuple[str, str]:
    """A play's readable reason and recommended action, in the active language.

    Plays store only facts; this renders them for the reader (web, API, CLI, agenda).
    """
    return _reason_and_action(kind, _Lenient(facts or {}))


# --- the agenda's lines that are not plays (health/agenda.py) ------------------------


def _days(count: int) -> str:
    return ngettext("%(count)s day", "%(count)s days", count) % {"count": count}


def contact_due_words(facts: dict[str, Any]) -> tuple[str, str]:
    since, every, due_in = facts["days_since"], facts["every_days"], facts["due_in"]
    if since is None:
        return (
            _("No two-way contact recorded yet; the cadence is every %(every)s.")
            % {"every": _days(every)},
            _("Book a first conversation."),
        )
    words = {"since": _days(since), "every": _days(every), "late": _days(max(0, -due_in))}
    if due_in > 0:
        reason = _(
            "Contact due in %(due)s: the last two-way contact was %(since)s ago; "
            "the cadence is every %(every)s."
        ) % (words | {"due": _days(due_in)})
    elif due_in == 0:
        reason = (
            _(
                "Contact due today: the last two-way contact was %(since)s ago; "
                "the cadence is every %(every)s."
            )
            % words
        )
    else:
        reason = (
            _(
                "Contact overdue by %(late)s: the last two-way contact was %(since)s ago; "
                "the cadence is every %(every)s."
            )
            % words
        )
    return reason, _("Get in touch before it is due, by the agreed channel.")


def promise_words(facts: dict[str, Any]) -> tuple[str, str]:
    return (
        _("Promise “%(text)s” is %(late)s late (due %(due)s).")
        % {"text": facts["text"], "late": _days(facts["days_late"]), "due": day(facts["due"])},
        _("Keep it now, or call to renegotiate the date before they have to ask."),
    )


def complaint_words(facts: dict[str, Any]) -> tuple[str, str]:
    words = {
        "severity": _severity(facts["severity"]),
        "age": _days(facts["age"]),
        "target": _days(facts["target"]),
        "summary": facts["text"],
    }
    reason = (
        _("Complaint of %(severity)s severity open for %(age)s, not answered yet: %(summary)s")
        if not facts["answered"]
        else _(
            "Complaint of %(severity)s severity open for %(age)s "
            "(answered; target %(target)s): %(summary)s"
        )
    )
    return (
        reason % words,
        _("Answer today, give a date for the fix, and call back when it is solved."),
    )


def red_account_words(facts: dict[str, Any]) -> tuple[str, str]:
    return (
        _("Account health is %(health)s, in the red; its owner is %(owner)s.") % facts,
        _("Review the account with %(owner)s this week.") % facts,
    )


def critical_complaint_words(facts: dict[str, Any]) -> tuple[str, str]:
    words = {
        "severity": _severity(facts["severity"]),
        "age": _days(facts["age"]),
        "owner": facts["owner"],
        "summary": facts["text"],
    }
    reason = (
        _(
            "Complaint of %(severity)s severity open for %(age)s, not answered yet "
            "(owner %(owner)s): %(summary)s"
        )
        if not facts["answered"]
        else _("Complaint of %(severity)s severity open for %(age)s (owner %(owner)s): %(summary)s")
    )
    return reason % words, _("Make sure %(owner)s answers today; offer to call them yourself.") % {
        "owner": facts["owner"]
    }


def untouched_words(facts: dict[str, Any], play_reason: str) -> tuple[str, str]:
    return (
        _("Left untouched by %(owner)s for %(days)s: %(reason)s")
        % {"owner": facts["owner"], "days": _days(facts["days"]), "reason": play_reason},
        _("Ask %(owner)s what is holding it up, or take it over.") % {"owner": facts["owner"]},
    )
