"""The bundle importer and the services validate and derive with the same functions: the
cases where they had drifted apart now agree, word for word (in Spanish, the default)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from vinculo.commitments.models import Commitment
from vinculo.commitments.services import commitment_close, commitment_record, initiative_record
from vinculo.exchange.bundle import bundle_import
from vinculo.growth.models import Holding, ProductLine, ValueItem
from vinculo.growth.services import holding_set, product_line_create, value_item_record
from vinculo.people.models import Account, Person
from vinculo.people.services import account_create

pytestmark = pytest.mark.django_db

ACCOUNTS = "key,name,domains,industry,country,tier,size,status,owner_email,wallet_yearly\n"
PEOPLE = "key,name,emails,phones,language,legal_basis,notes\n"
EMPLOYMENTS = "person_key,account_key,title,function,decision_role,start,end\n"
BASE = {
    "accounts.csv": ACCOUNTS + "acc-old,Antigua SA,,,,,,,,\nacc-new,Nueva SL,,,,,,,,\n",
    "people.csv": PEOPLE + "p-eva,Eva Sanz,,,,,\n",
    "employments.csv": EMPLOYMENTS
    + "p-eva,acc-old,,,,2020-01-01,2024-12-31\np-eva,acc-new,,,,2025-01-01,\n",
    "product_lines.csv": "key,name\npl-hw,Hardware\n",
}


@pytest.fixture(autouse=True)
def spanish() -> Any:
    with translation.override("es"):
        yield


def _import(tmp_path: Path, files: dict[str, str]) -> list[str]:
    bundle = tmp_path / "bundle"
    bundle.mkdir(exist_ok=True)
    for name, text in {**BASE, **files}.items():
        (bundle / name).write_text(text, encoding="utf-8")
    return bundle_import(path=bundle).problems


def _service_message(call: Callable[[], object]) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as error:
        call()
    return error.value.message_dict


def test_a_holding_year_out_of_range_is_refused_by_both_in_the_same_words(
    tmp_path: Path,
) -> None:
    # Given a holding of 1950 (the importer accepted 1900-2999, the service 1990-2100)
    holdings = "account_key,product_line_key,year,revenue\nacc-old,pl-hw,1950,1000\n"
    # When the importer and the service are given it
    problems = _import(tmp_path, {"holdings.csv": holdings})
    account, line = account_create(name="Otra"), product_line_create(name="Software")
    refused = _service_message(
        lambda: holding_set(account=account, product_line=line, year=1950, revenue=Decimal(1))
    )
    # Then both refuse it with the same Spanish sentence, and nothing is stored
    message = "El año debe estar entre 1990 y 2100."
    assert problems == [f"holdings.csv:2: year: {message}"]
    assert refused == {"year": [message]}
    assert not Holding.objects.exists()


def test_an_imported_promise_to_a_person_gets_the_account_of_their_job_that_day(
    tmp_path: Path,
) -> None:
    # Given promises to Eva, who moved from Antigua to Nueva on 1 January 2025
    commitments = (
        "key,account_key,person_key,colleague_key,text,made_on,due,status,closed_on\n"
        "c-old,,p-eva,,Enviar la oferta,2024-06-01,,open,\n"
        "c-new,,p-eva,,Llamar al taller,2025-03-01,,open,\n"
    )
    # When they are imported, and the same promises are recorded through the service
    assert _import(tmp_path, {"commitments.csv": commitments}) == []
    imported = dict(Commitment.objects.values_list("key", "account__key"))
    eva = Person.objects.get(key="p-eva")
    by_service = [
        commitment_record(
            text="Enviar la oferta", made_on=dt.date(2024, 6, 1), due=None, person=eva
        ),
        commitment_record(
            text="Llamar al taller", made_on=dt.date(2025, 3, 1), due=None, person=eva
        ),
    ]
    # Then both give each promise the account Eva worked at on the day it was made
    assert imported == {"c-old": "acc-old", "c-new": "acc-new"}
    assert [c.account.key for c in by_service if c.account] == ["acc-old", "acc-new"]
    # And importing the bundle again changes nothing (the derived account is the stored one)
    bundle = tmp_path / "bundle"
    report = bundle_import(path=bundle)
    assert report.ok and report.files["commitments.csv"].unchanged == 2


def test_value_told_before_it_was_delivered_is_refused_by_both(tmp_path: Path) -> None:
    values = (
        "key,account_key,person_key,date,kind,amount,evidence,communicated_on\n"
        "v-1,acc-old,,2025-05-10,saving,100,,2025-05-01\n"
    )
    problems = _import(tmp_path, {"value_items.csv": values})
    account = account_create(name="Otra")
    refused = _service_message(
        lambda: value_item_record(
            account=account,
            date=dt.date(2025, 5, 10),
            kind="saving",
            communicated_on=dt.date(2025, 5, 1),
        )
    )
    message = "El valor no puede comunicarse antes de entregarse."
    assert problems == [f"value_items.csv:2: communicated_on: {message}"]
    assert refused == {"communicated_on": [message]}
    assert not ValueItem.objects.exists()


def test_a_promise_to_nobody_is_refused_by_both(tmp_path: Path) -> None:
    commitments = (
        "key,account_key,person_key,colleague_key,text,made_on,due,status,closed_on\n"
        "c-1,,,,Enviar la oferta,2025-06-01,,open,\n"
    )
    problems = _import(tmp_path, {"commitments.csv": commitments})
    refused = _service_message(
        lambda: commitment_record(text="Enviar la oferta", made_on=dt.date(2025, 6, 1), due=None)
    )
    message = "Indica a quién: una persona, una cuenta o ambas."
    assert problems == [f"commitments.csv:2: person_key: {message}"]
    assert refused == {"person": [message]}


def test_a_negative_initiative_value_is_refused_by_both(tmp_path: Path) -> None:
    initiatives = (
        "key,account_key,person_key,proposed_on,text,outcome,value\n"
        "i-1,acc-old,,2025-06-01,Nuevo plan,pending,-5\n"
    )
    problems = _import(tmp_path, {"initiatives.csv": initiatives})
    account = account_create(name="Otra")
    refused = _service_message(
        lambda: initiative_record(
            text="Nuevo plan", proposed_on=dt.date(2025, 6, 1), account=account, value=Decimal(-5)
        )
    )
    message = "El valor no puede ser negativo."
    assert problems == [f"initiatives.csv:2: value: {message}"]
    assert refused == {"value": [message]}


def test_account_country_and_lengths_are_checked_by_both(tmp_path: Path) -> None:
    long_industry = "x" * 121
    accounts = BASE["accounts.csv"] + f"acc-x,Equis,,{long_industry},ESP,,,,,\n"
    problems = _import(tmp_path, {"accounts.csv": accounts})
    refused = _service_message(
        lambda: account_create(name="Equis", industry=long_industry, country="esp")
    )
    too_long = "Como mucho 120 caracteres (tiene 121)."
    country = "«ESP» no es un código de país ISO de dos letras."
    assert problems == [
        f"accounts.csv:4: industry: {too_long}",
        f"accounts.csv:4: country: {country}",
    ]
    assert refused == {"industry": [too_long], "country": [country]}


def test_product_line_names_are_unique_whatever_the_case_for_both(tmp_path: Path) -> None:
    lines = "key,name\npl-hw,Hardware\npl-hw2,HARDWARE\n"
    problems = _import(tmp_path, {"product_lines.csv": lines})
    product_line_create(name="Hardware")
    refused = _service_message(lambda: product_line_create(name="hardware"))
    message = "Ya existe una línea de producto con este nombre."
    assert problems == [f"product_lines.csv:3: name: {message}"]
    assert refused == {"name": [message]}
    assert ProductLine.objects.count() == 1


def test_a_promise_kept_after_its_due_date_is_kept_late_for_both(tmp_path: Path) -> None:
    # Given a promise due on 10 June, said to be "kept" on 20 June, and one "kept" undated
    commitments = (
        "key,account_key,person_key,colleague_key,text,made_on,due,status,closed_on\n"
        "c-1,acc-old,,,Enviar la oferta,2025-06-01,2025-06-10,kept,2025-06-20\n"
    )
    undated = commitments.replace("kept,2025-06-20", "kept,")
    # When it is imported, and the same promise is closed through the service
    assert _import(tmp_path, {"commitments.csv": commitments}) == []
    account = Account.objects.get(key="acc-old")
    promise = commitment_record(
        text="Enviar la oferta",
        made_on=dt.date(2025, 6, 1),
        due=dt.date(2025, 6, 10),
        account=account,
    )
    closed = commitment_close(commitment=promise, status="kept", closed_on=dt.date(2025, 6, 20))
    # Then both store what the dates say: kept late
    assert Commitment.objects.get(key="c-1").status == "kept_late"
    assert closed.status == "kept_late"
    # And a closed promise without its closing date is refused, in Spanish
    assert _import(tmp_path, {"commitments.csv": undated}) == [
        "commitments.csv:2: closed_on: Indica cuándo se cerró la promesa."
    ]
