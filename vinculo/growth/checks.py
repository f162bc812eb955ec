"""Validation of product lines, holdings, concessions and value items: pure functions
shared by the services, the bundle importer and the admin (``vinculo.checks``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from vinculo.checks import Problems, check_amount, check_choice, check_order, check_text
from vinculo.vocab import ConcessionKind, ValueKind

# Read once: TextChoices.values builds a new list at every call (the importer asks per row).
_CONCESSION_KINDS = tuple(ConcessionKind.values)
_VALUE_KINDS = tuple(ValueKind.values)

# Holdings are yearly figures; anything outside this range is a typing mistake.
FIRST_YEAR, LAST_YEAR = 1990, 2100


def product_line_problems(*, name: str) -> Problems:
    problems: Problems = {}
    check_text(problems, "name", name, max_length=200, required=_("A product line needs a name."))
    return problems


def holding_problems(*, year: int | None, revenue: Decimal | None) -> Problems:
    problems: Problems = {}
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        problems["year"] = _("The year must be between %(first)s and %(last)s.") % {
            "first": FIRST_YEAR,
            "last": LAST_YEAR,
        }
    check_amount(problems, "revenue", revenue, negative=_("Revenue cannot be negative."))
    return problems


def concession_problems(
    *,
    granted_on: date | None,
    kind: str,
    size_pct: Decimal | None = None,
    amount: Decimal | None = None,
    policy: str = "",
    approved_by: str = "",
) -> Problems:
    problems: Problems = {}
    if granted_on is None:
        problems["granted_on"] = _("Say when it was granted.")
    check_choice(
        problems,
        "kind",
        kind,
        _CONCESSION_KINDS,
        required=_("Choose the kind of concession."),
    )
    if size_pct is not None and not 0 <= size_pct <= 100:
        problems["size_pct"] = _("A percentage goes from 0 to 100.")
    else:
        check_amount(problems, "size_pct", size_pct)
    check_amount(problems, "amount", amount, negative=_("The amount cannot be negative."))
    check_text(problems, "policy", policy, max_length=300)
    check_text(problems, "approved_by", approved_by, max_length=200)
    return problems


def value_item_problems(
    *,
    date: date | None,
    kind: str,
    amount: Decimal | None = None,
    communicated_on: date | None = None,
) -> Problems:
    problems: Problems = {}
    if date is None:
        problems["date"] = _("Say when the value was delivered.")
    check_choice(problems, "kind", kind, _VALUE_KINDS, required=_("Choose the kind of value."))
    check_amount(problems, "amount", amount, negative=_("The amount cannot be negative."))
    check_order(
        problems,
        "communicated_on",
        date,
        communicated_on,
        _("Value cannot be communicated before it was delivered."),
    )
    return problems
