"""The pages: thin functions that read through selectors and write through services."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, Page, Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from vinculo.access import rules
from vinculo.audit.views import history_context
from vinculo.commitments.services import commitment_record
from vinculo.health import selectors as health_selectors
from vinculo.health.agenda import agenda_for, fact_of_play
from vinculo.health.config import EngineConfig
from vinculo.health.models import Play, PlayKind
from vinculo.health.peers import LOST, QUADRANTS, portfolio_quadrants
from vinculo.health.readers import engine_config
from vinculo.health.selectors import FairnessRow
from vinculo.health.services import play_dismiss, play_done, play_reopen, play_snooze
from vinculo.health.words import (
    coverage_label,
    fairness_reason,
    reason_and_action,
)
from vinculo.interactions.levels import suggest_level, suggest_stored_level
from vinculo.interactions.models import Interaction
from vinculo.interactions.services import SUMMARY_MAX_LENGTH, interaction_log
from vinculo.people import selectors as people_selectors
from vinculo.people.models import Account, Colleague, Person
from vinculo.users.models import User
from vinculo.vocab import Channel, Level, Tier
from vinculo.web import (
    account_page,
    charts,
    item_views,
    lists,
    person_time,
    report_views,
    selectors,
    time_travel,
)
from vinculo.web.access import AuthedHttpRequest, require_reader_of_reports, require_writer
from vinculo.web.forms import InteractionForm
from vinculo.web.selectors import FACT_PLAY_KINDS
from vinculo.web.templatetags.vinculo_agenda import close_url, play_urls

LIST_PAGE_SIZE = 50
# The files a list can be downloaded as (vinculo.exchange.views), with their button's words.
ACCOUNT_EXPORTS = (("csv", "CSV"), ("xlsx", "Excel"))
PEOPLE_EXPORTS = (*ACCOUNT_EXPORTS, ("vcf", "vCard"))


def _sort_links(current: str, keys: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """For each sortable column: the sort value its link sets and its aria-sort state.

    A click on the column that is already sorted reverses it; any other starts ascending.
    """
    links = {}
    for key in keys:
        if current == key:
            links[key] = {"sort": f"-{key}", "aria": "ascending"}
        elif current == f"-{key}":
            links[key] = {"sort": key, "aria": "descending"}
        else:
            links[key] = {"sort": key, "aria": "none"}
    return links


def _query_without(request: AuthedHttpRequest, *names: str) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


@require_GET
def home(request: AuthedHttpRequest) -> HttpResponse:
    """People list (M1): the primary list is of people, not companies."""
    chosen, people = lists.people_for(request.GET, user=request.user)
    query, sort, scope = chosen.query, chosen.sort, chosen.scope
    page = _list_page(people, request.GET.get("page"))
    context = {
        "page": page,
        "query": query,
        "sort": sort,
        "scope": scope,
        # The filters (M1, web.lists.people_for): chosen values and their choices.
        "chosen": chosen,
        "filter_choices": lists.people_filter_choices(user=request.user),
        "export_formats": PEOPLE_EXPORTS,
        "sorts": _sort_links(sort, people_selectors.PEOPLE_SORTS),
        "query_without_sort": _query_without(request, "sort", "page"),
        "query_without_page": _query_without(request, "page"),
    }
    if request.htmx and request.htmx.target == "people-results":
        return render(request, "web/_people_results.html", context)
    return render(request, "web/people_list.html", context)


@require_GET
def person_detail(request: AuthedHttpRequest, person_id: int) -> HttpResponse:
    # 404 unless the user may read them (access.rules), in the profile's query
    # and whether they may see the personal facts, too
    readable = rules.with_personal_facts_flag(request.user, rules.visible_people(request.user))
    person = people_selectors.person_profile(
        person_id=person_id,
        people=readable,
        account_ids=rules.readable_account_ids(request.user),
    )
    page, entries = selectors.person_timeline(
        person=person, page=request.GET.get("page", 1), reader=request.user
    )
    if request.htmx and request.htmx.target == "timeline":
        return render(
            request, "web/_timeline.html", {"person": person, "page": page, "entries": entries}
        )
    jobs = person.all_jobs  # type: ignore[attr-defined]
    # M18: only for the owner's team and admins; the read is recorded.
    personal_facts = rules.personal_facts_for(
        request.user,
        person,
        visible=person.facts_visible,  # type: ignore[attr-defined]
    )
    today = timezone.localdate()
    cfg = engine_config()
    health, history = _health_reads(today=today, person=person, cfg=cfg)
    context = {
        "person": person,
        "personal_facts": personal_facts,
        "current_jobs": [job for job in jobs if job.end is None],
        "past_jobs": [job for job in jobs if job.end is not None],
        "items": item_views.sections(person=person),
        "page": page,
        "entries": entries,
        "health": health,
        "travel": time_travel.time_travel(request, person=person, cfg=cfg),
        "history": history,
        "person_time": person_time.person_time(person=person),
    } | history_context(request.user, person, sees_personal_facts=personal_facts is not None)
    return render(request, "web/person_detail.html", context)


@require_GET
def account_list(request: AuthedHttpRequest) -> HttpResponse:
    chosen, accounts = lists.accounts_for(request.GET, user=request.user)
    query, sort = chosen.query, chosen.sort
    page = _list_page(accounts, request.GET.get("page"))
    context = {
        "page": page,
        "query": query,
        "sort": sort,
        "export_formats": ACCOUNT_EXPORTS,
        "sorts": _sort_links(sort, people_selectors.ACCOUNT_SORTS),
        "query_without_sort": _query_without(request, "sort", "page"),
        "query_without_page": _query_without(request, "page"),
    }
    if request.htmx and request.htmx.target == "account-results":
        return render(request, "web/_account_results.html", context)
    return render(request, "web/account_list.html", context)


@require_GET
def account_detail(request: AuthedHttpRequest, account_id: int) -> HttpResponse:
    # 404 unless the user may read it (access.rules), in the profile's query
    account = people_selectors.account_profile(
        account_id=account_id, accounts=rules.visible_accounts(request.user)
    )
    page, entries = selectors.account_timeline(
        account=account, page=request.GET.get("page", 1), reader=request.user
    )
    if request.htmx and request.htmx.target == "timeline":
        return render(
            request, "web/_timeline.html", {"account": account, "page": page, "entries": entries}
        )
    today = timezone.localdate()
    cfg = engine_config()
    # One coverage, as the engine counts it: the graph and its table are the same pairs.
    graph = health_selectors.coverage_graph(account=account, as_of=today, cfg=cfg)
    health, history = _health_reads(today=today, account=account, cfg=cfg)
    # One read of the value items for their section and the ledger.
    values = account_page.value_items(account=account, today=today)
    context = {
        "account": account,
        "people": people_selectors.account_people(account=account),
        "coverage": people_selectors.CoverageTable(
            colleagues=[(node.id, node.name) for node in graph.colleagues],
            people=[(node.id, node.name) for node in graph.people],
            counts={(ours, theirs): n for ours, theirs, n in graph.edges},
            since=timezone.now() - dt.timedelta(days=cfg.coverage_window_days),
        ),
        "coverage_days": cfg.coverage_window_days,
        "coverage_graph": charts.bipartite(graph),
        "items": item_views.sections(account=account, rows={"value": values.section}),
        "page": page,
        "entries": entries,
        "health": health,
        "introductions": account_page.introductions(health["plays"]),
        "growth": account_page.growth(account=account, today=today),
        "ledger": account_page.ledger(account=account, today=today, values=values.ledger),
        "travel": time_travel.time_travel(request, account=account, cfg=cfg),
        "history": history,
    } | history_context(request.user, account)
    return render(request, "web/account_detail.html", context)


def _int_list(values: list[str]) -> list[int]:
    return [int(value) for value in values if value.isdigit()]


# The conversation a play asks for, where its action names one.
PLAY_LEVEL: dict[str, str] = {PlayKind.LEVEL_DROPPED: Level.STRATEGIC}


def _one_of(value: str, choices: list[str]) -> str | None:
    return value if value in choices else None


def _initial_log(
    request: AuthedHttpRequest, colleague: Colleague | None, play: Play | None
) -> dict[str, Any]:
    """The form's start: the people and channel asked for (a Today card's link), our
    colleague, and the play's level and "mark done" where it has them."""
    initial: dict[str, Any] = {
        "people": _int_list(request.GET.getlist("person")),
        "colleagues": [colleague.pk] if colleague else [],
    }
    if channel := _one_of(request.GET.get("channel", ""), Channel.values):
        initial["channel"] = channel
    if level := _one_of(request.GET.get("level", ""), Level.values):
        initial["level"] = level
    if play is not None:
        initial["play"] = play.pk
        initial["play_done"] = play.kind not in FACT_PLAY_KINDS
        if play.kind in PLAY_LEVEL and "level" not in initial:
            initial["level"] = str(PLAY_LEVEL[play.kind])
    return initial


def _play_of(user: User, raw: object) -> Play | None:
    """The user's play with that id (404 if it is not theirs), or None without one."""
    if raw in (None, ""):
        return None
    try:
        play_id = int(str(raw))
    except ValueError as error:
        raise Http404 from error
    return get_object_or_404(_my_plays(user), pk=play_id)


@require_http_methods(["GET", "POST"])
def interaction_new(request: AuthedHttpRequest) -> HttpResponse:
    """Log an interaction through interaction_log; viewers get 403 before anything else,
    and a person, account or play the user may not read is not there (404): nothing is
    written. A promise typed in the form is recorded with it (commitment_record, one
    transaction); opened from a Today card, the form goes back to Today, the card's play
    marked done when the user leaves that ticked."""
    user = require_writer(request)
    colleague = people_selectors.colleague_for_user(user=user)
    account = None
    if account_id := request.GET.get("account", ""):
        account = rules.account_for(user, int(account_id)) if account_id.isdigit() else None
    within = rules.changeable_people(user)
    play = _play_of(user, request.POST.get("play") or request.GET.get("play"))
    from_today = play is not None or request.GET.get("from") == "agenda"
    if request.method == "POST":
        rules.people_for_change(user, _int_list(request.POST.getlist("people")))
        form = InteractionForm(request.POST)
        form.fields["people"].queryset = within  # type: ignore[attr-defined]
        if form.is_valid():
            data = form.cleaned_data
            # In the order they were ticked: the first one is whose page we go back to.
            order = form.selected_people_ids()
            people = sorted(data["people"], key=lambda person: order.index(person.pk))
            ours = sorted(data["colleagues"], key=lambda c: c.pk != getattr(colleague, "pk", 0))
            try:
                with transaction.atomic():
                    interaction = interaction_log(
                        started_at=data["started_at"],
                        duration_min=data["duration_min"],
                        channel=data["channel"],
                        direction=data["direction"],
                        level=data["level"],
                        place=data["place"],
                        summary=data["summary"],
                        people=people,
                        colleagues=ours,
                        actor=user,
                        require_our_side=True,
                    )
                    promise = (data["promise"] or "").strip()
                    if promise:
                        _promise_record(form, interaction, people[0], ours[0], promise, user)
                    if play is not None and data["play_done"]:
                        _play_done_quietly(play, user)
            except ValidationError as error:
                form.add_service_errors(error, {"text": "promise", "due": "promise_due"})
            else:
                messages.success(request, _("Interaction logged."))
                if from_today:
                    return redirect("web:agenda")
                return redirect(people[0])
    else:
        form = InteractionForm(initial=_initial_log(request, colleague, play))
    selected = people_selectors.people_choices(
        ids=form.selected_people_ids(), limit=None, within=within
    )
    suggestions = (
        people_selectors.people_choices(
            account=account, exclude=[p.pk for p in selected], within=within
        )
        if account is not None
        else []
    )
    # The cursor starts where the typing starts: the summary when the people are known.
    first = "summary" if selected else "people"
    if first == "summary":
        form.fields["summary"].widget.attrs["autofocus"] = True
    return render(
        request,
        "web/interaction_form.html",
        {
            "form": form,
            "selected": selected,
            "suggestions": suggestions,
            "account": account,
            "ours": selectors.colleague_choices(ids=form.selected_colleague_ids()),
            "play": play,
            "play_reason": reason_and_action(play.kind, play.facts)[0] if play else "",
            "focus_people": first == "people",
            "back": reverse("web:agenda") if from_today else None,
        },
    )


def _promise_record(
    form: InteractionForm,
    interaction: Interaction,
    person: Person,
    colleague: Colleague,
    text: str,
    user: User,
) -> None:
    """The promise made in the contact: ours, to its first person, on the contact's day."""
    commitment_record(
        text=text,
        made_on=timezone.localtime(interaction.started_at).date(),
        due=form.cleaned_data["promise_due"],
        person=person,
        colleague=colleague,
        interaction=interaction,
        actor=user,
    )


def _play_done_quietly(play: Play, user: User) -> None:
    """Mark the card's play done; one closed meanwhile (by the engine, in another tab) is
    left as it is: the contact is logged all the same."""
    with contextlib.suppress(ValidationError):
        play_done(play=play, actor=user)


@require_GET
def colleague_options(request: AuthedHttpRequest) -> HttpResponse:
    """Our side's picker: the colleagues matching a search, leaving out those chosen."""
    require_writer(request)
    query = request.GET.get("q", "").strip()
    options = (
        selectors.colleague_choices(
            query=query, exclude=_int_list(request.GET.getlist("colleagues"))
        )
        if query
        else []
    )
    return render(request, "web/_colleague_options.html", {"options": options, "query": query})


@require_GET
def people_options(request: AuthedHttpRequest) -> HttpResponse:
    """The picker's matches for a search, leaving out the people already chosen."""
    user = require_writer(request)
    query = request.GET.get("q", "").strip()
    options = (
        people_selectors.people_choices(
            query=query,
            exclude=_int_list(request.GET.getlist("people")),
            within=rules.changeable_people(user),
        )
        if query
        else []
    )
    return render(request, "web/_people_options.html", {"options": options, "query": query})


def _list_page(items: Any, raw: str | None) -> Page:
    """The page asked for: not a number is page 1, a page past the last (or below the
    first) is not there (404) rather than quietly the last one."""
    try:
        number = int(raw or 1)
    except (TypeError, ValueError):
        number = 1
    try:
        return Paginator(items, LIST_PAGE_SIZE).page(number)
    except EmptyPage as error:
        raise Http404(_("There is no page %(number)d.") % {"number": number}) from error


@require_GET
def level_suggestion(request: AuthedHttpRequest) -> HttpResponse:
    """The level the notes suggest, live as the user types (the log form's summary). Only
    shown: a weak suggestion says so and no level is chosen for the user."""
    require_writer(request)
    summary = request.GET.get("summary", "")[:SUMMARY_MAX_LENGTH]
    suggestion = suggest_level(summary) if summary.strip() else None
    strong = suggest_stored_level(summary) if suggestion is not None else None
    return render(
        request,
        "web/_level_suggestion.html",
        {"suggestion": suggestion, "strong": strong is not None},
    )


# --- relationship intelligence --------------------------------------------------------

HISTORY_DAYS = 180
SNOOZE_DAYS = 7
# The page lists this many of the later items unless asked for all (the API has them all).
AGENDA_LATER_SHOWN = 50


@require_GET
def agenda(request: AuthedHttpRequest) -> HttpResponse:
    """What to do today, most important first (the landing page after sign-in)."""
    today = timezone.localdate()
    result = agenda_for(day=today, user=request.user)
    show_all = request.GET.get("later") == "all"
    later = result.later if show_all else result.later[:AGENDA_LATER_SHOWN]
    can_act = request.user.can_write
    snoozed, dismissed = (
        selectors.put_aside_counts(_my_plays(request.user), today) if can_act else (0, 0)
    )
    return render(
        request,
        "web/agenda.html",
        {
            "nav": "agenda",
            "agenda": result,
            "later": later,
            "later_hidden": len(result.later) - len(later),
            "show_all": show_all,
            "today": today,
            "snooze_default": today + dt.timedelta(days=SNOOZE_DAYS),
            "urls": play_urls(),
            "can_act": can_act,
            "snoozed_count": snoozed,
            "dismissed_count": dismissed,
        },
    )


@require_GET
def agenda_aside(request: AuthedHttpRequest) -> HttpResponse:
    """The plays the user snoozed or dismissed, with when and why, each one click from
    coming back (viewers, who have none, get 403 as for every play action)."""
    user = require_writer(request)
    today = timezone.localdate()
    snoozed, dismissed = selectors.put_aside(_my_plays(user), today)

    def rows(plays: list[Play]) -> list[dict[str, Any]]:
        return [{"play": p, "reason": reason_and_action(p.kind, p.facts)[0]} for p in plays]

    counts = selectors.put_aside_counts(_my_plays(user), today)
    return render(
        request,
        "web/agenda_aside.html",
        {
            "nav": "agenda",
            "snoozed": rows(snoozed),
            "dismissed": rows(dismissed),
            "snoozed_count": counts[0],
            "dismissed_count": counts[1],
            "today": today,
        },
    )


def _play_response(request: AuthedHttpRequest, play: Play, message: str) -> HttpResponse:
    if request.htmx:
        return render(request, "web/_play_closed.html", {"play": play, "message": message})
    messages.success(request, message)
    return redirect("web:agenda")


def _play_error(request: AuthedHttpRequest, play: Play, error: ValidationError) -> HttpResponse:
    text = " ".join(error.messages)
    if request.htmx:
        # The item stays as it is; only its error line changes.
        response = render(request, "web/_play_error.html", {"message": text})
        return reswap(retarget(response, f"#play-{play.pk}-error"), "innerHTML")
    messages.error(request, text)
    return redirect("web:agenda")


def _my_plays(user: User) -> QuerySet[Play]:
    """The user's plays about people and accounts they may still read (with whether each
    of its person and account opens for them: ``rules.with_link_flags``)."""
    return rules.with_link_flags(user, rules.scoped(user, Play.objects.filter(owner=user)))


def _my_play(request: AuthedHttpRequest, play_id: int) -> tuple[User, Play]:
    """Viewers get 403; a play that is not the user's (or is about someone they may no
    longer read) is, for them, not there (404)."""
    user = require_writer(request)
    return user, get_object_or_404(_my_plays(user), pk=play_id)


PLAY_FORMS = ("snooze", "dismiss")


@require_GET
def play_page(request: AuthedHttpRequest, play_id: int) -> HttpResponse:
    """One play and its answers. From a Today card, htmx asks for one form
    (``?form=snooze`` or ``dismiss``), its first field focused; without JavaScript the
    card links here, to the whole page with both forms."""
    _user, play = _my_play(request, play_id)
    today = timezone.localdate()
    context: dict[str, Any] = {
        "play": play,
        "snooze_default": today + dt.timedelta(days=SNOOZE_DAYS),
    }
    form = request.GET.get("form", "")
    if request.htmx and form in PLAY_FORMS:
        return render(request, "web/_play_form.html", context | {"form": form, "focus": True})
    reason, action = reason_and_action(play.kind, play.facts)
    fact = fact_of_play(play.kind, play.person_id, play.pk, play.facts or {})
    close = close_url({"urls": play_urls()}, fact, play.kind)
    return render(
        request,
        "web/play.html",
        context | {"nav": "agenda", "reason": reason, "action": action, "close": close},
    )


@require_POST
def play_reopen_view(request: AuthedHttpRequest, play_id: int) -> HttpResponse:
    """Bring a snoozed or dismissed play back to the agenda."""
    user, play = _my_play(request, play_id)
    try:
        play_reopen(play=play, actor=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Back on the agenda."))
    return redirect("web:agenda_aside")


@require_POST
def play_done_view(request: AuthedHttpRequest, play_id: int) -> HttpResponse:
    user, play = _my_play(request, play_id)
    try:
        play_done(play=play, actor=user)
    except ValidationError as error:
        return _play_error(request, play, error)
    return _play_response(request, play, _("Marked as done."))


@require_POST
def play_snooze_view(request: AuthedHttpRequest, play_id: int) -> HttpResponse:
    user, play = _my_play(request, play_id)
    try:
        until = dt.date.fromisoformat(request.POST.get("until", ""))
    except ValueError:
        return _play_error(request, play, ValidationError(_("Give a valid date.")))
    try:
        play_snooze(play=play, until=until, actor=user)
    except ValidationError as error:
        return _play_error(request, play, error)
    return _play_response(
        request,
        play,
        _("Snoozed until %(date)s.") % {"date": date_format(until, "SHORT_DATE_FORMAT")},
    )


@require_POST
def play_dismiss_view(request: AuthedHttpRequest, play_id: int) -> HttpResponse:
    user, play = _my_play(request, play_id)
    try:
        play_dismiss(play=play, reason=request.POST.get("reason", ""), actor=user)
    except ValidationError as error:
        return _play_error(request, play, error)
    return _play_response(request, play, _("Dismissed."))


def _health_reads(
    *,
    today: dt.date,
    cfg: EngineConfig,
    person: Person | None = None,
    account: Account | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The health panel and the year's history chart of a page, from one read of the
    year's snapshots (3 queries in all: the latest snapshot, the year, the open plays)."""
    since = today - dt.timedelta(weeks=time_travel.HISTORY_WEEKS)
    points = health_selectors.health_history(
        since=since, until=today, person=person, account=account
    )
    health = _health_context(today=today, person=person, account=account, cfg=cfg, points=points)
    history = time_travel.health_history(person=person, account=account, cfg=cfg, points=points)
    return health, history


def _health_context(
    *,
    today: dt.date,
    person: Person | None = None,
    account: Account | None = None,
    cfg: EngineConfig | None = None,
    points: list[tuple[dt.date, int]] | None = None,
) -> dict[str, Any]:
    """The latest snapshot explained, its 180-day history and the open plays (3 queries;
    2 given ``points``, a history that covers the 180 days)."""
    cfg = cfg or engine_config()
    snapshot = health_selectors.health_on(as_of=today, person=person, account=account)
    since = today - dt.timedelta(days=HISTORY_DAYS)
    if points is None:
        history = health_selectors.health_history(
            since=since, until=today, person=person, account=account
        )
    else:
        history = [(day, overall) for day, overall in points if since <= day <= today]
    plays = []
    for play in health_selectors.open_plays_about(today=today, person=person, account=account):
        reason, action = reason_and_action(play.kind, play.facts)
        plays.append({"play": play, "reason": reason, "action": action})
    components = time_travel.components_of(snapshot, cfg)
    coverage = ""
    if snapshot is not None:
        coverage_class = (snapshot.components or {}).get("_extra", {}).get("coverage")
        if coverage_class in ("bow-tie", "transitional", "diamond"):
            coverage = coverage_class
    return {
        "snapshot": snapshot,
        "components": components,
        "coverage_class": coverage,
        "coverage_class_label": coverage_label(coverage) if coverage else "",
        "sparkline": charts.sparkline(history, start=since, end=today),
        "plays": plays,
        "today": today,
        "snooze_default": today + dt.timedelta(days=SNOOZE_DAYS),
        "play_urls": play_urls(),
    }


@require_GET
def fairness(request: AuthedHttpRequest) -> HttpResponse:
    """Concessions against the peers of the same tier (managers; account managers read)."""
    user = require_reader_of_reports(request)
    today = timezone.localdate()
    report = health_selectors.fairness_report(today, readable=_readable_accounts(user))
    quarters = list(reversed(report["quarters"]))
    flagged_ids = [row.account_id for t in report["tiers"] for row in t["rows"] if row.flagged]
    conceded = report_views.concessions_of(
        flagged_ids, since=report_views.quarter_start(quarters[0]), until=today
    )
    tiers = []
    for tier in report["tiers"]:
        rows = sorted(tier["rows"], key=lambda row: (not row.flagged, -row.rate, row.name))
        # An account with concessions but no revenue has no rate: it is left off the
        # strip (its row says "no revenue") rather than drawn at the axis' end.
        plotted = [row for row in rows if row.revenue > 0 or not row.concessions]
        rated = [row.rate for row in plotted]
        top = charts.nice_max(max([*rated, tier["median_rate"] * 2, 0.0]))
        tiers.append(
            {
                "tier": tier["tier"],
                "label": Tier(tier["tier"]).label if tier["tier"] in Tier.values else _("No tier"),
                "accounts": tier["accounts"],
                "median_rate": tier["median_rate"],
                "flagged": sum(1 for row in rows if row.flagged),
                "strip": charts.strip(
                    [(row.name, row.rate, row.flagged) for row in plotted],
                    median=tier["median_rate"],
                    axis_max=top,
                ),
                "rows": [
                    {
                        "row": row,
                        "by_quarter": [row.by_quarter.get(q, 0) for q in quarters],
                        "why": _fairness_reason(row, len(quarters)),
                        "conceded": conceded.get(row.account_id, []),
                    }
                    for row in rows
                ],
            }
        )
    return render(
        request,
        "web/fairness.html",
        {"nav": "fairness", "tiers": tiers, "quarters": quarters, "today": today},
    )


def _readable_accounts(user: User) -> QuerySet[Account] | None:
    """The reports' rows: every account for an admin, else the user's scope."""
    return None if rules.is_admin(user) else rules.visible_accounts(user)


def _fairness_reason(row: FairnessRow, quarters: int) -> str:
    return fairness_reason(
        habitual=row.habitual,
        outlier=row.outlier,
        quarters=len(row.by_quarter),
        of_quarters=quarters,
    ).capitalize()


@require_GET
def portfolio(request: AuthedHttpRequest) -> HttpResponse:
    """Effort against value, one dot per account (M15), split as the reconsider play is."""
    user = require_reader_of_reports(request)
    today = timezone.localdate()
    cfg = engine_config()
    every = health_selectors.portfolio(
        as_of=today, days=cfg.portfolio_window_days, readable=_readable_accounts(user)
    )
    # The splits are the whole portfolio's (as the reconsider play judges); the dots and
    # the table, the accounts this user may read.
    judged = portfolio_quadrants(row.facts() for row in every)
    rows = [row for row in every if row.in_scope]
    hours = {row.account_id: row.minutes / 60 for row in rows}
    effort_split = judged.effort_split_minutes / 60
    value_split = judged.value_split
    words = {
        "invest": _("invest"),
        "maintain": _("maintain"),
        "reconsider": _("reconsider"),
    }
    table: list[dict[str, Any]] = []
    dots = []
    # A lost account is judged by nobody (peers.portfolio_quadrants leaves it out of the
    # medians): it is not drawn or listed either.
    for row in (row for row in rows if row.status != LOST):
        quadrant = judged.quadrants[row.account_id]
        url = reverse("web:account", args=[row.account_id])
        table.append(
            {
                "row": row,
                "hours": hours[row.account_id],
                "quadrant": quadrant,
                "word": words[quadrant],
                "url": url,
            }
        )
        dots.append(
            charts.Dot(hours[row.account_id], 0, row.name, row.revenue, url=url, quadrant=quadrant)
        )
    order = {name: i for i, name in enumerate(QUADRANTS)}
    table.sort(key=lambda entry: (order[entry["quadrant"]], -entry["row"].revenue))
    return render(
        request,
        "web/portfolio.html",
        {
            "nav": "portfolio",
            "table": table,
            "chart": charts.scatter(dots, x_split=effort_split, y_split=value_split)
            if dots
            else None,
            "effort_split": effort_split,
            "value_split": value_split,
            "words": words,
            "today": today,
            "year": today.year - 1,
            "days": cfg.portfolio_window_days,
        },
    )
