"""The pages: thin functions that read through selectors and write through services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from vinculo.interactions.services import interaction_log
from vinculo.people import selectors as people_selectors
from vinculo.people.models import Account
from vinculo.web import selectors
from vinculo.web.access import AuthedHttpRequest, require_writer
from vinculo.web.forms import InteractionForm

LIST_PAGE_SIZE = 50


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
    query = request.GET.get("q", "")
    sort = request.GET.get("sort", "name")
    scope = "mine" if request.GET.get("scope") == "mine" else "all"
    colleague = people_selectors.colleague_for_user(user=request.user) if scope == "mine" else None
    people = people_selectors.people_list(
        query=query, sort=sort, owned_by=colleague, only_owned=scope == "mine"
    )
    page = Paginator(people, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": query,
        "sort": sort,
        "scope": scope,
        "sorts": _sort_links(sort, people_selectors.PEOPLE_SORTS),
        "query_without_sort": _query_without(request, "sort", "page"),
        "query_without_page": _query_without(request, "page"),
    }
    if request.htmx and request.htmx.target == "people-results":
        return render(request, "web/_people_results.html", context)
    return render(request, "web/people_list.html", context)


@require_GET
def person_detail(request: AuthedHttpRequest, person_id: int) -> HttpResponse:
    person = people_selectors.person_profile(person_id=person_id)
    page, entries = selectors.person_timeline(person=person, page=request.GET.get("page", 1))
    jobs = person.all_jobs  # type: ignore[attr-defined]
    context = {
        "person": person,
        "current_jobs": [job for job in jobs if job.end is None],
        "past_jobs": [job for job in jobs if job.end is not None],
        "commitments": selectors.open_commitments(person=person),
        "page": page,
        "entries": entries,
    }
    if request.htmx and request.htmx.target == "timeline":
        return render(request, "web/_timeline.html", context)
    return render(request, "web/person_detail.html", context)


@require_GET
def account_list(request: AuthedHttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    sort = request.GET.get("sort", "name")
    accounts = people_selectors.accounts_list(query=query, sort=sort)
    page = Paginator(accounts, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": query,
        "sort": sort,
        "sorts": _sort_links(sort, people_selectors.ACCOUNT_SORTS),
        "query_without_sort": _query_without(request, "sort", "page"),
        "query_without_page": _query_without(request, "page"),
    }
    if request.htmx and request.htmx.target == "account-results":
        return render(request, "web/_account_results.html", context)
    return render(request, "web/account_list.html", context)


@require_GET
def account_detail(request: AuthedHttpRequest, account_id: int) -> HttpResponse:
    account = people_selectors.account_profile(account_id=account_id)
    page, entries = selectors.account_timeline(account=account, page=request.GET.get("page", 1))
    context = {
        "account": account,
        "people": people_selectors.account_people(account=account),
        "coverage": people_selectors.account_coverage(account=account),
        "commitments": selectors.open_commitments(account=account),
        "page": page,
        "entries": entries,
    }
    if request.htmx and request.htmx.target == "timeline":
        return render(request, "web/_timeline.html", context)
    return render(request, "web/account_detail.html", context)


def _int_list(values: list[str]) -> list[int]:
    return [int(value) for value in values if value.isdigit()]


@require_http_methods(["GET", "POST"])
def interaction_new(request: AuthedHttpRequest) -> HttpResponse:
    """Log an interaction through interaction_log; viewers get 403 before anything else."""
    user = require_writer(request)
    colleague = people_selectors.colleague_for_user(user=user)
    account = None
    if account_id := request.GET.get("account", ""):
        account = get_object_or_404(Account, pk=account_id) if account_id.isdigit() else None
    if request.method == "POST":
        form = InteractionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            # In the order they were ticked: the first one is whose page we go back to.
            order = form.selected_people_ids()
            people = sorted(data["people"], key=lambda person: order.index(person.pk))
            try:
                interaction_log(
                    started_at=data["started_at"],
                    duration_min=data["duration_min"],
                    channel=data["channel"],
                    direction=data["direction"],
                    level=data["level"],
                    place=data["place"],
                    summary=data["summary"],
                    people=people,
                    colleagues=list(data["colleagues"]),
                    actor=user,
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _("Interaction logged."))
                return redirect(people[0])
    else:
        form = InteractionForm(
            initial={
                "people": _int_list(request.GET.getlist("person")),
                "colleagues": [colleague.pk] if colleague else [],
            }
        )
    selected = people_selectors.people_choices(ids=form.selected_people_ids(), limit=None)
    suggestions = (
        people_selectors.people_choices(account=account, exclude=[p.pk for p in selected])
        if account is not None
        else []
    )
    return render(
        request,
        "web/interaction_form.html",
        {"form": form, "selected": selected, "suggestions": suggestions, "account": account},
    )


@require_GET
def people_options(request: AuthedHttpRequest) -> HttpResponse:
    """The picker's matches for a search, leaving out the people already chosen."""
    require_writer(request)
    query = request.GET.get("q", "").strip()
    options = (
        people_selectors.people_choices(
            query=query, exclude=_int_list(request.GET.getlist("people"))
        )
        if query
        else []
    )
    return render(request, "web/_people_options.html", {"options": options, "query": query})
