"""Validation and derivation of promises, complaints, concerns and initiatives: pure
functions shared by the services, the bundle importer and the admin (``vinculo.checks``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from vinculo.checks import Problems, check_amount, check_choice, check_order, check_text
from vinculo.vocab import CommitmentStatus, Outcome, Severity

# Read once: TextChoices.values builds a new list at every call (the importer asks per row).
_COMMITMENT_STATUSES = tuple(CommitmentStatus.values)
_OUTCOMES = tuple(Outcome.values)
_SEVERITIES = tuple(Severity.values)


def _subject(problems: Problems, has_person: bool, has_account: bool) -> None:
    if not has_person and not has_account:
        problems["person"] = _("Say to whom: a person, an account or both.")


def commitment_problems(
    *,
    text: str,
    made_on: date | None,
    due: date | None = None,
    status: str = CommitmentStatus.OPEN,
    closed_on: date | None = None,
    has_person: bool,
    has_account: bool,
) -> Problems:
    problems: Problems = {}
    _subject(problems, has_person, has_account)
    check_text(problems, "text", text, required=_("Write what was promised."))
    if made_on is None:
        problems["made_on"] = _("Say when it was promised.")
    check_order(problems, "due", made_on, due, _("A promise cannot be due before it was made."))
    check_choice(problems, "status", status, _COMMITMENT_STATUSES)
    check_order(
        problems, "closed_on", made_on, closed_on, _("A promise cannot close before it was made.")
    )
    if status == CommitmentStatus.OPEN and closed_on is not None:
        problems.setdefault("closed_on", _("An open promise has no closing date."))
    elif status in _COMMITMENT_STATUSES and status != CommitmentStatus.OPEN and closed_on is None:
        problems.setdefault("closed_on", _("Say when the promise was closed."))
    return problems


def commitment_closed_status(status: str, due: date | None, closed_on: date | None) -> str:
    """Kept or kept late follows the dates, not the word chosen: the ledger tells the truth
    (``commitment_close`` and the importer both store this)."""
    kept = (CommitmentStatus.KEPT, CommitmentStatus.KEPT_LATE)
    if status in kept and due is not None and closed_on is not None:
        return CommitmentStatus.KEPT_LATE if closed_on > due else CommitmentStatus.KEPT
    return status


def commitment_account(
    *,
    account_id: int | None,
    interaction_account_id: int | None,
    person_id: int | None,
    made_on: date,
    account_on: Callable[[int, date], int | None],
) -> int | None:
    """A promise made to a person counts for their company too (account health, M2): the
    account given, else that of the interaction it came from, else where the person
    worked on the day it was made (``account_on``: ``people.rules``, by SQL or in bulk)."""
    if account_id is not None:
        return account_id
    if interaction_account_id is not None:
        return interaction_account_id
    if person_id is not None:
        return account_on(person_id, made_on)
    return None


def complaint_problems(
    *,
    opened: date | None,
    severity: str = Severity.MEDIUM,
    category: str = "",
    first_response: date | None = None,
    resolved: date | None = None,
    satisfaction_after: int | None = None,
    has_person: bool,
    has_account: bool,
) -> Problems:
    problems: Problems = {}
    _subject(problems, has_person, has_account)
    if opened is None:
        problems["opened"] = _("Say when it was raised.")
    check_choice(problems, "severity", severity, _SEVERITIES, required=_("Choose a severity."))
    check_text(problems, "category", category, max_length=120)
    check_order(
        problems,
        "first_response",
        opened,
        first_response,
        _("A complaint cannot be answered before it opened."),
    )
    check_order(
        problems,
        "resolved",
        opened,
        resolved,
        _("A complaint cannot be resolved before it opened."),
    )
    if satisfaction_after is not None and not 1 <= satisfaction_after <= 5:
        problems["satisfaction_after"] = _("Satisfaction goes from 1 to 5.")
    return problems


def concern_problems(
    *,
    topic: str,
    opened: date | None,
    resolved: date | None = None,
    has_person: bool,
    has_account: bool,
) -> Problems:
    problems: Problems = {}
    _subject(problems, has_person, has_account)
    check_text(problems, "topic", topic, max_length=300, required=_("Write what worries them."))
    if opened is None:
        problems["opened"] = _("Say when it came up.")
    check_order(
        problems, "resolved", opened, resolved, _("A concern cannot be resolved before it opened.")
    )
    return problems


def initiative_problems(
    *,
    text: str,
    proposed_on: date | None,
    outcome: str = Outcome.PENDING,
    value: Decimal | None = None,
    has_person: bool,
    has_account: bool,
) -> Problems:
    problems: Problems = {}
    _subject(problems, has_person, has_account)
    check_text(problems, "text", text, required=_("Write what was proposed."))
    if proposed_on is None:
        problems["proposed_on"] = _("Say when it was proposed.")
    check_choice(problems, "outcome", outcome, _OUTCOMES, required=_("Choose an outcome."))
    check_amount(problems, "value", value, negative=_("The value cannot be negative."))
    return problems
