"""The review list: addresses nobody is known at, and people who look like one person.

Duplicates are found set by set: people who share an address once it is normalised (case,
a ``+tag``, Gmail's dots), and, within each account, people with similar names (scored
with rapidfuzz over the account's current people only, never all pairs of the book).
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process

from vinculo.capture.core import clean_address, domain_of, is_free_mail
from vinculo.capture.models import BlockedAddress, UnmatchedAddress
from vinculo.people.models import AccountDomain, Employment, PersonEmail
from vinculo.users.models import User

NAME_THRESHOLD = 85.0


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    first: int  # the lower person id
    second: int
    score: float  # 100 for a shared address
    reason: str  # "email" or "name"
    account_id: int | None = None


def normalised_email(address: str) -> str:
    """One key for the spellings of one mailbox: lower case, no ``+tag``, and for Gmail
    no dots and one domain."""
    local, _at, domain = address.strip().lower().partition("@")
    local = local.split("+", 1)[0]
    if domain in {"gmail.com", "googlemail.com"}:
        domain = "gmail.com"
        local = local.replace(".", "")
    return f"{local}@{domain}"


def normalised_name(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    bare = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.split())


def duplicate_pairs(*, threshold: float = NAME_THRESHOLD) -> list[DuplicatePair]:
    """Pairs of people who may be one, best first: two queries and one score matrix per
    account."""
    pairs: dict[tuple[int, int], DuplicatePair] = {}
    by_key: dict[str, set[int]] = defaultdict(set)
    for person_id, email in PersonEmail.objects.values_list("person_id", "email"):
        by_key[normalised_email(email)].add(person_id)
    for ids in by_key.values():
        if len(ids) > 1:
            ordered = sorted(ids)
            for i, a in enumerate(ordered):
                for b in ordered[i + 1 :]:
                    pairs[(a, b)] = DuplicatePair(a, b, 100.0, "email")
    blocks: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for account_id, person_id, name in (
        Employment.objects.filter(end__isnull=True)
        .values_list("account_id", "person_id", "person__name")
        .order_by("account_id", "person_id")
    ):
        blocks[account_id].append((person_id, normalised_name(name)))
    for account_id, members in blocks.items():
        if len(members) < 2:
            continue
        names = [name for _pk, name in members]
        scores = process.cdist(
            names, names, scorer=fuzz.token_sort_ratio, score_cutoff=threshold, workers=1
        )
        for i, j in zip(*scores.nonzero(), strict=True):
            if i >= j:
                continue
            a, b = sorted((members[i][0], members[j][0]))
            if a == b or (a, b) in pairs:
                continue
            pairs[(a, b)] = DuplicatePair(a, b, round(float(scores[i, j]), 1), "name", account_id)
    return sorted(pairs.values(), key=lambda p: (-p.score, p.first, p.second))


def unmatched_for_review() -> QuerySet[UnmatchedAddress]:
    """Addresses still unknown: not someone's address now, not on an account's domain,
    not blocked (the address or its domain)."""
    return (
        UnmatchedAddress.objects.exclude(
            Exists(PersonEmail.objects.filter(email=OuterRef("email")))
        )
        .exclude(Exists(AccountDomain.objects.filter(domain=OuterRef("domain"))))
        .exclude(Exists(BlockedAddress.objects.filter(value=OuterRef("email"))))
        .exclude(Exists(BlockedAddress.objects.filter(value=OuterRef("domain"))))
    )


def block_add(*, actor: User | None, value: str) -> BlockedAddress:
    """Leave an address, or a whole domain, out of every later import."""
    value = value.strip().lower().lstrip("@")
    if "@" in value:
        if clean_address(value) is None:
            raise ValidationError(_("“%(v)s” is not an email address.") % {"v": value})
    else:
        if "." not in value or clean_address(f"x@{value}") is None:
            raise ValidationError(_("“%(v)s” is not a domain.") % {"v": value})
        if AccountDomain.objects.filter(domain=value).exists():
            raise ValidationError(
                _("“%(v)s” is the domain of an account; it cannot be blocked.") % {"v": value}
            )
    try:
        with transaction.atomic():
            return BlockedAddress.objects.create(value=value, created_by=actor)
    except IntegrityError:
        return BlockedAddress.objects.get(value=value)


def account_name_from_domain(domain: str) -> str:
    """'acme-iberica.es' → 'Acme Iberica'; the label before the public suffix."""
    head = domain_of(domain).split(".")[0]
    return " ".join(w.capitalize() for w in head.replace("_", "-").split("-") if w) or domain


def can_be_account_domain(domain: str) -> bool:
    return not is_free_mail(domain)


__all__ = [
    "DuplicatePair",
    "account_name_from_domain",
    "block_add",
    "can_be_account_domain",
    "duplicate_pairs",
    "normalised_email",
    "normalised_name",
    "unmatched_for_review",
]
