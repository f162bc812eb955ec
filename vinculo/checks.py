"""The small checks every entity's validation is made of, with their translated words.

Each app's ``checks`` module builds, from these, one pure function per entity that returns
its problems as ``{field: message}``; the services raise them as a ``ValidationError``,
the bundle importer reports them as ``file:line: column: message`` and the admin forms
show them beside their fields. One list of rules and one wording for all of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _

Problems = dict[str, str]

# What a DecimalField(max_digits=14, decimal_places=2) holds.
MAX_AMOUNT = Decimal("999999999999.99")


def raise_problems(problems: Mapping[str, str]) -> None:
    if problems:
        raise ValidationError(dict(problems))


def check_text(
    problems: Problems,
    field: str,
    value: str,
    *,
    max_length: int | None = None,
    required: str | Promise | None = None,
) -> None:
    """``required`` is the message for an empty value; None means it may be empty."""
    if required is not None and not value.strip():
        problems.setdefault(field, str(required))
    elif max_length is not None and len(value) > max_length:
        problems.setdefault(
            field,
            _("At most %(max)d characters (this has %(length)d).")
            % {"max": max_length, "length": len(value)},
        )


def check_choice(
    problems: Problems,
    field: str,
    value: str,
    choices: Sequence[str],
    *,
    required: str | Promise | None = None,
) -> None:
    """``required`` may be lazy (a module constant): the hot path then translates nothing."""
    if not value:
        if required is not None:
            problems.setdefault(field, str(required))
        return
    if value not in choices:
        problems.setdefault(
            field,
            _("“%(value)s” is not one of: %(choices)s.")
            % {"value": value, "choices": ", ".join(choices)},
        )


def check_amount(
    problems: Problems,
    field: str,
    value: Decimal | None,
    *,
    maximum: Decimal = MAX_AMOUNT,
    negative: str | None = None,
) -> None:
    """Not negative, not above ``maximum``, at most two decimals."""
    if value is None:
        return
    if value < 0:
        problems.setdefault(field, negative or _("It cannot be negative."))
    elif value > maximum:
        problems.setdefault(field, _("At most %(max)s.") % {"max": maximum})
    elif -value.as_tuple().exponent > 2:  # type: ignore[operator]
        problems.setdefault(field, _("At most two decimals."))


def check_order(
    problems: Problems, field: str, earlier: date | None, later: date | None, message: str
) -> None:
    """``later`` (the field's value) must not come before ``earlier``."""
    if earlier is not None and later is not None and later < earlier:
        problems.setdefault(field, message)
