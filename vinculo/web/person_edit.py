"""The person page's write side: profile and personal facts (M18), a job change (M4) and
the contact plan (M17).

Each is one URL: GET shows its form, POST saves through ``people.services``. With htmx
the section of the person page swaps in place (form ↔ facts); without JavaScript the GET
is a page of its own and a saved POST redirects to the person. Access through
``access.rules``: a person the user may not read is not there (404), a viewer may not
change anything (403), both before anything is read or written. A save that lost the
race against someone else's (the hidden version) comes back with their values beside the
user's, which are kept.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from vinculo.access import rules
from vinculo.concurrency import StaleVersion
from vinculo.people import selectors as people_selectors
from vinculo.people.checks import PERSONAL_FACT_FIELDS
from vinculo.people.models import ContactPlan, Person
from vinculo.people.services import contact_plan_set, person_change_employment, person_update
from vinculo.users.models import User
from vinculo.web.access import AuthedHttpRequest
from vinculo.web.person_forms import (
    PROFILE_FIELDS,
    ContactPlanForm,
    JobChangeForm,
    ProfileForm,
    ServiceErrorsMixin,
)

# The three sections: (read-only template, form template).
SECTIONS = {
    "profile": ("web/_person_edit_profile.html", "web/_person_edit_profile_form.html"),
    "jobs": ("web/_person_edit_jobs.html", "web/_person_edit_jobs_form.html"),
    "plan": ("web/_person_edit_plan.html", "web/_person_edit_plan_form.html"),
}
TITLES = {
    "profile": gettext_lazy("Edit the profile"),
    "jobs": gettext_lazy("Record a job change"),
    "plan": gettext_lazy("Change the contact plan"),
}


def section_context(user: User, person_id: int) -> dict[str, Any]:
    """What the read-only sections show (as the person page reads them)."""
    person = people_selectors.person_profile(
        person_id=person_id, account_ids=rules.readable_account_ids(user)
    )
    jobs = person.all_jobs  # type: ignore[attr-defined]
    return {
        "person": person,
        "personal_facts": rules.personal_facts_for(user, person),
        "current_jobs": [job for job in jobs if job.end is None],
        "past_jobs": [job for job in jobs if job.end is not None],
    }


def _focus_first_error(form: ServiceErrorsMixin) -> None:
    """Tie errors and help to their inputs (aria) and put ``autofocus`` on the first field
    in error: htmx, after the swap, and browsers, on a page load, both honour it."""
    first = True
    bound = form  # type: Any
    for name, field in form.fields.items():
        described = []
        if field.help_text:
            described.append(f"{bound[name].auto_id}_helptext")
        if name in bound.errors and not isinstance(field.widget, forms.HiddenInput):
            described.append(f"{bound[name].auto_id}_error")
            field.widget.attrs["aria-invalid"] = "true"
            if first:
                field.widget.attrs["autofocus"] = True
                first = False
        if described:
            field.widget.attrs["aria-describedby"] = " ".join(described)


def _shown(request: AuthedHttpRequest, person: Person, section: str) -> HttpResponse:
    """After a save: the section again (htmx) or the person page (a plain POST)."""
    if request.htmx:
        context = section_context(request.user, person.pk)
        return render(request, SECTIONS[section][0], context | {"saved": True})
    messages.success(request, _("Saved."))
    return redirect(person)


def _form_response(
    request: AuthedHttpRequest,
    person: Person,
    section: str,
    form: forms.Form,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {"person": person, "form": form, "section": section, "theirs": {}}
    context |= (extra or {}) | {"inline": bool(request.htmx)}
    _focus_first_error(form)  # type: ignore[arg-type]
    if request.htmx:
        return render(request, SECTIONS[section][1], context, status=status)
    context["title"] = TITLES[section]
    return render(request, "web/_person_edit_page.html", context, status=status)


def _cancelled(request: AuthedHttpRequest, person: Person, section: str) -> HttpResponse | None:
    """``?show=1``: the read-only section (the form's Cancel, with htmx)."""
    if request.method == "GET" and request.GET.get("show") and request.htmx:
        return render(request, SECTIONS[section][0], section_context(request.user, person.pk))
    return None


def _display(value: Any) -> str:
    if value in (None, ""):
        return "—"
    if hasattr(value, "isoformat"):
        return date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def _stale(
    form: forms.Form, error: StaleVersion, theirs: dict[str, Any], shown: dict[str, str]
) -> dict[str, str]:
    """Keep what the user typed, take the new version (the next save goes through once
    they have looked) and return, by field, the other's value (as ``shown``, else as
    stored) where it differs from the user's."""
    data = form.data.copy()  # type: ignore[attr-defined]
    data["version"] = str(error.current)
    form.data = data
    typed = form.cleaned_data
    differs = {}
    for name, value in theirs.items():
        if (typed.get(name) or None) != (value or None):
            differs[name] = shown.get(name) or _display(value)
    return differs


# --- profile and personal facts (M18) ------------------------------------------------------


def _profile_theirs(
    form: ProfileForm, error: StaleVersion, person_id: int, with_facts: bool
) -> dict[str, str]:
    current = Person.objects.select_related("owner").get(pk=person_id)
    names = [*PROFILE_FIELDS, *(PERSONAL_FACT_FIELDS if with_facts else ())]
    theirs: dict[str, Any] = {name: getattr(current, name) for name in names}
    theirs["emails"] = "; ".join(current.emails.order_by("id").values_list("email", flat=True))
    form.cleaned_data["emails"] = "; ".join(e.lower() for e in form.email_list())
    shown = {
        "owner": current.owner.name if current.owner else "",
        "legal_basis": str(current.get_legal_basis_display()),
    }
    return _stale(form, error, theirs, shown)


@require_http_methods(["GET", "POST"])
def profile_edit(request: AuthedHttpRequest, person_id: int) -> HttpResponse:
    user = request.user
    person = rules.person_for(user, person_id, change=True)
    if (cancel := _cancelled(request, person, "profile")) is not None:
        return cancel
    # M18: the facts only for who may see them; showing them in the form is a read, and
    # recorded as one (a POST shows back what the user sent, or the other's on a stale save).
    if request.method == "GET":
        with_facts = rules.personal_facts_for(user, person) is not None
    else:
        with_facts = rules.can_see_personal_facts(user, person)
    emails = list(person.emails.order_by("id").values_list("email", flat=True))
    theirs: dict[str, str] = {}
    if request.method == "POST":
        form = ProfileForm(request.POST, with_facts=with_facts)
        if form.is_valid():
            try:
                person_update(
                    person=person,
                    actor=user,
                    emails=form.email_list(),
                    version=form.cleaned_data["version"],
                    **form.changes(),
                )
            except StaleVersion as error:
                theirs = _profile_theirs(form, error, person.pk, with_facts)
                form.add_service_errors(error)
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                return _shown(request, person, "profile")
    else:
        form = ProfileForm(initial=ProfileForm.initial_of(person, emails), with_facts=with_facts)
        form.fields["name"].widget.attrs["autofocus"] = True
    return _form_response(request, person, "profile", form, {"theirs": theirs})


# --- a job change (M4) ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def job_change(request: AuthedHttpRequest, person_id: int) -> HttpResponse:
    user = request.user
    person = rules.person_for(user, person_id, change=True)
    if (cancel := _cancelled(request, person, "jobs")) is not None:
        return cancel
    accounts = rules.changeable_accounts(user)
    if request.method == "POST":
        form = JobChangeForm(request.POST, accounts=accounts)
        if form.is_valid():
            data = form.cleaned_data
            try:
                person_change_employment(
                    person=person,
                    new_account=data["account"],
                    on=data["on"],
                    title=data["title"],
                    function=data["function"] or "",
                    decision_role=data["decision_role"],
                    actor=user,
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                return _shown(request, person, "jobs")
    else:
        form = JobChangeForm(accounts=accounts)
        form.fields["on"].widget.attrs["autofocus"] = True
    current = list(person.employments.filter(end__isnull=True).select_related("account"))
    return _form_response(request, person, "jobs", form, {"current_jobs": current})


# --- the contact plan (M17) ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def plan_edit(request: AuthedHttpRequest, person_id: int) -> HttpResponse:
    user = request.user
    person = rules.person_for(user, person_id, change=True)
    if (cancel := _cancelled(request, person, "plan")) is not None:
        return cancel
    plan = ContactPlan.objects.filter(person=person).first()
    theirs: dict[str, str] = {}
    if request.method == "POST":
        form = ContactPlanForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                contact_plan_set(
                    person=person,
                    every_days=data["every_days"],
                    channel=data["channel"],
                    place=data["place"],
                    agreed=data["agreed"],
                    version=data["version"],
                    actor=user,
                )
            except StaleVersion as error:
                current = ContactPlan.objects.filter(person=person).first()
                if current is not None:
                    fields = ("every_days", "channel", "place", "agreed")
                    shown = {
                        "channel": str(current.get_channel_display()),
                        "agreed": _("yes") if current.agreed else _("no"),
                    }
                    values = {name: getattr(current, name) for name in fields}
                    theirs = _stale(form, error, values, shown)
                form.add_service_errors(error)
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                return _shown(request, person, "plan")
    else:
        form = ContactPlanForm(initial=ContactPlanForm.initial_of(plan))
        form.fields["every_days"].widget.attrs["autofocus"] = True
    return _form_response(request, person, "plan", form, {"plan": plan, "theirs": theirs})
