"""Add, change and close a person's or account's items — promises, complaints, concerns,
initiatives, value items — with one mechanism: a table (``KINDS``) of each entity's forms,
services and words, and three views that read it.

Every form is an htmx partial swapped in place and a plain POST + redirect without
JavaScript. Writes go through the services (which validate, in the user's language);
access through ``access.rules`` (a row one may not read is not there, 404; a viewer's
write is refused, 403, before anything is read into a form). A change form carries the
version it showed: a stale save is refused by the service and the form comes back with
what the user typed, the "changed by X at T" message and the current version, so that a
second save, after review, goes through.

A play on the agenda about a complaint or a promise is done by resolving or closing it
(``?play=ID``): one submit closes the item and the play, in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Model, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from django_htmx.http import reswap, retarget

from vinculo.access import rules
from vinculo.commitments import services as commitments
from vinculo.commitments.models import Commitment, Complaint, Concern, Initiative
from vinculo.concurrency import StaleVersion
from vinculo.growth import services as growth
from vinculo.growth.models import ValueItem
from vinculo.health.models import Play
from vinculo.health.services import play_done
from vinculo.people import selectors as people_selectors
from vinculo.people.models import Account, Person
from vinculo.people.rules import account_on
from vinculo.users.models import User
from vinculo.vocab import CommitmentStatus, Outcome
from vinculo.web import item_forms as f
from vinculo.web.access import AuthedHttpRequest, require_writer

# Closed items stay listed this long after they closed (then the reports and the
# timeline have them).
RECENT_DAYS = 90
ADD, CHANGE, CLOSE = ACTIONS = ("add", "change", "close")


@dataclass(frozen=True)
class Kind:
    """One entity: its forms, its services, how its rows are listed, and its words.

    ``forms`` and ``services`` are (add, change, close); ``words`` are the section's title,
    its empty state, the buttons that open the add and close forms, and what is said after
    an add, a change and a close.
    """

    slug: str
    model: type[Model]
    arg: str  # the keyword the change and close services take the row by
    forms: tuple[type[f.ItemForm], type[f.ItemForm], type[f.ItemForm]]
    # record(person, account, actor, **cleaned_data); update and close(<arg>, actor, ...)
    services: tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]]
    is_open: Q
    closed_field: str  # the date it closed, was resolved or told (initiatives: proposed)
    order: tuple[Any, ...]
    words: tuple[Promise, ...]
    # The promise derives its account itself (commitments.checks.commitment_account).
    derives_account: bool = False

    def form(self, action: str) -> type[f.ItemForm]:
        return self.forms[ACTIONS.index(action)]

    def service(self, action: str) -> Callable[..., Any]:
        return self.services[ACTIONS.index(action)]

    @property
    def title(self) -> Promise:
        return self.words[0]

    @property
    def empty(self) -> Promise:
        return self.words[1]

    @property
    def verbs(self) -> dict[str, Promise]:
        """The button that opens each form."""
        return {ADD: self.words[2], CHANGE: CHANGE_VERB, CLOSE: self.words[3]}

    def done(self, action: str) -> Promise:
        """What is said once a form is saved."""
        return self.words[4 + ACTIONS.index(action)]

    def rows_about(
        self,
        *,
        person: Person | None,
        account: Account | None,
        recent_since: dt.date | None = None,
    ) -> list[Any]:
        """Its open rows and those closed in the last ``RECENT_DAYS`` (or since
        ``recent_since``), about a person or an account: one query."""
        since = recent_since or timezone.localdate() - dt.timedelta(days=RECENT_DAYS)
        where = Q(person=person) if person is not None else Q(account=account)
        recent = Q(**{f"{self.closed_field}__gte": since})
        return list(
            self.model._default_manager.filter(where)
            .filter(self.is_open | recent)
            .annotate(item_open=ExpressionWrapper(self.is_open, output_field=BooleanField()))
            .select_related("person")
            .order_by(*self.order)
        )


def _value_item_record(
    *, person: Person | None, account: Account | None, actor: User, **data: Any
) -> ValueItem:
    if account is None:
        raise ValidationError(_("Value is delivered to a company: this person has no current one."))
    return growth.value_item_record(person=person, account=account, actor=actor, **data)


def _commitment_record(
    *, person: Person | None, account: Account | None, actor: User, **data: Any
) -> Commitment:
    colleague = people_selectors.colleague_for_user(user=actor)
    return commitments.commitment_record(
        person=person, account=account, colleague=colleague, actor=actor, **data
    )


CHANGE_VERB = _("Change")
_RESOLVED = Q(resolved__isnull=True)
_RESOLVED_ORDER = (F("resolved").desc(nulls_first=True), "-opened", "-id")

# The table: entity → forms, services, listing and words.
# fmt: off
KINDS: dict[str, Kind] = {kind.slug: kind for kind in (
    Kind("promises", Commitment, "commitment",
         (f.CommitmentAddForm, f.CommitmentChangeForm, f.CommitmentCloseForm),
         (_commitment_record, commitments.commitment_update, commitments.commitment_close),
         Q(status__in=[CommitmentStatus.OPEN, CommitmentStatus.RENEGOTIATED]), "closed_on",
         (F("closed_on").desc(nulls_first=True), F("due").asc(nulls_last=True), "id"),
         (_("Promises"), _("No open promises."), _("Record a promise"), _("Close"),
          _("Promise recorded."), _("Promise changed."), _("Promise closed.")),
         derives_account=True),
    Kind("complaints", Complaint, "complaint",
         (f.ComplaintAddForm, f.ComplaintChangeForm, f.ComplaintCloseForm),
         (commitments.complaint_open, commitments.complaint_update,
          commitments.complaint_resolve),
         _RESOLVED, "resolved", _RESOLVED_ORDER,
         (_("Complaints"), _("No open complaints."), _("Record a complaint"), _("Resolve"),
          _("Complaint recorded."), _("Complaint changed."), _("Complaint resolved."))),
    Kind("concerns", Concern, "concern",
         (f.ConcernAddForm, f.ConcernChangeForm, f.ConcernCloseForm),
         (commitments.concern_open, commitments.concern_update, commitments.concern_resolve),
         _RESOLVED, "resolved", _RESOLVED_ORDER,
         (_("Concerns"), _("No open concerns."), _("Record a concern"), _("Resolve"),
          _("Concern recorded."), _("Concern changed."), _("Concern resolved."))),
    # Initiatives keep no decision date: the pending ones and the last quarter's.
    Kind("initiatives", Initiative, "initiative",
         (f.InitiativeAddForm, f.InitiativeChangeForm, f.InitiativeCloseForm),
         (commitments.initiative_record, commitments.initiative_update,
          commitments.initiative_decide),
         Q(outcome=Outcome.PENDING), "proposed_on", ("-proposed_on", "-id"),
         (_("Initiatives"), _("No pending initiatives."), _("Record an initiative"),
          _("Decide"), _("Initiative recorded."), _("Initiative changed."),
          _("Answer recorded."))),
    # Telling the client is a value item's close: the rest of it stays correctable.
    Kind("value", ValueItem, "value_item",
         (f.ValueItemAddForm, f.ValueItemChangeForm, f.ValueItemCloseForm),
         (_value_item_record, growth.value_item_update, growth.value_item_update),
         Q(communicated_on__isnull=True), "date",
         (F("communicated_on").desc(nulls_first=True), "-date", "-id"),
         (_("Value delivered"), _("No value recorded lately."), _("Record value"),
          _("Told the client"), _("Value recorded."), _("Value changed."),
          _("Marked as told to the client."))),
)}
# fmt: on


def _kind(slug: str) -> Kind:
    if slug not in KINDS:
        raise Http404
    return KINDS[slug]


# --- the sections of the person and account pages ---------------------------------------


@dataclass
class Where:
    """Where a form shows and what its success replaces: a page's section, or a play."""

    subject: Person | Account | None
    play: Play | None = None

    @property
    def on(self) -> str:
        return "account" if isinstance(self.subject, Account) else "person"

    @property
    def param(self) -> tuple[str, int]:
        """The form's hidden field (and the links' query) that says where it belongs."""
        if self.play is not None:
            return ("play", self.play.pk)
        assert self.subject is not None
        return (self.on, self.subject.pk)

    def query(self) -> str:
        name, value = self.param
        return f"{name}={value}"

    def slot(self, kind: Kind) -> str:
        return f"play-{self.play.pk}-form" if self.play else f"items-{kind.slug}-form"

    def target(self, kind: Kind) -> str:
        return f"play-{self.play.pk}" if self.play else f"items-{kind.slug}"

    def back(self, kind: Kind) -> str:
        if self.play is not None:
            return reverse("web:agenda")
        assert self.subject is not None
        return f"{self.subject.get_absolute_url()}#items-{kind.slug}"


def section(
    kind: Kind, where: Where, rows: list[Any] | None = None, **extra: Any
) -> dict[str, Any]:
    subject = where.subject
    if rows is None:
        rows = kind.rows_about(
            person=subject if isinstance(subject, Person) else None,
            account=subject if isinstance(subject, Account) else None,
        )
    return {"kind": kind, "rows": rows, "where": where, "today": timezone.localdate(), **extra}


def sections(
    *,
    person: Person | None = None,
    account: Account | None = None,
    rows: dict[str, list[Any]] | None = None,
) -> list[Any]:
    """The five sections of a person's or account's page: one query each, but for the
    kinds whose ``rows`` (by slug, as ``Kind.rows_about`` lists them) the page read."""
    where = Where(person or account)
    rows = rows or {}
    return [section(kind, where, rows.get(kind.slug)) for kind in KINDS.values()]


# --- the views ---------------------------------------------------------------------------


def _where(request: AuthedHttpRequest, user: User, row: Any = None) -> Where:
    """The page (or play) the form belongs to, from ``person``, ``account`` or ``play``
    in the query or the form: each readable, or not there (404)."""
    params = request.POST if request.method == "POST" else request.GET
    if play_id := params.get("play", ""):
        if not play_id.isdigit():
            raise Http404
        play = get_object_or_404(rules.scoped(user, Play.objects.filter(owner=user)), pk=play_id)
        return Where(play.person or play.account, play)
    for name, finder in (("account", rules.account_for), ("person", rules.person_for)):
        value = params.get(name, "")
        if value.isdigit():
            return Where(finder(user, int(value), change=True))
        if value:
            raise Http404
    if row is not None and row.person_id is not None:
        return Where(rules.person_for(user, row.person_id, change=True))
    if row is not None and row.account_id is not None:
        return Where(rules.account_for(user, row.account_id, change=True))
    raise Http404


def _initial(kind: Kind, action: str, row: Any) -> dict[str, Any]:
    form_class = kind.form(action)
    if action == CHANGE:
        return {name: getattr(row, name) for name in form_class.base_fields}
    if action == CLOSE and "value" in form_class.base_fields:
        return {"value": row.value}
    return {}


def _call(kind: Kind, action: str, row: Any, where: Where, user: User, data: dict[str, Any]) -> Any:
    if action == ADD:
        subject = where.subject
        person = subject if isinstance(subject, Person) else None
        account = subject if isinstance(subject, Account) else None
        if person is not None and account is None and not kind.derives_account:
            # What is said by someone counts for the company they work for today.
            account = account_on(person=person, day=timezone.localdate())
        return kind.service(ADD)(person=person, account=account, actor=user, **data)
    service = kind.service(action)
    with transaction.atomic():
        result = service(**{kind.arg: row}, actor=user, **data)
        if where.play is not None:
            play_done(play=where.play, actor=user)
    return result


def _render_form(
    request: AuthedHttpRequest, kind: Kind, action: str, form: f.ItemForm, where: Where, row: Any
) -> HttpResponse:
    form.focus_first()
    context = {
        "kind": kind,
        "action": action,
        "form": form,
        "where": where,
        "row": row,
        "url": request.path,
        "slot": where.slot(kind),
        "target": where.target(kind),
        "back": where.back(kind),
        "title": kind.verbs[action] if action == ADD else f"{kind.verbs[action]}: {row}",
    }
    if not request.htmx:
        return render(request, "web/item_form_page.html", context)
    response = render(request, "web/_item_form.html", context)
    if request.method == "POST":  # refused: the form again, where it was
        response = reswap(retarget(response, f"#{where.slot(kind)}"), "innerHTML")
    return response


def _saved(request: AuthedHttpRequest, kind: Kind, action: str, where: Where) -> HttpResponse:
    message = str(kind.done(action))
    if not request.htmx:
        messages.success(request, message)
        return redirect(where.back(kind))
    if where.play is not None:
        return render(request, "web/_play_closed.html", {"play": where.play, "message": message})
    return render(request, "web/_item_section.html", section(kind, where, message=message))


def _form_view(request: AuthedHttpRequest, kind: Kind, action: str, row: Any) -> HttpResponse:
    where = _where(request, request.user, row)  # not readable: 404, before the 403
    user = require_writer(request)
    if where.play is not None:
        facts = where.play.facts or {}
        if action != CLOSE or facts.get(kind.arg) != row.pk:
            raise Http404  # the play is about another item
    form_class = kind.form(action)
    # Ids unique on the page: several forms may be open at once (Today's cards).
    auto_id = f"{where.slot(kind)}-%s"
    if request.method != "POST":
        initial = _initial(kind, action, row)
        return _render_form(
            request, kind, action, form_class(initial=initial, auto_id=auto_id), where, row
        )
    form = form_class(request.POST, auto_id=auto_id)
    if form.is_valid():
        try:
            _call(kind, action, row, where, user, dict(form.cleaned_data))
        except StaleVersion as error:
            # What they typed stays; the version becomes the current one: after a review,
            # saving again goes through.
            data = request.POST.copy()
            data["version"] = str(error.current)
            form = form_class(data, auto_id=auto_id)
            form.is_valid()
            form.add_service_errors(error)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return _saved(request, kind, action, where)
    return _render_form(request, kind, action, form, where, row)


def _row(request: AuthedHttpRequest, kind: Kind, pk: int) -> Any:
    """The row, if readable (else 404); a viewer's write is then refused (403)."""
    return rules.row_for(request.user, kind.model._default_manager.all(), pk, change=True)


@require_http_methods(["GET", "POST"])
def item_new(request: AuthedHttpRequest, kind: str) -> HttpResponse:
    return _form_view(request, _kind(kind), ADD, None)


@require_http_methods(["GET", "POST"])
def item_change(request: AuthedHttpRequest, kind: str, pk: int) -> HttpResponse:
    found = _kind(kind)
    return _form_view(request, found, CHANGE, _row(request, found, pk))


@require_http_methods(["GET", "POST"])
def item_close(request: AuthedHttpRequest, kind: str, pk: int) -> HttpResponse:
    found = _kind(kind)
    return _form_view(request, found, CLOSE, _row(request, found, pk))
