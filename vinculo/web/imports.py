"""Sales operations' pages: upload a file, preview it, confirm it, follow it; and the review
list of unmatched addresses and look-alike people. Thin views over ``capture.runs``,
``capture.review`` and the people services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vinculo.access import rules
from vinculo.capture import review as capture_review
from vinculo.capture.core import name_from_address
from vinculo.capture.models import ImportFormat, ImportRun, ImportStatus, UnmatchedAddress
from vinculo.capture.runs import (
    Options,
    can_apply,
    import_run_create,
    import_run_start,
    is_interrupted,
    options_problems,
    progress_of,
    report_from,
)
from vinculo.capture.tabular import PRESETS
from vinculo.people.models import Account, AccountDomain
from vinculo.people.services import account_create, employment_start, person_create, person_merge
from vinculo.users.models import User
from vinculo.web.access import AuthedHttpRequest, require_sales_operations


def _runs(user: User) -> QuerySet[ImportRun]:
    """The imports a user may follow: an admin every one; a manager those made by their
    team (or by themselves). Another team's import is, for them, not there (404)."""
    runs = ImportRun.objects.all()
    if rules.is_admin(user):
        return runs
    where = Q(created_by=user)
    if user.team_id is not None:
        where |= Q(created_by__team_id=user.team_id)
    return runs.filter(where)


PROBLEMS_PAGE_SIZE = 50
RUNS_SHOWN = 50
REVIEW_PAGE_SIZE = 50


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File"))
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        required=False,
        choices=[("", gettext_lazy("Detect from the file")), *ImportFormat.choices],
    )
    preset = forms.ChoiceField(
        label=gettext_lazy("CRM export"),
        required=False,
        choices=[("", gettext_lazy("Recognise from the header row"))]
        + [(p, p.capitalize()) for p in PRESETS],
    )
    mapping = forms.CharField(
        label=gettext_lazy("Column mapping (CSV)"),
        required=False,
        help_text=gettext_lazy("One COLUMN=FIELD a line, for a CSV no preset knows."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _run_context(run: ImportRun, page_number: str | None) -> dict[str, Any]:
    data = run.report if run.report else run.preview
    report = report_from(data)
    problems = Paginator(report.problems, PROBLEMS_PAGE_SIZE).get_page(page_number)
    live = progress_of(run)
    done = live if live is not None else run.progress
    percent = min(100, round(100 * done / run.total)) if run.total else 0
    return {
        "run": run,
        "lines": report.lines(),
        "report": report,
        "page": problems,
        "problems_not_listed": report.problems_not_listed,
        "interrupted": is_interrupted(run),
        "can_apply": can_apply(run),
        "applied": bool(run.report),
        "done": done,
        "percent": percent,
        "nav": "imports",
    }


@require_http_methods(["GET", "POST"])
def import_list(request: AuthedHttpRequest) -> HttpResponse:
    """Upload a file (its dry run is the preview) and the imports made before."""
    user = require_sales_operations(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        problems, mapping = options_problems(preset=data["preset"], mapping_text=data["mapping"])
        for problem in problems:
            form.add_error("mapping", problem)
        if not problems:
            upload = data["file"]
            try:
                run = import_run_create(
                    actor=user,
                    filename=upload.name or "upload",
                    chunks=upload.chunks(),
                    format=data["format"],
                    options=Options(preset=data["preset"], mapping=mapping),
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error("file", message)
            else:
                if run.status == ImportStatus.REFUSED:
                    messages.error(request, _("The file was refused; nothing was changed."))
                return redirect("web:import_run", run_id=run.pk)
    runs = _runs(user).select_related("created_by")[:RUNS_SHOWN]
    return render(request, "web/import_list.html", {"form": form, "runs": runs, "nav": "imports"})


@require_GET
def import_run(request: AuthedHttpRequest, run_id: int) -> HttpResponse:
    """A run's preview (what would be created, updated, skipped), its progress or report."""
    user = require_sales_operations(request)
    run = get_object_or_404(_runs(user).select_related("created_by"), pk=run_id)
    context = _run_context(run, request.GET.get("page"))
    return render(request, "web/import_run.html", context)


@require_GET
def import_progress(request: AuthedHttpRequest, run_id: int) -> HttpResponse:
    """The progress panel, polled every second while the run is applied."""
    user = require_sales_operations(request)
    run = get_object_or_404(_runs(user), pk=run_id)
    response = render(request, "web/_import_progress.html", _run_context(run, None))
    if run.status != ImportStatus.RUNNING or is_interrupted(run):
        # Finished: reload the whole page, which shows the report.
        response["HX-Refresh"] = "true"
    return response


@require_POST
def import_apply(request: AuthedHttpRequest, run_id: int) -> HttpResponse:
    """Confirm a preview (or re-run a failed or interrupted import)."""
    user = require_sales_operations(request)
    run = get_object_or_404(_runs(user), pk=run_id)
    try:
        import_run_start(run=run, actor=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("web:import_run", run_id=run.pk)


# -- the review list --------------------------------------------------------------------


@require_GET
def review(request: AuthedHttpRequest) -> HttpResponse:
    """Unmatched addresses and possible duplicates, each with what can be done; a pair is
    shown only when the user may read both people."""
    user = require_sales_operations(request)
    addresses = Paginator(
        capture_review.unmatched_for_review().order_by("-seen", "email"), REVIEW_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    pairs_page = Paginator(capture_review.duplicate_pairs(), REVIEW_PAGE_SIZE).get_page(
        request.GET.get("pairs")
    )
    ids = {p.first for p in pairs_page} | {p.second for p in pairs_page}
    people = {
        p.pk: p
        for p in rules.visible_people(user)
        .filter(pk__in=ids)
        .prefetch_related("emails", "employments__account")
    }
    account_names = dict(
        Account.objects.filter(
            pk__in={p.account_id for p in pairs_page if p.account_id}
        ).values_list("pk", "name")
    )
    pairs = [
        {
            "pair": pair,
            "first": people[pair.first],
            "second": people[pair.second],
            "account": account_names.get(pair.account_id or 0, ""),
        }
        for pair in pairs_page
        if pair.first in people and pair.second in people
    ]
    accounts_by_domain = dict(
        AccountDomain.objects.filter(domain__in={a.domain for a in addresses}).values_list(
            "domain", "account__name"
        )
    )
    rows = [
        {
            "address": address,
            "suggested_name": address.name or name_from_address(address.email),
            "can_be_account": capture_review.can_be_account_domain(address.domain),
            "account": accounts_by_domain.get(address.domain, ""),
        }
        for address in addresses
    ]
    context = {
        "addresses": addresses,
        "rows": rows,
        "pairs": pairs,
        "pairs_page": pairs_page,
        "nav": "review",
    }
    return render(request, "web/review.html", context)


@require_POST
def review_address(request: AuthedHttpRequest, address_id: int) -> HttpResponse:
    """Create the person or the account an unmatched address stands for, or ignore it."""
    user = require_sales_operations(request)
    address = get_object_or_404(UnmatchedAddress, pk=address_id)
    action = request.POST.get("action", "")
    try:
        if action == "person":
            name = request.POST.get("name", "").strip() or name_from_address(
                address.email, address.name
            )
            person = person_create(name=name, emails=[address.email], actor=user)
            account = Account.objects.filter(domains__domain=address.domain).first()
            if account is not None:
                employment_start(person=person, account=account, start=None, actor=user)
            address.delete()
            messages.success(request, _("%(name)s added.") % {"name": person.name})
        elif action == "account":
            name = request.POST.get("name", "").strip() or (
                capture_review.account_name_from_domain(address.domain)
            )
            if not capture_review.can_be_account_domain(address.domain):
                raise ValidationError(
                    _("%(d)s is a free-mail domain; it cannot be an account's.")
                    % {"d": address.domain}
                )
            account = account_create(name=name, domains=[address.domain], actor=user)
            messages.success(request, _("%(name)s added.") % {"name": account.name})
        elif action in {"ignore_address", "ignore_domain"}:
            value = address.email if action == "ignore_address" else address.domain
            capture_review.block_add(actor=user, value=value)
            messages.success(request, _("%(v)s will be left out of later imports.") % {"v": value})
        else:
            raise ValidationError(_("Unknown action."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("web:review")


@require_POST
def review_merge(request: AuthedHttpRequest) -> HttpResponse:
    """Merge two people: the one kept receives everything of the other."""
    user = require_sales_operations(request)
    keep_id, remove_id = request.POST.get("keep", ""), request.POST.get("remove", "")
    if not (keep_id.isdigit() and remove_id.isdigit()):
        messages.error(request, _("Choose the two people to merge."))
        return redirect("web:review")
    keep = rules.person_for(user, int(keep_id), change=True)
    remove = rules.person_for(user, int(remove_id), change=True)
    name = remove.name
    try:
        person_merge(actor=user, keep=keep, remove=remove)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("web:review")
    messages.success(
        request, _("%(removed)s merged into %(kept)s.") % {"removed": name, "kept": keep.name}
    )
    return redirect("web:review")
