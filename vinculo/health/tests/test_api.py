"""Insights, agenda and play lifecycle over the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from vinculo.factories import ColleagueFactory, UserFactory
from vinculo.health.models import Play, PlayKind, PlayStatus
from vinculo.health.tests.stories import Story
from vinculo.people.models import Account
from vinculo.users.models import Role

pytestmark = pytest.mark.django_db


def test_insights_need_auth_and_follow_the_contract(client: Client) -> None:
    assert client.get("/api/v1/insights").status_code == 401
    Story.new("Acme").person("Ana")
    client.force_login(UserFactory(role=Role.ADMIN))
    response = client.get("/api/v1/insights", {"as_of": "2026-06-30"})
    assert response.status_code == 200
    data = response.json()
    assert data["as_of"] == "2026-06-30"
    assert [a["key"] for a in data["accounts"]] == ["acme"]
    assert data["people"][0]["account"] == "acme"


def make_play(owner: object) -> Play:
    s = Story.new("Acme")
    return Play.objects.create(
        kind=PlayKind.BOW_TIE,
        account=s.account,
        owner=owner,
        raised_on=timezone.localdate(),
    )


def test_owner_snoozes_and_dismisses_a_play(client: Client) -> None:
    user = UserFactory(role=Role.ADMIN)
    play = make_play(user)
    client.force_login(user)
    until = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    response = client.post(
        f"/api/v1/plays/{play.pk}/snooze", {"until": until}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "snoozed"
    response = client.post(
        f"/api/v1/plays/{play.pk}/dismiss", {"reason": ""}, content_type="application/json"
    )
    assert response.status_code == 422
    response = client.post(
        f"/api/v1/plays/{play.pk}/dismiss",
        {"reason": "Ya lo sabemos"},
        content_type="application/json",
    )
    assert response.status_code == 200
    play.refresh_from_db()
    assert play.status == PlayStatus.DISMISSED and play.dismissed_reason == "Ya lo sabemos"


def test_someone_elses_play_is_not_found_and_unchanged(client: Client) -> None:
    play = make_play(UserFactory())
    client.force_login(UserFactory())
    response = client.post(f"/api/v1/plays/{play.pk}/done")
    assert response.status_code == 404
    play.refresh_from_db()
    assert play.status == PlayStatus.OPEN


def test_a_viewer_cannot_close_plays(client: Client) -> None:
    viewer = UserFactory(role=Role.VIEWER)
    play = make_play(viewer)
    client.force_login(viewer)
    assert client.post(f"/api/v1/plays/{play.pk}/done").status_code == 403
    play.refresh_from_db()
    assert play.status == PlayStatus.OPEN


def test_agenda_follows_the_contract_and_lists_my_open_plays(client: Client) -> None:
    user = UserFactory(role=Role.ADMIN)
    play = make_play(user)
    # The agenda lists only what the user may read: their account (access.rules).
    Account.objects.filter(pk=play.account_id).update(owner=ColleagueFactory(user=user, name="Ana"))
    client.force_login(user)
    data = client.get("/api/v1/agenda", {"date": timezone.localdate().isoformat()}).json()
    assert set(data) == {"date", "for", "today", "later"}
    assert data["for"] == user.email
    [item] = data["today"]
    assert item["person"] is None and item["account"] == "acme"
    assert item["plays"] == [play.pk]
    assert [r["kind"] for r in item["reasons"]] == ["bow_tie"]
    assert data["later"] == []


def test_a_play_is_worded_in_the_language_of_the_request(client: Client) -> None:
    user = UserFactory(role=Role.ADMIN)
    s = Story.new("Acme")
    play = Play.objects.create(
        kind=PlayKind.NO_INITIATIVE,
        account=s.account,
        owner=user,
        facts={"recent": 0, "accepted": 0, "last": None, "days": 120},
        raised_on=timezone.localdate(),
    )
    client.force_login(user)
    until = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    spanish = client.post(
        f"/api/v1/plays/{play.pk}/snooze",
        {"until": until},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="es",
    ).json()
    assert (spanish["reason"], spanish["action"]) == (
        "Ninguna idea ni propuesta nueva en los últimos 120 días.",
        "Llévales una propuesta que les ahorre tiempo o dinero.",
    )
    english = client.post(
        f"/api/v1/plays/{play.pk}/done", content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert english["reason"] == "No new idea or proposal brought in the last 120 days."
    assert english["facts"] == {"recent": 0, "accepted": 0, "last": None, "days": 120}
