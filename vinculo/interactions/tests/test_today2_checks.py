"""The shared interaction checks: dates, summary length, our side (branch today2)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from vinculo.factories import ColleagueFactory, PersonFactory
from vinculo.interactions.models import Interaction
from vinculo.interactions.services import interaction_log, interaction_problems

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TODAY = dt.date(2026, 5, 4)


def problems(**kwargs: object) -> dict[str, str]:
    values: dict[str, object] = {"channel": "meeting", "has_people": True, "today": TODAY}
    values.update(kwargs)
    return interaction_problems(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("started", "expected"),
    [
        (dt.date(1989, 12, 31), {"started_at": "Dates before 1990 are not accepted."}),
        (dt.date(1990, 1, 1), {}),
        (dt.date(2027, 5, 4), {}),
        (dt.date(2027, 5, 5), {"started_at": "At most one year ahead."}),
        (dt.datetime(1989, 12, 31, 23, 0, tzinfo=dt.UTC), {}),  # 00:00 on 1 Jan in Madrid
    ],
)
def test_start_date_bounds(started: dt.date, expected: dict[str, str]) -> None:
    assert problems(started_at=started) == expected


def test_summary_over_ten_thousand_characters_is_refused() -> None:
    assert problems(summary="x" * 10_000) == {}
    assert problems(summary="x" * 10_001) == {
        "summary": "At most 10000 characters (this has 10001)."
    }


def test_our_side_is_checked_only_when_asked() -> None:
    assert problems(has_colleagues=None) == {}
    assert problems(has_colleagues=True) == {}
    assert problems(has_colleagues=False) == {
        "colleagues": "Choose at least one person from our side."
    }


def test_the_service_refuses_an_old_date_and_nobody_of_ours_when_required() -> None:
    ana = PersonFactory()
    with pytest.raises(ValidationError) as caught:
        interaction_log(
            started_at=dt.datetime(1985, 3, 1, 10, tzinfo=dt.UTC),
            channel="meeting",
            people=[ana],
            require_our_side=True,
        )
    assert caught.value.message_dict == {
        "started_at": ["Dates before 1990 are not accepted."],
        "colleagues": ["Choose at least one person from our side."],
    }
    assert Interaction.objects.count() == 0


def test_importers_and_scripts_may_leave_our_side_out() -> None:
    interaction = interaction_log(
        started_at=dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC),
        channel="meeting",
        people=[PersonFactory()],
    )
    assert interaction.colleagues.count() == 0
    with_ours = interaction_log(
        started_at=dt.datetime(2026, 3, 1, 11, tzinfo=dt.UTC),
        channel="meeting",
        people=[PersonFactory()],
        colleagues=[ColleagueFactory()],
        require_our_side=True,
    )
    assert with_ours.colleagues.count() == 1


def test_the_api_refuses_a_far_date_and_nobody_of_ours(client: object, owner: object) -> None:
    """The API's own date type already refuses before 1990 (vinculo/apikit.py, up to five
    years ahead); the service's one-year rule answers for what it lets through."""
    from django.utils import timezone

    from vinculo.users.models import Role

    owner.role = Role.ADMIN  # type: ignore[attr-defined]
    owner.save(update_fields=["role"])  # type: ignore[attr-defined]
    client.force_login(owner)  # type: ignore[attr-defined]
    ana = PersonFactory()
    later = f"{timezone.localdate().year + 3}-05-20T10:00:00Z"

    response = client.post(  # type: ignore[attr-defined]
        "/api/v1/interactions",
        data={"started_at": later, "channel": "call", "people": [ana.pk]},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"loc": ["body", "started_at"], "msg": "At most one year ahead.", "type": "invalid"},
        {
            "loc": ["body", "colleagues"],
            "msg": "Choose at least one person from our side.",
            "type": "invalid",
        },
    ]
    assert Interaction.objects.count() == 0
