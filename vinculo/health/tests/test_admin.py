"""The Django admin shows a play's words rendered from its facts, in the reader's language."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from vinculo.factories import UserFactory
from vinculo.health.models import Play, PlayKind
from vinculo.health.tests.stories import Story
from vinculo.users.models import Role

pytestmark = pytest.mark.django_db


def test_the_admin_words_a_play_from_its_facts(client: Client) -> None:
    admin = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
    s = Story.new("Acme")
    play = Play.objects.create(
        kind=PlayKind.VALUE_NOT_COMMUNICATED,
        account=s.account,
        facts={"items": 3, "amount": 1200.0},
        raised_on=timezone.localdate(),
    )
    client.force_login(admin)
    html = client.get(
        f"/admin/health/play/{play.pk}/change/", HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert "3 aportaciones de valor entregadas" in html
    assert "Compártelas en la próxima revisión de negocio." in html
