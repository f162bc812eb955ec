"""The exports of the web: list pages as CSV/XLSX, people as vCards, the calendar feed and
the value review. Each reads through the same function as the page it comes from."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from vinculo.exchange import lists, vcards
from vinculo.people import selectors as people_selectors
from vinculo.web import lists as web_lists
from vinculo.web.access import AuthedHttpRequest

_CSV = "text/csv; charset=utf-8"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_VCARD = "text/vcard; charset=utf-8"


def _attachment(response: HttpResponse | StreamingHttpResponse, name: str) -> None:
    response["Content-Disposition"] = content_disposition_header(True, name)


def _list_file(spec: lists.ListSpec, rows: object, fmt: str) -> HttpResponse:
    language = get_language() or "es"
    stream = lists.rows_of(spec, rows)  # type: ignore[arg-type]
    if fmt == "csv":
        response = StreamingHttpResponse(lists.csv_lines(stream, language=language), _CSV)
        _attachment(response, lists.file_name(spec, "csv"))
        return response  # type: ignore[return-value]
    if fmt == "xlsx":
        handle = lists.write_xlsx(spec, stream, language=language)
        return FileResponse(
            handle, as_attachment=True, filename=lists.file_name(spec, "xlsx"), content_type=_XLSX
        )
    raise Http404


@require_GET
def people_export(request: AuthedHttpRequest, fmt: str) -> HttpResponse:
    """The people list as on screen (same search, scope and sort), every page of it."""
    _chosen, people = web_lists.people_for(request.GET, user=request.user)
    if fmt == "vcf":
        response = StreamingHttpResponse(vcards.people_cards(people), _VCARD)
        _attachment(response, lists.file_name(lists.PEOPLE, "vcf"))
        return response  # type: ignore[return-value]
    return _list_file(lists.PEOPLE, people, fmt)


@require_GET
def accounts_export(request: AuthedHttpRequest, fmt: str) -> HttpResponse:
    """The accounts list as on screen (same search and sort)."""
    _chosen, accounts = web_lists.accounts_for(request.GET)
    return _list_file(lists.ACCOUNTS, accounts, fmt)


@require_GET
def person_vcard(request: AuthedHttpRequest, person_id: int) -> HttpResponse:
    """One person's card, from the same read as their page."""
    person = people_selectors.person_profile(person_id=person_id)
    response = HttpResponse(vcards.person_card(person), _VCARD)
    slug = "".join(c if c.isalnum() else "-" for c in person.name).strip("-") or "person"
    _attachment(response, f"{slug}.vcf")
    return response
