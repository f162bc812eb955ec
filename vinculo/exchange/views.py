"""The exports of the web: list pages as CSV/XLSX, people as vCards, the calendar feed and
the value review. Each reads through the same function as the page it comes from."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from vinculo.access import rules
from vinculo.access.models import Face
from vinculo.exchange import feeds, lists, review, review_pdf, vcards
from vinculo.people import selectors as people_selectors
from vinculo.web import lists as web_lists
from vinculo.web.access import AuthedHttpRequest

_CSV = "text/csv; charset=utf-8"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_VCARD = "text/vcard; charset=utf-8"


def _attachment(response: HttpResponse | StreamingHttpResponse, name: str) -> None:
    response["Content-Disposition"] = content_disposition_header(True, name) or ""


def _list_file(
    spec: lists.ListSpec, rows: object, fmt: str
) -> HttpResponse | StreamingHttpResponse:
    language = get_language() or "es"
    stream = lists.rows_of(spec, rows)  # type: ignore[arg-type]
    if fmt == "csv":
        response = StreamingHttpResponse(lists.csv_lines(stream, language=language), _CSV)
        _attachment(response, lists.file_name(spec, "csv"))
        return response
    if fmt == "xlsx":
        handle = lists.write_xlsx(spec, stream, language=language)
        return FileResponse(
            handle, as_attachment=True, filename=lists.file_name(spec, "xlsx"), content_type=_XLSX
        )
    raise Http404


@require_GET
def people_export(request: AuthedHttpRequest, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """The people list as on screen (same search, scope and sort), every page of it: only
    the people the user may read; in cards, birthdays only where they may see personal
    facts, each such read recorded (one query and the inserts, before the stream)."""
    user = request.user
    _chosen, people = web_lists.people_for(request.GET, user=user)
    if fmt == "vcf":
        flagged = rules.with_personal_facts_flag(user, people)
        rules.record_personal_reads(
            user,
            people.filter(rules.personal_facts_q(user), birthday__isnull=False)
            .order_by()
            .values_list("pk", flat=True),
            face=Face.EXPORT,
        )
        response = StreamingHttpResponse(vcards.people_cards(flagged), _VCARD)
        _attachment(response, lists.file_name(lists.PEOPLE, "vcf"))
        return response
    return _list_file(lists.PEOPLE, people, fmt)


@require_GET
def accounts_export(request: AuthedHttpRequest, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """The accounts list as on screen (same search and sort, the user's accounts)."""
    _chosen, accounts = web_lists.accounts_for(request.GET, user=request.user)
    return _list_file(lists.ACCOUNTS, accounts, fmt)


@require_GET
def person_vcard(request: AuthedHttpRequest, person_id: int) -> HttpResponse:
    """One person's card, from the same read as their page (404 unless readable); the
    birthday only for those who may see personal facts, the read recorded."""
    rules.person_for(request.user, person_id)
    person = people_selectors.person_profile(person_id=person_id)
    personal = rules.can_see_personal_facts(request.user, person)
    if personal and person.birthday is not None:
        rules.record_personal_reads(request.user, [person.pk], face=Face.EXPORT)
    response = HttpResponse(vcards.person_card(person, personal=personal), _VCARD)
    slug = "".join(c if c.isalnum() else "-" for c in person.name).strip("-") or "person"
    _attachment(response, f"{slug}.vcf")
    return response


# -- the calendar feed ----------------------------------------------------------------------


@login_not_required
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The agenda as iCalendar, for calendar clients: no session, only the secret address.
    An unknown or revoked address is a 404, not a 403: it says nothing about whether it
    ever existed."""
    user = feeds.calendar_feed_user(token=token)
    if user is None:
        raise Http404
    calendar = feeds.feed_calendar(
        user=user,
        today=timezone.localdate(),
        host=request.get_host().split(":")[0] or "vinculo",
        absolute=request.build_absolute_uri,
    )
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    response["Content-Disposition"] = content_disposition_header(False, "vinculo.ics") or ""
    return response


@require_http_methods(["GET", "POST"])
def calendar_feed_settings(request: AuthedHttpRequest) -> HttpResponse:
    """Make, replace or revoke one's own calendar address; a new address is shown once."""
    user = request.user
    address = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            if feeds.calendar_feed_revoke(user=user):
                messages.success(request, _("The calendar address no longer works."))
            return redirect("web:calendar_feed_settings")
        _feed, token = feeds.calendar_feed_create(user=user)
        address = request.build_absolute_uri(reverse("web:calendar_feed", args=[token]))
    context = {
        "nav": "calendar",
        "feed": feeds.calendar_feed_live(user=user),
        "address": address,
    }
    response = render(request, "web/calendar_feed.html", context)
    response["Cache-Control"] = "no-store"  # the address is a secret
    return response


# -- the value review -----------------------------------------------------------------------


def _review(request: AuthedHttpRequest, account_id: int) -> review.ValueReview:
    rules.account_for(request.user, account_id)  # 404 unless the user may read it
    since, until = review.review_period(
        today=timezone.localdate(),
        since=_date_param(request, "since"),
        until=_date_param(request, "until"),
    )
    return review.value_review(account_id=account_id, since=since, until=until)


def _date_param(request: AuthedHttpRequest, name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return None


@require_GET
def value_review_page(request: AuthedHttpRequest, account_id: int) -> HttpResponse:
    """The account's value review (M20), to print or to share in a business review. Read
    by whoever may read the account page (others: 404)."""
    found = _review(request, account_id)
    return render(
        request,
        "web/value_review.html",
        {
            "nav": "accounts",
            "account": found.account,
            "review": found,
            "document": review.review_document(found),
            "pdf_query": request.GET.urlencode(),
        },
    )


@require_GET
def value_review_pdf(request: AuthedHttpRequest, account_id: int) -> HttpResponse:
    """The same review as a PDF."""
    found = _review(request, account_id)
    content = review_pdf.review_pdf(review.review_document(found))
    slug = "".join(c if c.isalnum() else "-" for c in found.account.name).strip("-") or "account"
    response = HttpResponse(content, content_type="application/pdf")
    name = _("value-review")
    response["Content-Disposition"] = (
        content_disposition_header(True, f"{name}-{slug}-{found.until.isoformat()}.pdf") or ""
    )
    return response
