"""Product lines, holdings, concessions and value items, through their services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from vinculo.factories import AccountFactory, PersonFactory
from vinculo.growth.models import Concession, Holding, ProductLine, ValueItem
from vinculo.growth.services import (
    concession_record,
    holding_set,
    product_line_create,
    value_item_record,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

DAY = dt.date(2024, 3, 10)


def test_product_line_names_are_unique_whatever_the_case() -> None:
    line = product_line_create(name=" Mantenimiento ")
    assert line.name == "Mantenimiento"
    with pytest.raises(ValidationError) as error:
        product_line_create(name="MANTENIMIENTO")
    assert error.value.message_dict == {"name": ["A product line with this name already exists."]}
    with pytest.raises(ValidationError):
        product_line_create(name="")
    assert ProductLine.objects.count() == 1


def test_setting_a_holding_again_replaces_the_year() -> None:
    account, line = AccountFactory(), product_line_create(name="Repuestos")

    holding_set(account=account, product_line=line, year=2024, revenue=Decimal("1000"))
    holding_set(account=account, product_line=line, year=2024, revenue=Decimal("1500"))
    holding_set(account=account, product_line=line, year=2023, revenue=Decimal("800"))

    assert list(Holding.objects.order_by("year").values_list("year", "revenue")) == [
        (2023, Decimal("800")),
        (2024, Decimal("1500")),
    ]


def test_invalid_holdings_report_every_field() -> None:
    account, line = AccountFactory(), product_line_create(name="Repuestos")
    with pytest.raises(ValidationError) as error:
        holding_set(account=account, product_line=line, year=24, revenue=Decimal(-1))
    assert error.value.message_dict == {
        "year": ["The year must be between 1990 and 2100."],
        "revenue": ["Revenue cannot be negative."],
    }
    assert not Holding.objects.exists()


def test_a_concession_is_recorded() -> None:
    account, person = AccountFactory(), PersonFactory()

    concession = concession_record(
        account=account,
        person=person,
        granted_on=DAY,
        kind="discount",
        size_pct=Decimal("7.5"),
        policy=" Tarifa 2024 ",
        reason="Cierre de trimestre",
        approved_by="Dirección",
    )

    concession.refresh_from_db()
    assert (concession.kind, concession.size_pct, concession.policy) == (
        "discount",
        Decimal("7.50"),
        "Tarifa 2024",
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "bribe"}, "kind"),
        ({"size_pct": Decimal(101)}, "size_pct"),
        ({"amount": Decimal(-5)}, "amount"),
    ],
)
def test_invalid_concessions_are_refused(changes: dict[str, object], field: str) -> None:
    arguments: dict[str, object] = {"account": AccountFactory(), "granted_on": DAY, "kind": "gift"}
    arguments.update(changes)
    with pytest.raises(ValidationError) as error:
        concession_record(**arguments)  # type: ignore[arg-type]
    assert list(error.value.message_dict) == [field]
    assert not Concession.objects.exists()


def test_value_items_cannot_be_communicated_before_delivery() -> None:
    account = AccountFactory()
    item = value_item_record(
        account=account, date=DAY, kind="saving", amount=Decimal(5000), communicated_on=DAY
    )
    assert item.communicated_on == DAY

    with pytest.raises(ValidationError) as error:
        value_item_record(
            account=account, date=DAY, kind="saving", communicated_on=dt.date(2024, 3, 1)
        )
    assert error.value.message_dict == {
        "communicated_on": ["Value cannot be communicated before it was delivered."]
    }
    assert ValueItem.objects.count() == 1


def test_spanish_messages_are_text() -> None:
    with translation.override("es"), pytest.raises(ValidationError) as error:
        value_item_record(account=AccountFactory(), date=DAY, kind="nothing")
    message = error.value.message_dict["kind"][0]
    assert isinstance(message, str)
    assert message
    # The Spanish catalogue has this one: it must not fall back to English.
    assert message != "Choose the kind of value."
