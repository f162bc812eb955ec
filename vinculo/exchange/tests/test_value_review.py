"""The value review (M20): the printable page and the PDF, from one read, with fixed
query counts, in Spanish and English, and for whoever may read the account page."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pypdf
import pytest
from django.test import Client
from django.utils import timezone

from vinculo.commitments.services import commitment_close, commitment_record, initiative_record
from vinculo.factories import AccountFactory, EmploymentFactory, PersonFactory
from vinculo.growth.services import holding_set, product_line_create, value_item_record
from vinculo.health.services import health_recompute
from vinculo.people.models import Account, Colleague
from vinculo.users.models import User

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.localdate()


def ago(days: int) -> dt.date:
    return today() - dt.timedelta(days=days)


@pytest.fixture
def acme(colleague: Colleague) -> Account:
    account = AccountFactory(
        name="Acme Ibérica, S.A.", owner=colleague, wallet_yearly=Decimal("200000")
    )
    person = PersonFactory(name="Marta Ruiz Núñez", owner=colleague)
    EmploymentFactory(person=person, account=account)
    value_item_record(
        account=account, person=person, date=ago(60), kind="saving",
        amount=Decimal("12500.50"), evidence="Cambio de proveedor de embalaje",
        communicated_on=ago(30),
    )  # fmt: skip
    value_item_record(
        account=account, date=ago(20), kind="time", amount=Decimal("3000"),
        evidence="Pedidos automáticos: 2 h menos por semana",
    )  # fmt: skip
    value_item_record(  # before the period: left out
        account=account, date=ago(500), kind="risk", amount=Decimal("999999"), evidence="Viejo"
    )
    kept = commitment_record(
        text="Enviar el informe trimestral", made_on=ago(90), due=ago(80), person=person
    )
    commitment_close(commitment=kept, status="kept", closed_on=ago(81))
    late = commitment_record(text="Revisar la tarifa", made_on=ago(90), due=ago(70), person=person)
    commitment_close(commitment=late, status="kept", closed_on=ago(65))
    commitment_record(text="Visitar la planta", made_on=ago(5), due=today() + dt.timedelta(days=9),
                      person=person)  # fmt: skip
    initiative_record(
        text="Consolidar los envíos a Portugal", proposed_on=ago(40), account=account,
        outcome="accepted", value=Decimal("45000"),
    )  # fmt: skip
    line = product_line_create(name="Embalaje")
    holding_set(account=account, product_line=line, year=today().year - 1, revenue=Decimal("50000"))
    health_recompute(as_of=today())
    return account


def test_page_shows_gained_told_promises_initiatives_and_wallet_in_spanish(
    signed_in: Client, acme: Account
) -> None:
    html = signed_in.get(f"/accounts/{acme.pk}/value-review/").content.decode()

    assert "Revisión de valor: Acme Ibérica, S.A." in html
    assert "2 aportaciones de valor, 15\xa0500,50 en total." in html
    assert "Cambio de proveedor de embalaje" in html
    assert "Viejo" not in html
    assert "1 aportación aún sin contarles: merece la pena contarla en esta revisión." in html
    assert (
        "De 2 promesas cerradas, 1 cumplida a tiempo y 1 con retraso (100 % cumplidas); "
        "0 incumplidas, 0 renegociadas."
    ) in html
    assert "Visitar la planta" in html
    assert "1 propuesta presentada; aceptadas: 1, por un valor de 45\xa0000,00." in html
    year = today().year - 1
    assert (
        f"En {year} nos compraron 50\xa0000,00, de un gasto anual de 200\xa0000,00: "
        "una cuota del 25 % de su gasto."
    ) in html
    assert "@media print" in signed_in.get("/static/vinculo/exports.css").getvalue().decode()


def test_page_in_english(signed_in: Client, acme: Account) -> None:
    signed_in.cookies["django_language"] = "en"

    html = signed_in.get(f"/accounts/{acme.pk}/value-review/").content.decode()

    assert "Value review: Acme Ibérica, S.A." in html
    assert "2 value items, 15,500.50 in total." in html
    assert "a 25% share of their wallet." in html


def test_pdf_parses_and_holds_the_name_and_the_figures(signed_in: Client, acme: Account) -> None:
    response = signed_in.get(f"/accounts/{acme.pk}/value-review.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    # (the Spanish thousands separator, a no-break space, reads back as a space)
    text = "\n".join(page.extract_text() for page in reader.pages).replace("\xa0", " ")
    assert "Acme Ibérica, S.A." in text
    assert "2 aportaciones de valor, 15 500,50 en total." in text
    assert "12 500,50" in text
    assert "Marta Ruiz Núñez" in text
    assert "Consolidar los envíos a Portugal" in text
    assert reader.metadata.title == "Revisión de valor: Acme Ibérica, S.A."


def test_period_is_chosen_by_query(signed_in: Client, acme: Account) -> None:
    html = signed_in.get(
        f"/accounts/{acme.pk}/value-review/", {"since": ago(30).isoformat()}
    ).content.decode()

    assert "1 aportación de valor, 3\xa0000,00 en total." in html
    assert "Cambio de proveedor" not in html


def test_empty_account_says_so(signed_in: Client) -> None:
    empty = AccountFactory(name="Nueva, S.L.")

    html = signed_in.get(f"/accounts/{empty.pk}/value-review/").content.decode()
    pdf = signed_in.get(f"/accounts/{empty.pk}/value-review.pdf")

    assert "Aún no hay valor registrado para este periodo." in html
    assert "Aún no se ha calculado" in html
    assert pdf.status_code == 200
    text = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Aún no hay valor registrado para este periodo." in text


def test_access_is_the_account_pages(client: Client, viewer: User, acme: Account) -> None:
    for url in (f"/accounts/{acme.pk}/value-review/", f"/accounts/{acme.pk}/value-review.pdf"):
        anonymous = client.get(url)
        assert anonymous.status_code == 302
        assert anonymous["Location"].startswith("/login/")
    client.force_login(viewer)
    assert client.get(f"/accounts/{acme.pk}/").status_code == 200
    assert client.get(f"/accounts/{acme.pk}/value-review/").status_code == 200
    assert client.get(f"/accounts/{acme.pk}/value-review.pdf").status_code == 200
    assert client.get("/accounts/999999/value-review/").status_code == 404


def test_account_page_links_to_the_review(signed_in: Client, acme: Account) -> None:
    html = signed_in.get(f"/accounts/{acme.pk}/").content.decode()

    assert f'href="/accounts/{acme.pk}/value-review/"' in html


@pytest.mark.parametrize("extra", [0, 30])
def test_query_count_is_fixed(
    signed_in: Client, acme: Account, django_assert_num_queries, extra: int
) -> None:
    for i in range(extra):
        value_item_record(account=acme, date=ago(i + 1), kind="revenue", amount=Decimal(i))
        initiative_record(text=f"Idea {i}", proposed_on=ago(i + 1), account=acme)

    # session, user, the access check, account, domains, value items, open promises,
    # closed promises, initiatives, health, holdings
    with django_assert_num_queries(11):
        assert signed_in.get(f"/accounts/{acme.pk}/value-review/").status_code == 200
    with django_assert_num_queries(11):
        assert signed_in.get(f"/accounts/{acme.pk}/value-review.pdf").status_code == 200
