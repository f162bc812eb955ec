"""Validation of accounts, people, jobs, plans and colleagues: pure functions shared by
the services, the bundle importer and the admin (``vinculo.checks``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from vinculo.checks import Problems, check_amount, check_choice, check_order, check_text
from vinculo.vocab import AccountStatus, Channel, DecisionRole, Function, LegalBasis, Tier

# Read once: TextChoices.values builds a new list at every call (the importer asks per row).
_ACCOUNT_STATUSES = tuple(AccountStatus.values)
_CHANNELS = tuple(Channel.values)
_DECISION_ROLES = tuple(DecisionRole.values)
_FUNCTIONS = tuple(Function.values)
_LEGAL_BASES = tuple(LegalBasis.values)
_TIERS = tuple(Tier.values)


def email_problem(address: str) -> str | None:
    try:
        validate_email(address)
    except ValidationError:
        return _("“%(address)s” is not a valid email address.") % {"address": address}
    return None


def emails_clean(addresses: Iterable[str]) -> tuple[list[str], str | None]:
    """Lower case, trimmed, without repeats; and the first problem, if any."""
    found: list[str] = []
    for raw in addresses:
        address = raw.strip().lower()
        if not address:
            continue
        problem = email_problem(address)
        if problem is not None:
            return found, problem
        if address not in found:
            found.append(address)
    return found, None


def domain_problem(domain: str) -> str | None:
    if not domain or "." not in domain or " " in domain or "@" in domain or len(domain) > 253:
        return _("“%(domain)s” is not a valid domain.") % {"domain": domain}
    return None


def domains_clean(domains: Iterable[str]) -> tuple[list[str], str | None]:
    """Lower case, without a leading @, without repeats; and the first problem, if any."""
    found: list[str] = []
    for raw in domains:
        domain = raw.strip().lower().removeprefix("@")
        if not domain:
            continue
        problem = domain_problem(domain)
        if problem is not None:
            return found, problem
        if domain not in found:
            found.append(domain)
    return found, None


def account_problems(
    *,
    name: str,
    industry: str = "",
    country: str = "",
    tier: str = "",
    size: str = "",
    status: str = AccountStatus.ACTIVE,
    wallet_yearly: Decimal | None = None,
) -> Problems:
    problems: Problems = {}
    check_text(problems, "name", name, max_length=200, required=_("An account needs a name."))
    check_text(problems, "industry", industry, max_length=120)
    if country and not (len(country) == 2 and country.isalpha()):
        problems["country"] = _("“%(value)s” is not a two-letter ISO country code.") % {
            "value": country
        }
    check_choice(problems, "tier", tier, _TIERS)
    check_text(problems, "size", size, max_length=40)
    check_choice(problems, "status", status, _ACCOUNT_STATUSES, required=_("Choose a status."))
    check_amount(
        problems, "wallet_yearly", wallet_yearly, negative=_("The wallet cannot be negative.")
    )
    return problems


# The personal facts of M18, which need a legal basis and its source.
PERSONAL_FACT_FIELDS = (
    "birthday",
    "family",
    "tastes",
    "friends",
    "interests",
    "professional_interests",
)


def personal_facts_given(
    *, after: Mapping[str, Any], before: Mapping[str, Any] | None = None
) -> bool:
    """Whether a write records personal facts (``person_problems(facts_given=...)``): the
    result holds some, and they or their legal basis change (a fact added or corrected, the
    basis or its source changed while facts are held). A write that touches neither (a new
    phone) is not refused for a source an older record lacks."""
    if not any(after.get(f) not in (None, "") for f in PERSONAL_FACT_FIELDS):
        return False
    if before is None:
        return True
    watched = (*PERSONAL_FACT_FIELDS, "legal_basis", "legal_basis_source")
    return any(after.get(f) != before.get(f) for f in watched)


def person_problems(
    *,
    name: str,
    phones: str = "",
    language: str = "",
    legal_basis: str = LegalBasis.LEGITIMATE_INTEREST,
    legal_basis_source: str = "",
    facts_given: bool = False,
) -> Problems:
    """``facts_given``: personal facts (M18: birthday, family, tastes, friends, interests)
    are being recorded, which needs a legal basis and where it comes from."""
    problems: Problems = {}
    check_text(problems, "name", name, max_length=200, required=_("A person needs a name."))
    if facts_given:
        check_text(
            problems,
            "legal_basis_source",
            legal_basis_source,
            required=_(
                "Personal facts need the source of their legal basis: the consent form, "
                "the contract or the assessment."
            ),
        )
    check_text(problems, "legal_basis_source", legal_basis_source, max_length=500)
    check_text(problems, "phones", phones, max_length=200)
    check_text(problems, "language", language, max_length=8)
    check_choice(
        problems,
        "legal_basis",
        legal_basis,
        _LEGAL_BASES,
        required=_("Choose the legal basis for their personal data."),
    )
    return problems


def employment_problems(
    *,
    title: str = "",
    function: str = Function.OTHER,
    decision_role: str = "",
    start: date | None = None,
    end: date | None = None,
) -> Problems:
    problems: Problems = {}
    check_text(problems, "title", title, max_length=200)
    check_choice(problems, "function", function, _FUNCTIONS, required=_("Choose a function."))
    check_choice(problems, "decision_role", decision_role, _DECISION_ROLES)
    check_order(problems, "end", start, end, _("A job cannot end before it started."))
    return problems


def contact_plan_problems(*, every_days: int, channel: str = "", place: str = "") -> Problems:
    problems: Problems = {}
    if every_days < 1:
        problems["every_days"] = _("The cadence must be at least one day.")
    check_choice(problems, "channel", channel, _CHANNELS)
    check_text(problems, "place", place, max_length=200)
    return problems


def colleague_problems(*, name: str, function: str = Function.SALES) -> Problems:
    problems: Problems = {}
    check_text(problems, "name", name, max_length=200, required=_("A colleague needs a name."))
    check_choice(problems, "function", function, _FUNCTIONS, required=_("Choose a function."))
    return problems
