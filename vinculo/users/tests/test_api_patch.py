"""PATCH with If-Match on promises, complaints, concerns, initiatives, holdings,
concessions and value items: through their ``<entity>_update`` services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from vinculo.factories import UserFactory
from vinculo.timeline.models import TimelineEvent
from vinculo.users.models import Role, User
from vinculo.users.services import api_token_create
from vinculo.users.tests.api_data import populate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

CASES = [
    ("commitment", "commitments", {"text": "Enviar la oferta revisada"}, "text"),
    ("complaint", "complaints", {"severity": "high"}, "severity"),
    ("concern", "concerns", {"topic": "Plazos de entrega"}, "topic"),
    ("initiative", "initiatives", {"value": 1500}, "value"),
    ("holding", "holdings", {"revenue": 2500}, "revenue"),
    ("concession", "concessions", {"reason": "Cliente estratégico"}, "reason"),
    ("value", "value-items", {"evidence": "Informe de ahorro"}, "evidence"),
]


@pytest.fixture
def world(db: None) -> tuple[User, dict[str, Any], dict[str, str]]:
    user = UserFactory(username="editor", role=Role.ADMIN)
    data = populate(user)
    return user, data, {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user)[1]}"}


@pytest.mark.parametrize(("key", "route", "change", "field"), CASES)
def test_patch_with_the_etag_changes_and_a_stale_etag_changes_nothing(
    world: Any, key: str, route: str, change: dict[str, Any], field: str
) -> None:
    _user, data, headers = world
    row = data[key]
    client = Client()
    path = f"/api/v1/{route}/{row.pk}"
    etag = client.get(path, **headers)["ETag"]
    events = TimelineEvent.objects.count()

    done = client.patch(path, data=change, content_type="application/json",
                        HTTP_IF_MATCH=etag, **headers)  # fmt: skip
    stale = client.patch(path, data={field: change[field]}, content_type="application/json",
                         HTTP_IF_MATCH=etag, **headers)  # fmt: skip

    assert done.status_code == 200, done.content
    assert done["ETag"] == '"v2"'
    assert float(done.json()[field]) == change[field] if isinstance(change[field], int) else (
        done.json()[field] == change[field]
    )  # fmt: skip
    assert stale.status_code == 412
    row.refresh_from_db()
    assert row.version == 2
    assert TimelineEvent.objects.count() == events + 1


def test_a_correction_is_checked_by_the_same_rules(world: Any) -> None:
    _user, data, headers = world
    commitment = data["commitment"]
    response = Client(headers={"accept-language": "en"}).patch(
        f"/api/v1/commitments/{commitment.pk}",
        data={"due": (commitment.made_on - dt.timedelta(days=1)).isoformat()},
        content_type="application/json",
        HTTP_IF_MATCH='"v1"',
        **headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["msg"] == "A promise cannot be due before it was made."
    commitment.refresh_from_db()
    assert commitment.version == 1
