"""The manager's pages and their reads: what the fairness report's flagged accounts were
conceded, the portfolio without the lost accounts. Thin: reads through selectors, lists
scoped through ``vinculo.access.rules``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Max, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from vinculo.access import rules
from vinculo.commitments.models import Commitment, Complaint, Concern
from vinculo.growth.models import Concession
from vinculo.health.config import FIELDS, EngineConfig, overrides_problems
from vinculo.health.engine import Component, weighted
from vinculo.health.models import HealthSnapshot, Play, PlayStatus
from vinculo.health.readers import engine_config
from vinculo.health.services import health_settings_update
from vinculo.health.words import component_label
from vinculo.interactions.models import InteractionColleague
from vinculo.users.models import Role, User
from vinculo.vocab import CommitmentStatus, Severity, Tier
from vinculo.web.access import (
    AuthedHttpRequest,
    require_reader_of_reports,
    require_sales_operations,
)


def quarter_start(label: str) -> dt.date:
    """The first day of a quarter labelled ``2026-Q3``."""
    year, quarter = label.split("-Q")
    return dt.date(int(year), 3 * (int(quarter) - 1) + 1, 1)


def concessions_of(
    account_ids: list[int], *, since: dt.date, until: dt.date
) -> dict[int, list[Concession]]:
    """The concessions granted to these accounts in the period, newest first (one query;
    none when no account is asked about)."""
    if not account_ids:
        return {}
    out: dict[int, list[Concession]] = defaultdict(list)
    rows = Concession.objects.filter(
        account_id__in=account_ids, granted_on__gte=since, granted_on__lte=until
    ).order_by("-granted_on", "-pk")
    for concession in rows:
        out[concession.account_id].append(concession)
    return dict(out)


# --- the pages --------------------------------------------------------------------------

INBOX_RESOLVED_DAYS = 90
TEAM_WEEKS = 4
LIST_LIMIT = 300


def _days_between(start: dt.date, end: dt.date | None, today: dt.date) -> int:
    return ((end or today) - start).days


@require_GET
def complaints(request: AuthedHttpRequest) -> HttpResponse:
    """Open complaints and those resolved lately, with their first-response and resolution
    times against the targets (M10, M11). Two queries after the session's."""
    user = require_reader_of_reports(request)
    today = timezone.localdate()
    cfg = engine_config()
    since = today - dt.timedelta(days=INBOX_RESOLVED_DAYS)
    rows = (
        rules.with_link_flags(user, rules.scoped(user, Complaint.objects.all()))
        .filter(Q(resolved__isnull=True) | Q(resolved__gte=since))
        .select_related("account", "person")
        .order_by(F("resolved").asc(nulls_first=True), "opened", "pk")[:LIST_LIMIT]
    )
    entries = []
    for c in rows:
        target = cfg.complaint_target_days.get(c.severity, 0)
        response = _days_between(c.opened, c.first_response, today)
        resolution = _days_between(c.opened, c.resolved, today)
        entries.append(
            {
                "complaint": c,
                "response_days": response,
                "response_late": response > target,
                "response_target": target,
                "resolution_days": resolution,
                "resolution_late": resolution > cfg.slow_resolution_days,
            }
        )
    return render(
        request,
        "web/complaints.html",
        {
            "nav": "complaints",
            "entries": entries,
            "resolution_target": cfg.slow_resolution_days,
            "since": since,
            "today": today,
        },
    )


@require_GET
def promises(request: AuthedHttpRequest) -> HttpResponse:
    """The promises still open, soonest due first, the overdue ones marked (M2)."""
    user = require_reader_of_reports(request)
    today = timezone.localdate()
    rows = (
        rules.with_link_flags(user, rules.scoped(user, Commitment.objects.all()))
        .filter(status=CommitmentStatus.OPEN)
        .select_related("account", "person", "colleague")
        .order_by(F("due").asc(nulls_last=True), "made_on", "pk")[:LIST_LIMIT]
    )
    entries = [
        {
            "promise": p,
            "late": p.due is not None and p.due < today,
            "days_late": (today - p.due).days if p.due and p.due < today else 0,
        }
        for p in rows
    ]
    return render(
        request, "web/promises.html", {"nav": "promises", "entries": entries, "today": today}
    )


@require_GET
def concerns(request: AuthedHttpRequest) -> HttpResponse:
    """What worries the client's people and is not resolved yet, oldest first (M19)."""
    user = require_reader_of_reports(request)
    today = timezone.localdate()
    rows = (
        rules.with_link_flags(user, rules.scoped(user, Concern.objects.all()))
        .filter(resolved__isnull=True)
        .select_related("account", "person")
        .order_by("opened", "pk")[:LIST_LIMIT]
    )
    entries = [{"concern": c, "age": (today - c.opened).days} for c in rows]
    return render(
        request, "web/concerns.html", {"nav": "concerns", "entries": entries, "today": today}
    )


@require_GET
def team(request: AuthedHttpRequest) -> HttpResponse:
    """Each account manager: open plays, red accounts, open critical complaints and the
    contacts they logged per week (last four weeks). Five grouped queries after the
    session's, whatever the size of the team."""
    user = require_reader_of_reports(request)
    today = timezone.localdate()
    managers = list(
        User.objects.filter(role=Role.ACCOUNT_MANAGER, is_active=True).order_by(
            "first_name", "last_name", "username"
        )
    )
    ids = [m.pk for m in managers]
    plays = dict(
        rules.scoped(user, Play.objects.all())
        .filter(owner_id__in=ids)
        .filter(Q(status=PlayStatus.OPEN) | Q(status=PlayStatus.SNOOZED, snoozed_until__lte=today))
        .values_list("owner_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    latest = HealthSnapshot.objects.filter(account__isnull=False).aggregate(day=Max("as_of"))
    red = (
        dict(
            rules.scoped(user, HealthSnapshot.objects.all())
            .filter(as_of=latest["day"], band="red", account__owner__user_id__in=ids)
            .values_list("account__owner__user_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        if latest["day"]
        else {}
    )
    critical = dict(
        rules.scoped(user, Complaint.objects.all())
        .filter(
            resolved__isnull=True,
            severity=Severity.CRITICAL,
            account__owner__user_id__in=ids,
        )
        .values_list("account__owner__user_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    since = timezone.now() - dt.timedelta(weeks=TEAM_WEEKS)
    logged = dict(
        InteractionColleague.objects.filter(
            colleague__user_id__in=ids, interaction__started_at__gte=since
        )
        .values_list("colleague__user_id")
        .annotate(n=Count("interaction_id", distinct=True))
        .order_by()
    )
    rows = [
        {
            "user": m,
            "plays": plays.get(m.pk, 0),
            "red": red.get(m.pk, 0),
            "critical": critical.get(m.pk, 0),
            "per_week": round(logged.get(m.pk, 0) / TEAM_WEEKS, 1),
        }
        for m in managers
    ]
    return render(
        request,
        "web/team.html",
        {"nav": "team", "rows": rows, "weeks": TEAM_WEEKS, "today": today},
    )


# --- settings (sales operations) --------------------------------------------------------

SCALARS = (
    "green_from",
    "yellow_from",
    "recent_days",
    "level_window_days",
    "coverage_window_days",
    "portfolio_window_days",
    "slow_resolution_days",
)
TABLES = ("person_weights", "account_weights", "default_cadence_days")


def _field_label(name: str, key: str = "") -> str:
    labels = {
        "green_from": _("Green from (score)"),
        "yellow_from": _("Yellow from (score)"),
        "recent_days": _("Recent window (days)"),
        "level_window_days": _("Conversation level window (days)"),
        "coverage_window_days": _("Coverage window (days)"),
        "portfolio_window_days": _("Portfolio effort window (days)"),
        "slow_resolution_days": _("Complaint resolution target (days)"),
    }
    if not key:
        return labels.get(name, name)
    if name == "default_cadence_days":
        return str(Tier(key).label) if key in Tier.values else _("No tier")
    return component_label(key)


def _number(text: str) -> float | int | None:
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() else value


def settings_form(cfg: EngineConfig, data: Any = None) -> tuple[list[dict[str, Any]], dict]:
    """The fields as the page shows them (current or posted values), and the overrides
    the posted values make (only those that differ from the defaults)."""
    defaults = EngineConfig()
    overrides: dict[str, Any] = {}
    groups: list[dict[str, Any]] = []
    scalars = []
    for name in SCALARS:
        current = getattr(cfg, name)
        raw = data.get(name, "") if data is not None else str(current)
        value = _number(raw) if data is not None else current
        if data is not None:
            overrides[name] = raw if value is None else value
        scalars.append({"name": name, "label": _field_label(name), "value": raw})
    groups.append({"title": _("Bands and windows"), "fields": scalars})
    for table in TABLES:
        fields = []
        current_table = getattr(cfg, table)
        posted: dict[str, Any] = {}
        shown = set(getattr(defaults, table)) | set(current_table)
        for key in (k for k in FIELDS[table].metadata["keys"] if k in shown):
            input_name = f"{table}.{key}"
            raw = data.get(input_name, "") if data is not None else str(current_table.get(key, 0))
            value = _number(raw)
            posted[key] = raw if value is None else value
            fields.append({"name": input_name, "label": _field_label(table, key), "value": raw})
        if data is not None:
            overrides[table] = posted
        title = {
            "person_weights": _("Weights of a person's health"),
            "account_weights": _("Weights of an account's health"),
            "default_cadence_days": _("Default cadence per tier (days)"),
        }[table]
        groups.append({"title": title, "fields": fields})
    overrides = {
        name: value for name, value in overrides.items() if value != getattr(defaults, name)
    }
    return groups, overrides


def band_changes(cfg: EngineConfig, new: EngineConfig) -> dict[str, int]:
    """How many people and accounts would change band under ``new``: their latest stored
    components re-weighted and re-banded (an estimate: the windows need a recompute)."""
    latest = HealthSnapshot.objects.aggregate(day=Max("as_of"))["day"]
    changed = {"people": 0, "accounts": 0}
    if latest is None:
        return changed
    rows = HealthSnapshot.objects.filter(as_of=latest).values_list(
        "person_id", "band", "components"
    )
    for person_id, band, stored in rows.iterator(chunk_size=2000):
        parts = {
            name: Component(int(data.get("value", 0)), {})
            for name, data in (stored or {}).items()
            if not name.startswith("_") and isinstance(data, dict)
        }
        weights = new.person_weights if person_id else new.account_weights
        if new.band(weighted(parts, weights)) != band:
            changed["people" if person_id else "accounts"] += 1
    return changed


@require_http_methods(["GET", "POST"])
def health_settings(request: AuthedHttpRequest) -> HttpResponse:
    """Weights, windows, thresholds and default cadences, validated by the engine's own
    checks (``health_settings_update``), with a preview of the bands that would change."""
    require_sales_operations(request)
    cfg = engine_config()
    preview = None
    problems: list[str] = []
    if request.method == "POST":
        groups, overrides = settings_form(cfg, request.POST)
        if request.POST.get("action") == "save":
            try:
                health_settings_update(overrides=overrides)
            except ValidationError as error:
                problems = error.messages
            else:
                messages.success(
                    request,
                    _("Settings saved; they apply from the next health recompute."),
                )
                return redirect("web:health_settings")
        else:
            found = overrides_problems(overrides)
            problems = list(found.values())
            if not problems:
                preview = band_changes(cfg, EngineConfig.from_overrides(overrides))
    else:
        groups, _overrides = settings_form(cfg)
    return render(
        request,
        "web/health_settings.html",
        {"nav": "settings", "groups": groups, "preview": preview, "problems": problems},
    )
