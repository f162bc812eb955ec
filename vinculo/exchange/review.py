"""The value review of an account (M20): what the client gained, what we told them and when,
the promises we kept, the initiatives we brought and our share of their wallet.

One read, ``value_review``, feeds the printable page and the PDF alike. It reads through
the account page's own selectors (the account, its open promises, its latest health) and
adds the rows only the review needs, each in one query: a fixed cost whatever the history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vinculo.commitments.models import Commitment, Initiative
from vinculo.growth.models import Holding, ValueItem
from vinculo.health import selectors as health_selectors
from vinculo.health.models import HealthSnapshot
from vinculo.people import selectors as people_selectors
from vinculo.people.models import Account
from vinculo.vocab import CommitmentStatus, Outcome, ValueKind
from vinculo.web import selectors as web_selectors

# The default period: the year up to today.
PERIOD_DAYS = 365
ZERO = Decimal(0)


@dataclass
class KindTotal:
    kind: str
    label: str
    count: int
    amount: Decimal


@dataclass
class PromiseRecord:
    """Promises closed in the period, by how they ended; and the ones still open."""

    kept: int = 0
    kept_late: int = 0
    broken: int = 0
    renegotiated: int = 0
    closed: list[Commitment] = field(default_factory=list)
    open: list[Commitment] = field(default_factory=list)

    @property
    def total_closed(self) -> int:
        return self.kept + self.kept_late + self.broken + self.renegotiated

    @property
    def kept_share(self) -> float | None:
        """Kept (on time or late) among those closed, 0 to 1; None when none closed."""
        if not self.total_closed:
            return None
        return (self.kept + self.kept_late) / self.total_closed


@dataclass
class Wallet:
    """Our share of the client's yearly spend, as the engine computed it for the account's
    health (the same figure the account page explains), with last year's lines."""

    year: int | None
    revenue: Decimal | None
    wallet: Decimal | None
    share: float | None
    lines: list[tuple[str, Decimal]]


@dataclass
class ValueReview:
    account: Account
    since: dt.date
    until: dt.date
    gained: list[ValueItem]
    totals: list[KindTotal]
    total_amount: Decimal
    told: list[ValueItem]
    not_told: list[ValueItem]
    promises: PromiseRecord
    initiatives: list[Initiative]
    accepted_value: Decimal
    wallet: Wallet
    health: HealthSnapshot | None

    @property
    def is_empty(self) -> bool:
        return not (self.gained or self.promises.closed or self.promises.open or self.initiatives)


def review_period(
    *, today: dt.date, since: dt.date | None = None, until: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    end = min(until or today, today)
    start = since or end - dt.timedelta(days=PERIOD_DAYS)
    return (start, end) if start <= end else (end, end)


def value_review(*, account_id: int, since: dt.date, until: dt.date) -> ValueReview:
    """The review of one account for [since, until] (404 for an unknown account).

    Queries: the account and its domains (2, the account page's read), its value items,
    the promises closed in the period, the open ones (the account page's read), the
    initiatives, the latest health (the account page's read) and last year's holdings.
    """
    account = people_selectors.account_profile(account_id=account_id)
    gained = list(
        ValueItem.objects.filter(account=account, date__gte=since, date__lte=until)
        .select_related("person")
        .order_by("-date", "-id")
    )
    totals: dict[str, KindTotal] = {
        kind: KindTotal(kind, str(label), 0, ZERO) for kind, label in ValueKind.choices
    }
    for item in gained:
        total = totals.setdefault(item.kind, KindTotal(item.kind, item.kind, 0, ZERO))
        total.count += 1
        total.amount += item.amount or ZERO
    told = sorted(
        (item for item in gained if item.communicated_on is not None),
        key=lambda item: (item.communicated_on, item.pk),
    )
    not_told = [item for item in gained if item.communicated_on is None]

    promises = PromiseRecord(open=web_selectors.open_commitments(account=account))
    closed = (
        Commitment.objects.filter(account=account, closed_on__gte=since, closed_on__lte=until)
        .exclude(status=CommitmentStatus.OPEN)
        .select_related("person", "colleague")
        .order_by("-closed_on", "-id")
    )
    for promise in closed:
        promises.closed.append(promise)
        if promise.status in ("kept", "kept_late", "broken", "renegotiated"):
            setattr(promises, promise.status, getattr(promises, promise.status) + 1)

    initiatives = list(
        Initiative.objects.filter(
            Q(account=account), proposed_on__gte=since, proposed_on__lte=until
        )
        .select_related("person")
        .order_by("-proposed_on", "-id")
    )
    accepted_value = sum(
        (i.value or ZERO for i in initiatives if i.outcome == Outcome.ACCEPTED), ZERO
    )

    health = health_selectors.health_on(as_of=until, account=account)
    return ValueReview(
        account=account,
        since=since,
        until=until,
        gained=gained,
        totals=[total for total in totals.values() if total.count],
        total_amount=sum((total.amount for total in totals.values()), ZERO),
        told=told,
        not_told=not_told,
        promises=promises,
        initiatives=initiatives,
        accepted_value=accepted_value,
        wallet=_wallet(account, health),
        health=health,
    )


def _wallet(account: Account, health: HealthSnapshot | None) -> Wallet:
    facts: dict[str, Any] = {}
    if health is not None:
        facts = ((health.components or {}).get("growth") or {}).get("facts") or {}
    year = facts.get("year")
    lines: list[tuple[str, Decimal]] = []
    if year is not None:
        lines = list(
            Holding.objects.filter(account=account, year=year, revenue__gt=0)
            .order_by("-revenue", "product_line__name")
            .values_list("product_line__name", "revenue")
        )
    revenue = facts.get("revenue")
    share = facts.get("wallet_share")
    return Wallet(
        year=year,
        revenue=Decimal(str(revenue)) if revenue is not None else None,
        wallet=account.wallet_yearly,
        share=float(share) if share is not None else None,
        lines=lines,
    )


# -- the review in words: one document for the page and the PDF ----------------------------


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    numeric: frozenset[int] = frozenset()  # columns aligned right


@dataclass
class Section:
    key: str
    title: str
    lines: list[str] = field(default_factory=list)
    table: Table | None = None
    after: list[str] = field(default_factory=list)
    extra: Table | None = None
    empty: str = ""


@dataclass
class ReviewDocument:
    title: str
    subtitle: str
    sections: list[Section]
    generated: str


def money(value: Decimal | float | int | None) -> str:
    if value is None:
        return "—"
    return formats.number_format(value, 2, use_l10n=True, force_grouping=True)


def day(value: dt.date | None) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value is not None else "—"


def percent(share: float) -> str:
    return _("%(number)s%%") % {"number": formats.number_format(round(share * 100), 0)}


def review_document(review: ValueReview) -> ReviewDocument:
    """The review worded in the active language: what the page shows and the PDF prints."""
    kinds = dict(ValueKind.choices)
    statuses = dict(CommitmentStatus.choices)
    outcomes = dict(Outcome.choices)

    def person(row: Any) -> str:
        return row.person.name if row.person_id else "—"

    gained = Section(
        "gained",
        _("What they gained"),
        empty=_("No value recorded for this period yet."),
    )
    if review.gained:
        gained.lines.append(
            ngettext(
                "%(count)s value item, %(amount)s in total.",
                "%(count)s value items, %(amount)s in total.",
                len(review.gained),
            )
            % {"count": len(review.gained), "amount": money(review.total_amount)}
        )
        gained.lines.extend(
            _("%(kind)s: %(amount)s (%(count)s)")
            % {"kind": total.label, "count": total.count, "amount": money(total.amount)}
            for total in review.totals
        )
        gained.table = Table(
            [_("Date"), _("Kind"), _("Amount"), _("Evidence"), _("Person")],
            [
                [
                    day(i.date),
                    str(kinds.get(i.kind, i.kind)),
                    money(i.amount),
                    i.evidence,
                    person(i),
                ]
                for i in review.gained
            ],
            frozenset({2}),
        )

    told = Section(
        "told",
        _("What we told them and when"),
        empty=_("Nothing to tell yet: no value recorded for this period."),
    )
    if review.told:
        told.table = Table(
            [_("Told on"), _("Kind"), _("Amount"), _("Evidence")],
            [
                [
                    day(i.communicated_on),
                    str(kinds.get(i.kind, i.kind)),
                    money(i.amount),
                    i.evidence,
                ]
                for i in review.told
            ],
            frozenset({2}),
        )
    if review.not_told:
        told.after.append(
            ngettext(
                "%(count)s item not told to them yet: worth telling in this review.",
                "%(count)s items not told to them yet: worth telling in this review.",
                len(review.not_told),
            )
            % {"count": len(review.not_told)}
        )
        told.extra = Table(
            [_("Date"), _("Kind"), _("Amount"), _("Evidence")],
            [
                [day(i.date), str(kinds.get(i.kind, i.kind)), money(i.amount), i.evidence]
                for i in review.not_told
            ],
            frozenset({2}),
        )
    elif review.gained:
        told.after.append(_("Everything they gained has been told to them."))

    record = review.promises
    promises = Section(
        "promises",
        _("Promises kept"),
        empty=_("No promises closed or open in this period."),
    )
    if record.total_closed:
        assert record.kept_share is not None
        promises.lines.append(
            _(
                "Of %(closed)s promises closed, %(kept)s kept on time and %(late)s late "
                "(%(share)s kept); %(broken)s broken, %(renegotiated)s renegotiated."
            )
            % {
                "closed": record.total_closed,
                "kept": record.kept,
                "late": record.kept_late,
                "share": percent(record.kept_share),
                "broken": record.broken,
                "renegotiated": record.renegotiated,
            }
        )
        promises.table = Table(
            [_("Closed on"), _("Promise"), _("Status"), _("Due")],
            [
                [day(c.closed_on), c.text, str(statuses.get(c.status, c.status)), day(c.due)]
                for c in record.closed
            ],
        )
    if record.open:
        promises.after.append(
            ngettext(
                "%(count)s promise still open.", "%(count)s promises still open.", len(record.open)
            )
            % {"count": len(record.open)}
        )
        promises.extra = Table(
            [_("Due"), _("Promise"), _("Made on")],
            [[day(c.due), c.text, day(c.made_on)] for c in record.open],
        )

    initiatives = Section(
        "initiatives",
        _("Initiatives we brought"),
        empty=_("No initiatives brought in this period."),
    )
    if review.initiatives:
        accepted = sum(1 for i in review.initiatives if i.outcome == Outcome.ACCEPTED)
        initiatives.lines.append(
            ngettext(
                "%(count)s initiative brought; accepted: %(accepted)s, worth %(value)s.",
                "%(count)s initiatives brought; accepted: %(accepted)s, worth %(value)s.",
                len(review.initiatives),
            )
            % {
                "count": len(review.initiatives),
                "accepted": accepted,
                "value": money(review.accepted_value),
            }
        )
        initiatives.table = Table(
            [_("Proposed on"), _("Proposal"), _("Outcome"), _("Value")],
            [
                [
                    day(i.proposed_on),
                    i.text,
                    str(outcomes.get(i.outcome, i.outcome)),
                    money(i.value),
                ]
                for i in review.initiatives
            ],
            frozenset({3}),
        )

    wallet = review.wallet
    share = Section(
        "wallet",
        _("Wallet share"),
        empty=_("Not computed yet: it needs last year's revenue and the health of the account."),
    )
    if wallet.year is not None:
        if wallet.share is not None and wallet.wallet:
            share.lines.append(
                _(
                    "In %(year)s they bought %(revenue)s from us, of a yearly spend of "
                    "%(wallet)s: a %(share)s share of their wallet."
                )
                % {
                    "year": wallet.year,
                    "revenue": money(wallet.revenue),
                    "wallet": money(wallet.wallet),
                    "share": percent(wallet.share),
                }
            )
        else:
            share.lines.append(
                _("In %(year)s they bought %(revenue)s from us; their yearly spend is unknown.")
                % {"year": wallet.year, "revenue": money(wallet.revenue)}
            )
        if wallet.lines:
            share.table = Table(
                [_("Product line"), _("Revenue")],
                [[name, money(revenue)] for name, revenue in wallet.lines],
                frozenset({1}),
            )

    return ReviewDocument(
        title=_("Value review: %(account)s") % {"account": review.account.name},
        subtitle=_("From %(since)s to %(until)s")
        % {"since": day(review.since), "until": day(review.until)},
        sections=[gained, told, promises, initiatives, share],
        generated=_("Prepared on %(day)s with Vínculo.") % {"day": day(timezone.localdate())},
    )
