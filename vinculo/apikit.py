"""The pieces every API router shares: bounded input types, RFC 9457 problems, opaque
cursor pages, ETag / If-Match, Idempotency-Key and the per-token rate limit.

The routers stay thin: they parse with these types, ask ``vinculo.access.rules`` what the
caller may see, call the services and shape the answer.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from functools import wraps
from typing import Annotated, Any, TypeVar

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, models, transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Header, Schema, Status
from ninja.errors import HttpError
from ninja.throttling import BaseThrottle
from pydantic import AfterValidator, BeforeValidator, create_model

from vinculo.concurrency import Versioned, check_version

# -- bounded input types ---------------------------------------------------------------------

# Ids are 64-bit signed integers in SQLite and PostgreSQL: anything above cannot exist.
MAX_ID = 2**63 - 1
# Dates the API accepts: nothing in a relationship record is older, and planning reaches
# five years ahead at most.
FIRST_DAY = date(1990, 1, 1)
YEARS_AHEAD = 5
# An interaction longer than a day is a typing mistake (a day-long workshop is 1440).
MAX_DURATION_MIN = 1440
MAX_TEXT = 10_000
MAX_LIST = 100

# In paths and query strings (text, read as a number).
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# In JSON bodies: a JSON integer, not true or "5", as the schema says.
Ref = Annotated[int, Field(ge=1, le=MAX_ID, strict=True)]
StrictBool = Annotated[bool, Field(strict=True)]


def last_day() -> date:
    today = timezone.localdate()
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?", re.IGNORECASE
)


def _iso_date(value: Any) -> date:
    """Only ``YYYY-MM-DD``: pydantic alone would read a number as a Unix timestamp."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
        raise ValueError(_("Write the date as YYYY-MM-DD."))
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(_("This date does not exist.")) from None


def _date_in_range(value: date) -> date:
    if not FIRST_DAY <= value <= last_day():
        raise ValueError(
            _("The date must be between %(first)s and %(last)s.")
            % {"first": FIRST_DAY.isoformat(), "last": last_day().isoformat()}
        )
    return value


def _iso_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _DATETIME_RE.fullmatch(value):
        raise ValueError(_("Write the time as YYYY-MM-DDTHH:MM, with an optional offset."))
    try:
        return datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(_("This time does not exist.")) from None


def _datetime_in_range(value: datetime) -> datetime:
    _date_in_range(value.date())
    offset = value.utcoffset()
    if offset is not None and abs(offset) > timedelta(hours=18):
        raise ValueError(_("This time does not exist."))
    return value


def _clean_text(value: Any) -> Any:
    """Text the database can store: no NUL character, no lone surrogate."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(_("The text contains a NUL character."))
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(_("The text is not valid Unicode.")) from None
    return value


Day = Annotated[date, BeforeValidator(_iso_date), AfterValidator(_date_in_range)]
When = Annotated[datetime, BeforeValidator(_iso_datetime), AfterValidator(_datetime_in_range)]


_Clean = AfterValidator(_clean_text)
Str2 = Annotated[str, Field(max_length=2), _Clean]
Str8 = Annotated[str, Field(max_length=8), _Clean]
Str40 = Annotated[str, Field(max_length=40), _Clean]
Str120 = Annotated[str, Field(max_length=120), _Clean]
Str200 = Annotated[str, Field(max_length=200), _Clean]
Str300 = Annotated[str, Field(max_length=300), _Clean]
Str254 = Annotated[str, Field(max_length=254), _Clean]
LongText = Annotated[str, Field(max_length=MAX_TEXT), _Clean]


def _json_number(value: Any) -> Any:
    """A JSON number, not a string or a boolean (pydantic alone would take "12" and true)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(_("Write a number."))
    return Decimal(str(value)) if isinstance(value, float) else value


Money = Annotated[
    Decimal,
    BeforeValidator(_json_number),
    Field(ge=0, le=Decimal("999999999999.99"), decimal_places=2),
]
Percent = Annotated[Decimal, BeforeValidator(_json_number), Field(ge=0, le=100, decimal_places=2)]
Duration = Annotated[int, Field(ge=0, le=MAX_DURATION_MIN, strict=True)]


# -- problems (RFC 9457) ------------------------------------------------------------------------

PROBLEM_TYPE = "application/problem+json"


class FieldProblem(Schema):
    loc: list[str | int]
    msg: str
    type: str


class Problem(Schema):
    """An error, as RFC 9457 describes: the status, a short title and a translated detail."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = None


def _titles() -> dict[int, str]:
    return {
        400: _("Bad request"),
        401: _("Not signed in"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Method not allowed"),
        409: _("Conflict"),
        412: _("Changed meanwhile"),
        422: _("Invalid data"),
        428: _("If-Match required"),
        429: _("Too many requests"),
        500: _("Server error"),
    }


def _default_details() -> dict[int, str]:
    return {
        400: _("The request could not be read."),
        401: _("Sign in or send an API token."),
        403: _("You may not do this."),
        404: _("There is nothing here, or you may not see it."),
        405: _("This address does not take this method."),
        409: _("A request with this Idempotency-Key is still being processed."),
        412: _("The record changed since you read it; read it again."),
        422: _("Some values are not valid; see errors."),
        428: _(
            "Send If-Match with the ETag you read, so that no one else's change is overwritten."
        ),
        429: _("Too many requests; wait and try again."),
        500: _("Something went wrong on our side; it has been logged."),
    }


def problem(
    status: int,
    detail: str | None = None,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _titles().get(status, str(status)),
        "status": status,
        "detail": detail or _default_details().get(status, ""),
    }
    if errors is not None:
        body["errors"] = errors
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def field_errors(error: Any) -> list[dict[str, Any]]:
    """A Django ValidationError as ``[{loc, msg, type}]``, one line per message."""
    if hasattr(error, "error_dict"):
        return [
            {"loc": ["body", field] if field != "__all__" else ["body"], "msg": message,
             "type": "invalid"}
            for field, messages in error.message_dict.items()
            for message in messages
        ]  # fmt: skip
    return [{"loc": ["body"], "msg": message, "type": "invalid"} for message in error.messages]


def ninja_errors(errors: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Ninja's (pydantic's) errors reduced to ``{loc, msg, type}`` (no echo of the input)."""
    result = []
    for error in errors:
        loc = [part if isinstance(part, int) else str(part) for part in error.get("loc", [])]
        result.append(
            {"loc": loc, "msg": str(error.get("msg", "")), "type": str(error.get("type", ""))}
        )
    return result


# -- cursor pages ----------------------------------------------------------------------------

_CURSOR_SALT = "vinculo.api.cursor"
MAX_PAGE = 200
DEFAULT_PAGE = 50


@dataclass(frozen=True)
class Order:
    """One ordering a list offers: a non-null field and its direction; ties by id."""

    field: str
    descending: bool = False

    @property
    def fields(self) -> tuple[str, ...]:
        sign = "-" if self.descending else ""
        return (f"{sign}{self.field}",) if self.field == "id" else (
            f"{sign}{self.field}", f"{sign}id"
        )  # fmt: skip


def ordering_enum(name: str, found: dict[str, Order]) -> type[Enum]:
    """The ``ordering`` query parameter of a list: one enum value per Order offered."""
    return Enum(name, {k: k for k in found}, type=str)  # type: ignore[return-value]


def orders(*fields: str) -> dict[str, Order]:
    """``orders("name", "id")`` -> {"name", "-name", "id", "-id"} as Order."""
    found: dict[str, Order] = {}
    for field in fields:
        found[field] = Order(field)
        found[f"-{field}"] = Order(field, descending=True)
    return found


def _key_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


M = TypeVar("M", bound=models.Model)


def cursor_page(
    queryset: QuerySet[M], *, order: Order, name: str, cursor: str | None, limit: int
) -> dict[str, Any]:
    """One page of ``queryset`` after ``cursor``, and the cursor of the next page.

    The cursor is signed (opaque, cannot be forged into another query) and carries the last
    row's ordering value and id, so that rows added or removed meanwhile neither repeat nor
    skip rows already seen (keyset pagination: one indexed range query per page).
    """
    field, after = order.field, None
    if cursor:
        try:
            data = signing.loads(cursor, salt=_CURSOR_SALT)
        except signing.BadSignature:
            raise HttpError(
                400, _("This cursor is not valid; start from the first page.")
            ) from None
        if (
            not isinstance(data, dict)
            or data.get("n") != name
            or data.get("o") != list(order.fields)
        ):
            raise HttpError(400, _("This cursor belongs to another list or ordering."))
        after = data.get("k")
    queryset = queryset.order_by(*order.fields)
    if after is not None:
        value, last_id = after
        cmp = "lt" if order.descending else "gt"
        if field == "id":
            queryset = queryset.filter(**{f"id__{cmp}": last_id})
        else:
            queryset = queryset.filter(
                Q(**{f"{field}__{cmp}": value}) | Q(**{field: value, f"id__{cmp}": last_id})
            )
    rows = list(queryset[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        key = [_key_value(getattr(last, field)), last.pk]
        next_cursor = signing.dumps({"n": name, "o": order.fields, "k": key}, salt=_CURSOR_SALT)
    return {"items": rows, "next_cursor": next_cursor}


_NEXT_CURSOR = "Pass it as ?cursor= for the next page; null on the last page."
_page_models: dict[type, type[Schema]] = {}


def page_of(item: type[Schema]) -> type[Schema]:
    """The page schema of a list: ``{items: [...], next_cursor}``."""
    if item not in _page_models:
        _page_models[item] = create_model(
            f"{item.__name__.removesuffix('Out')}Page",
            __base__=Schema,
            items=(list[item], ...),  # type: ignore[valid-type]
            next_cursor=(
                str | None,
                Field(
                    None, description="Pass as ?cursor= for the next page; null on the last page."
                ),
            ),
        )
    return _page_models[item]


class PageParams(Schema):
    cursor: str | None = Field(None, max_length=1000, description="From next_cursor.")
    limit: int = Field(DEFAULT_PAGE, ge=1, le=MAX_PAGE)


def subject_page(
    rows: QuerySet[M], filters: Any, page: PageParams, found: dict[str, Order], name: str
) -> dict[str, Any]:
    """A page of records that belong to a person or an account, filtered by the
    ``person_id`` and ``account_id`` the filters offer, in the ``ordering`` asked."""
    if getattr(filters, "person_id", None) is not None:
        rows = rows.filter(person_id=filters.person_id)
    if getattr(filters, "account_id", None) is not None:
        rows = rows.filter(account_id=filters.account_id)
    return cursor_page(
        rows, order=found[filters.ordering.value], name=name, cursor=page.cursor, limit=page.limit
    )


# -- ETag / If-Match -------------------------------------------------------------------------


def etag(row: Versioned) -> str:
    return f'"v{row.version}"'


def with_etag(response: HttpResponse, row: Versioned) -> None:
    response["ETag"] = etag(row)


_ETAG_RE = re.compile(r'\s*(?:W/)?"v(\d{1,9})"\s*')


def if_match_version(if_match: str | None) -> int:
    """The version an ``If-Match`` header names, which every PATCH and DELETE must send.

    Without one (or with ``*``, which names no version) the write is refused with 428
    (RFC 6585): a client that read nothing would overwrite whatever anyone else saved. A
    value that names no version of ours cannot match: 412, as RFC 9110 says.
    """
    if if_match is None or if_match.strip() in ("", "*"):
        raise HttpError(428, _default_details()[428])
    found = _ETAG_RE.fullmatch(if_match)
    if found is None:
        raise HttpError(412, _('If-Match must be the ETag you read, such as "v3".'))
    return int(found.group(1))


@contextmanager
def version_guard(row: Versioned, if_match: str | None) -> Iterator[None]:
    """For services that take no ``version`` yet: lock the row, refuse a missing or stale
    If-Match, then let the service write inside the same transaction."""
    version = if_match_version(if_match)
    with transaction.atomic():
        type(row)._default_manager.select_for_update().filter(pk=row.pk).values_list("pk").first()
        check_version(row, version)
        yield


# -- the shapes every route repeats ----------------------------------------------------------

IdempotencyKey = Header(
    None, alias="Idempotency-Key", max_length=200, description="Replays the first answer."
)
# Required in the schema (vinculo.api); absent here, so that its absence is our 428.
IfMatch = Header(None, alias="If-Match", max_length=100, description="The ETag you read.")

V = TypeVar("V", bound=Versioned)


def tagged(response: HttpResponse, row: V) -> V:
    """``row``, answered with its ETag."""
    with_etag(response, row)
    return row


def created(request: HttpRequest, response: HttpResponse, row: Versioned) -> Status[Any]:
    """201 with the new row, its ETag and its address."""
    with_etag(response, row)
    response["Location"] = f"{request.path.rstrip('/')}/{row.pk}"
    return Status(201, row)


def record_for(request: HttpRequest, rows: QuerySet[Any], pk: int, *, change: bool = False) -> Any:
    """The row ``pk`` of ``rows`` that the caller may read (404 otherwise, not revealing it
    exists); with ``change``, only for a writer who may change its person and account (403)."""
    from vinculo.access import rules
    from vinculo.users.api import api_user, require_change, require_writer

    user = require_writer(request) if change else api_user(request)
    row = get_object_or_404(rules.scoped(user, rows), pk=pk)
    if change:
        require_change(user, row)
    return row


def update_through(
    service: Callable[..., Any],
    request: HttpRequest,
    response: HttpResponse,
    rows: QuerySet[Any],
    pk: int,
    payload: Schema,
    if_match: str | None,
) -> Any:
    """A PATCH through ``<entity>_update(*, <entity>, actor, version, **changes)``: the row
    the caller may change, the version its If-Match names (428 / 412), the fields sent; then
    the row read again, with its new ETag."""
    entity = service.__name__.removesuffix("_update")
    from vinculo.users.api import api_user

    row = record_for(request, rows, pk, change=True)
    service(
        **{entity: row},
        actor=api_user(request),
        version=if_match_version(if_match),
        **payload.dict(exclude_unset=True),
    )
    return tagged(response, record_for(request, rows, pk))


def patch_route(
    router: Any,
    path: str,
    *,
    service: Callable[..., Any],
    rows: Callable[[], QuerySet[Any]],
    payload: type[Schema],
    out: type[Schema],
    module: str,
) -> None:
    """``PATCH path`` through ``service`` (see ``update_through``), registered on ``router``.

    The view is named ``<entity>_change`` in ``module``, as a hand-written one would be, so the
    OpenAPI operation id stays ``<module>_<entity>_change``; its signature is built here (the
    path's id, the payload schema, If-Match) because django-ninja reads the parameters from it.
    """
    import inspect

    key = path.rsplit("{", 1)[1].rstrip("}")

    def view(request: HttpRequest, **params: Any) -> Any:
        return update_through(
            service,
            request,
            params["response"],
            rows(),
            params[key],
            params["payload"],
            params["if_match"],
        )

    keyword = inspect.Parameter.POSITIONAL_OR_KEYWORD
    view.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("request", keyword, annotation=HttpRequest),
            inspect.Parameter(key, keyword, annotation=Id),
            inspect.Parameter("payload", keyword, annotation=payload),
            inspect.Parameter("response", keyword, annotation=HttpResponse),
            inspect.Parameter("if_match", keyword, annotation=str | None, default=IfMatch),
        ]
    )
    view.__name__ = view.__qualname__ = service.__name__.replace("_update", "_change")
    view.__module__ = module
    router.patch(path, response=out)(view)


# -- Idempotency-Key -------------------------------------------------------------------------

IDEMPOTENCY_TTL = timedelta(hours=24)
_REPLAYED_HEADERS = ("Location", "ETag")


def _caller_scope(request: HttpRequest) -> str | None:
    """Whose keys these are: the token's digest, or the signed-in user."""
    from vinculo.users.services import token_digest

    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return "t:" + token_digest(header[7:].strip())
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"u:{user.pk}"
    return None


def idempotent(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Wraps a create view: the same Idempotency-Key with the same body replays the first
    answer; with another body it is refused (422); while the first runs, 409."""
    from vinculo.users.models import IdempotencyKey

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        key = request.headers.get("Idempotency-Key")
        scope = _caller_scope(request)
        if not key or scope is None or len(key) > 200:
            return view(request, *args, **kwargs)
        digest = hashlib.sha256(
            (request.method or "").encode() + b" " + request.path.encode() + b"\n" + request.body
        ).hexdigest()
        now = timezone.now()
        IdempotencyKey.objects.filter(created_at__lt=now - IDEMPOTENCY_TTL).delete()
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(scope=scope, key=key, request_digest=digest)
        except IntegrityError:
            earlier = IdempotencyKey.objects.filter(scope=scope, key=key).first()
            if earlier is None:
                return problem(409)
            if earlier.request_digest != digest:
                return problem(
                    422,
                    _("This Idempotency-Key was used with another request; use a new key."),
                )
            if earlier.status == 0:
                return problem(409)
            replay = HttpResponse(
                earlier.body, status=earlier.status, content_type=earlier.content_type
            )
            for name, value in earlier.headers.items():
                replay[name] = value
            replay["Idempotent-Replayed"] = "true"
            return replay
        response = view(request, *args, **kwargs)
        # Kept: what the request itself decided (created, or refused as invalid). Not kept:
        # answers about the circumstances (not signed in, forbidden, too many, our errors),
        # so that the same request can be sent again once they change.
        if not isinstance(response, HttpResponse) or not (
            response.status_code < 400 or response.status_code == 422
        ):
            row.delete()
            return response
        row.status = response.status_code
        row.content_type = response.get("Content-Type", "application/json")
        row.body = response.content.decode()
        row.headers = {h: response[h] for h in _REPLAYED_HEADERS if h in response}
        row.save(update_fields=["status", "content_type", "body", "headers"])
        return response

    return wrapped


# -- rate limit ------------------------------------------------------------------------------


class CallerRateThrottle(BaseThrottle):
    """``settings.VINCULO_API_RATE`` requests per minute per token (or signed-in user),
    counted in the default cache in fixed one-minute windows."""

    window = 60

    def __init__(self) -> None:
        self._wait: float | None = None

    def allow_request(self, request: HttpRequest) -> bool:
        scope = _caller_scope(request)
        if scope is None:
            return True
        limit = int(getattr(settings, "VINCULO_API_RATE", 600))
        now = time.time()
        window = int(now // self.window)
        cache_key = f"api-rate:{scope}:{window}"
        cache.add(cache_key, 0, self.window + 1)
        try:
            count = cache.incr(cache_key)
        except ValueError:
            cache.set(cache_key, 1, self.window + 1)
            count = 1
        if count > limit:
            self._wait = max(1.0, (window + 1) * self.window - now)
            return False
        return True

    def wait(self) -> float | None:
        return self._wait
