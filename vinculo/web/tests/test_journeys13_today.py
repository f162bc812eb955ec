"""Today's cards into the log form and back (branch journeys13): the pre-filled form, a
promise recorded from it, the play marked done; the snoozed and dismissed plays listed and
brought back. Query counts pinned at two data sizes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from vinculo.commitments.models import Commitment
from vinculo.factories import AccountFactory, ColleagueFactory, EmploymentFactory, PersonFactory
from vinculo.health.models import Play, PlayKind, PlayStatus
from vinculo.health.services import play_dismiss, play_snooze
from vinculo.interactions.models import Interaction
from vinculo.people.models import Colleague, Person
from vinculo.timeline.models import EventKind, TimelineEvent
from vinculo.users.models import User
from vinculo.vocab import Channel, Direction, Function
from vinculo.web.tests.test_log_interaction import form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
LOG = reverse("web:interaction_new")
ASIDE = reverse("web:agenda_aside")


def today() -> dt.date:
    return timezone.localdate()


def a_play(owner: User | None, person: Person, kind: str = PlayKind.MEETINGS_SHRINKING) -> Play:
    facts: dict[str, Any] = {"now": 43, "before": 60}
    if kind == PlayKind.COMPLAINT_OPEN:
        facts = {"severity": "high", "age": 3, "answered": False, "target": 2, "complaint": 1}
    return Play.objects.create(
        kind=kind, person=person, facts=facts, owner=owner, due=today(), raised_on=today()
    )


@pytest.fixture
def marta(colleague: Colleague) -> Person:
    acme = AccountFactory(name="Acme Ibérica", owner=colleague, tier="a")
    person = PersonFactory(name="Marta Ruiz", owner=colleague)
    EmploymentFactory(person=person, account=acme, function=Function.FINANCE)
    return person


# --- the card's log link and the pre-filled form ----------------------------------------


def test_the_card_links_to_the_form_with_its_person_channel_and_play(
    signed_in: Client, owner: User, marta: Person
) -> None:
    play = a_play(owner, marta)

    html = signed_in.get("/agenda/", **EN).content.decode()

    # meetings_shrinking recommends a meeting (AgendaConfig.kind_channel)
    url = f"{LOG}?from=agenda&amp;person={marta.pk}&amp;channel=meeting&amp;play={play.pk}"
    assert f'<a class="btn btn-small btn-primary" href="{url}" data-log-contact>' in html
    assert "Log the contact</a>" in html


def test_the_form_opens_pre_filled_from_the_card(
    signed_in: Client, owner: User, colleague: Colleague, marta: Person
) -> None:
    play = a_play(owner, marta)

    response = signed_in.get(LOG, {"person": marta.pk, "channel": "call", "play": play.pk}, **EN)

    form = response.context["form"]
    assert form.initial == {
        "people": [marta.pk],
        "colleagues": [colleague.pk],
        "channel": "call",
        "play": play.pk,
        "play_done": True,
    }
    assert form["channel"].value() == Channel.CALL
    assert form["direction"].value() == Direction.OUTBOUND
    assert form["duration_min"].value() == 30
    assert form["level"].value() == ""
    assert [p.pk for p in response.context["selected"]] == [marta.pk]
    assert [c.pk for c in response.context["ours"]] == [colleague.pk]
    html = response.content.decode()
    assert f'<input type="hidden" name="play" value="{play.pk}" id="id_play">' in html
    assert f'name="colleagues" value="{colleague.pk}" checked' in html
    assert 'name="play_done" id="id_play_done" checked' in html
    assert "From your agenda:</strong> Meetings are getting shorter" in html
    # the cursor starts in the summary; Cancel goes back to Today
    assert "autofocus" in html.split('id="id_summary"')[0].rsplit("<textarea", 1)[1]
    assert f'class="btn btn-ghost" href="{reverse("web:agenda")}"' in html


def test_a_level_dropped_play_suggests_a_strategic_talk(
    signed_in: Client, owner: User, marta: Person
) -> None:
    play = a_play(owner, marta, PlayKind.LEVEL_DROPPED)

    form = signed_in.get(LOG, {"person": marta.pk, "play": play.pk}).context["form"]

    assert form.initial["level"] == "strategic"
    assert form["level"].value() == "strategic"


def test_a_complaint_play_is_not_offered_as_done_by_a_contact(
    signed_in: Client, owner: User, marta: Person
) -> None:
    play = a_play(owner, marta, PlayKind.COMPLAINT_OPEN)

    form = signed_in.get(LOG, {"person": marta.pk, "play": play.pk}).context["form"]

    assert form.initial["play_done"] is False


def test_a_channel_or_level_that_is_not_one_is_left_out(
    signed_in: Client, colleague: Colleague, marta: Person
) -> None:
    form = signed_in.get(LOG, {"person": marta.pk, "channel": "pigeon", "level": "x"}).context[
        "form"
    ]

    assert form.initial == {"people": [marta.pk], "colleagues": [colleague.pk]}


def test_someone_elses_play_is_not_there(signed_in: Client, teammate: User, marta: Person) -> None:
    play = a_play(teammate, marta)

    assert signed_in.get(LOG, {"person": marta.pk, "play": play.pk}).status_code == 404
    assert signed_in.post(LOG, form_data(people=[marta.pk], play=play.pk)).status_code == 404
    assert Interaction.objects.count() == 0


def test_logging_from_the_card_marks_its_play_done_and_goes_back_to_today(
    signed_in: Client, owner: User, colleague: Colleague, marta: Person
) -> None:
    play = a_play(owner, marta)
    url = f"{LOG}?person={marta.pk}&play={play.pk}"

    response = signed_in.post(
        url,
        form_data(people=[marta.pk], colleagues=[colleague.pk], play=play.pk, play_done="on"),
        follow=True,
        **EN,
    )

    assert response.redirect_chain == [(reverse("web:agenda"), 302)]
    play.refresh_from_db()
    assert play.status == PlayStatus.DONE
    assert Interaction.objects.get().summary == "Revisamos el plan del año"
    html = response.content.decode()
    assert "Interaction logged." in html
    assert "Meetings are getting shorter" not in html
    assert TimelineEvent.objects.filter(kind=EventKind.PLAY_DONE, person=marta).count() == 1


def test_from_a_card_without_a_play_the_form_goes_back_to_today(
    signed_in: Client, colleague: Colleague, marta: Person
) -> None:
    url = f"{LOG}?from=agenda&person={marta.pk}"

    response = signed_in.post(url, form_data(people=[marta.pk], colleagues=[colleague.pk]))

    assert (response.status_code, response.url) == (302, reverse("web:agenda"))


def test_unticked_the_play_stays_open(
    signed_in: Client, owner: User, colleague: Colleague, marta: Person
) -> None:
    play = a_play(owner, marta)

    response = signed_in.post(
        LOG, form_data(people=[marta.pk], colleagues=[colleague.pk], play=play.pk)
    )

    assert response.status_code == 302
    assert response.url == reverse("web:agenda")
    play.refresh_from_db()
    assert play.status == PlayStatus.OPEN


def test_a_play_closed_meanwhile_does_not_stop_the_log(
    signed_in: Client, owner: User, colleague: Colleague, marta: Person
) -> None:
    play = a_play(owner, marta)
    Play.objects.filter(pk=play.pk).update(status=PlayStatus.DONE)

    response = signed_in.post(
        LOG,
        form_data(people=[marta.pk], colleagues=[colleague.pk], play=play.pk, play_done="on"),
    )

    assert response.status_code == 302
    assert Interaction.objects.count() == 1


# --- a promise from the same form ---------------------------------------------------------


def test_a_promise_is_recorded_with_the_interaction(
    signed_in: Client, owner: User, colleague: Colleague, marta: Person
) -> None:
    response = signed_in.post(
        LOG,
        form_data(
            people=[marta.pk],
            colleagues=[colleague.pk],
            started_at="2026-05-04T09:30",
            promise="  Send the revised offer  ",
            promise_due="2026-05-11",
        ),
    )

    assert response.status_code == 302
    interaction = Interaction.objects.get()
    promise = Commitment.objects.get()
    assert (promise.text, promise.made_on, promise.due) == (
        "Send the revised offer",
        dt.date(2026, 5, 4),
        dt.date(2026, 5, 11),
    )
    assert (promise.person, promise.colleague, promise.interaction) == (
        marta,
        colleague,
        interaction,
    )
    assert promise.account == marta.employments.get().account
    event = TimelineEvent.objects.get(kind=EventKind.COMMITMENT_RECORDED)
    assert (event.person, event.actor) == (marta, owner)


def test_a_refused_promise_writes_nothing_at_all(
    signed_in: Client, colleague: Colleague, marta: Person
) -> None:
    response = signed_in.post(
        LOG,
        form_data(
            people=[marta.pk],
            colleagues=[colleague.pk],
            started_at="2026-05-04T09:30",
            promise="Send the offer",
            promise_due="2026-05-01",
        ),
        **EN,
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "promise_due": ["A promise cannot be due before it was made."]
    }
    assert Interaction.objects.count() == 0
    assert Commitment.objects.count() == 0
    assert TimelineEvent.objects.filter(kind=EventKind.INTERACTION_LOGGED).count() == 0


def test_a_due_date_without_a_promise_is_refused(
    signed_in: Client, colleague: Colleague, marta: Person
) -> None:
    response = signed_in.post(
        LOG,
        form_data(people=[marta.pk], colleagues=[colleague.pk], promise_due="2026-05-11"),
        **EN,
    )

    assert response.context["form"].errors == {
        "promise": ["Write what was promised, or leave the due date empty."]
    }
    assert Interaction.objects.count() == 0


def test_no_promise_no_commitment(signed_in: Client, colleague: Colleague, marta: Person) -> None:
    signed_in.post(LOG, form_data(people=[marta.pk], colleagues=[colleague.pk], promise="  "))

    assert Interaction.objects.count() == 1
    assert Commitment.objects.count() == 0


# --- our side's picker --------------------------------------------------------------------


def test_colleague_options_search_leaves_out_the_chosen(
    signed_in: Client, colleague: Colleague
) -> None:
    pedro = ColleagueFactory(name="Pedro Técnico", email="pedro@us.example")
    ColleagueFactory(name="Pilar Compras")

    response = signed_in.get(
        reverse("web:colleague_options"), {"q": "p", "colleagues": [colleague.pk]}
    )
    html = response.content.decode()

    assert f'name="colleagues" value="{pedro.pk}"' in html
    assert "Pilar Compras" in html and "Ana Owner" not in html
    only = signed_in.get(reverse("web:colleague_options"), {"q": "pedro@"}).content.decode()
    assert "Pedro Técnico" in only and "Pilar" not in only


def test_viewers_get_no_colleague_options(client: Client, viewer: User) -> None:
    client.force_login(viewer)
    assert client.get(reverse("web:colleague_options"), {"q": "a"}).status_code == 403


@pytest.mark.parametrize("size", [3, 30])
def test_the_form_from_a_card_has_a_fixed_query_count(
    signed_in: Client,
    owner: User,
    marta: Person,
    django_assert_num_queries: Any,
    size: int,
) -> None:
    for i in range(size):
        ColleagueFactory(name=f"Colega {i}")
        EmploymentFactory(person=PersonFactory(), account=marta.employments.get().account)
    play = a_play(owner, marta)

    # session, user, colleague of the user, the play, the people chosen and their jobs,
    # our side chosen
    with django_assert_num_queries(7):
        response = signed_in.get(LOG, {"person": marta.pk, "play": play.pk})
    assert response.status_code == 200


# --- snoozed and dismissed: findable, and back ------------------------------------------


def put_aside(owner: User, marta: Person) -> tuple[Play, Play]:
    snoozed = play_snooze(
        play=a_play(owner, marta), until=today() + dt.timedelta(days=9), actor=owner
    )
    other = PersonFactory(name="Luis Ortega", owner=marta.owner)
    dismissed = play_dismiss(
        play=a_play(owner, other, PlayKind.LEVEL_DROPPED),
        reason="On leave until March",
        actor=owner,
    )
    return snoozed, dismissed


def test_today_links_to_the_snoozed_and_dismissed(
    signed_in: Client, owner: User, marta: Person
) -> None:
    put_aside(owner, marta)
    # back already (its date has come): on the agenda, not aside
    back = a_play(owner, PersonFactory(owner=marta.owner))
    Play.objects.filter(pk=back.pk).update(status=PlayStatus.SNOOZED, snoozed_until=today())

    html = signed_in.get("/agenda/", **EN).content.decode()

    assert f'<a href="{ASIDE}">Snoozed (1) / Dismissed (1)</a>' in html


def test_the_list_says_until_when_and_why_and_brings_one_back(
    signed_in: Client, owner: User, marta: Person
) -> None:
    snoozed, dismissed = put_aside(owner, marta)
    until = date_format(today() + dt.timedelta(days=9), "SHORT_DATE_FORMAT")

    response = signed_in.get(ASIDE, **EN)

    assert [row["play"].pk for row in response.context["snoozed"]] == [snoozed.pk]
    assert [row["play"].pk for row in response.context["dismissed"]] == [dismissed.pk]
    html = response.content.decode()
    assert "Snoozed: 1 item" in html and "Dismissed: 1 item" in html
    assert f"Snoozed until {until}" in html
    on = date_format(today(), "SHORT_DATE_FORMAT")
    assert f"Dismissed on {on}: <q>On leave until March</q>" in html
    assert "Meetings are getting shorter" in html
    assert "Marta Ruiz" in html and "Luis Ortega" in html

    back = signed_in.post(reverse("web:play_reopen", args=[dismissed.pk]), follow=True, **EN)

    assert back.redirect_chain == [(ASIDE, 302)]
    assert "Back on the agenda." in back.content.decode()
    dismissed.refresh_from_db()
    assert (dismissed.status, dismissed.dismissed_reason) == (PlayStatus.OPEN, "")
    assert [row["play"].pk for row in back.context["dismissed"]] == []
    agenda = signed_in.get("/agenda/", **EN).content.decode()
    assert f'id="play-{dismissed.pk}"' in agenda
    assert "Snoozed (1) / Dismissed (0)" in agenda


def test_a_dismissed_play_followed_by_a_newer_one_is_not_listed(
    signed_in: Client, owner: User, marta: Person
) -> None:
    old = play_dismiss(play=a_play(owner, marta), reason="no", actor=owner)
    a_play(owner, marta)  # its facts changed: the engine raised it again

    response = signed_in.get(ASIDE)

    assert response.context["dismissed"] == []
    assert response.context["dismissed_count"] == 0
    assert Play.objects.get(pk=old.pk).status == PlayStatus.DISMISSED


def test_an_open_play_cannot_be_brought_back(signed_in: Client, owner: User, marta: Person) -> None:
    play = a_play(owner, marta)

    response = signed_in.post(reverse("web:play_reopen", args=[play.pk]), follow=True, **EN)

    assert "Only a snoozed or dismissed play can be brought back." in response.content.decode()
    assert not TimelineEvent.objects.filter(kind=EventKind.PLAY_REOPENED).exists()


def test_another_teams_play_is_not_there(
    client: Client, owner: User, outsider: User, marta: Person
) -> None:
    _snoozed, dismissed = put_aside(owner, marta)
    client.force_login(outsider)

    assert client.post(reverse("web:play_reopen", args=[dismissed.pk])).status_code == 404
    assert client.get(ASIDE).context["dismissed"] == []
    dismissed.refresh_from_db()
    assert dismissed.status == PlayStatus.DISMISSED


def test_viewers_get_403(client: Client, viewer: User, marta: Person) -> None:
    play = Play.objects.create(
        kind=PlayKind.MEETINGS_SHRINKING,
        person=marta,
        owner=viewer,
        status=PlayStatus.DISMISSED,
        dismissed_reason="no",
        raised_on=today(),
    )
    client.force_login(viewer)

    assert client.get(ASIDE).status_code == 403
    assert client.post(reverse("web:play_reopen", args=[play.pk])).status_code == 403
    play.refresh_from_db()
    assert play.status == PlayStatus.DISMISSED
    assert "Snoozed (" not in client.get("/agenda/").content.decode()


def test_reopen_is_post_only(signed_in: Client, owner: User, marta: Person) -> None:
    _snoozed, dismissed = put_aside(owner, marta)
    assert signed_in.get(reverse("web:play_reopen", args=[dismissed.pk])).status_code == 405


@pytest.mark.parametrize("size", [3, 30])
def test_the_aside_list_has_a_fixed_query_count(
    signed_in: Client, owner: User, marta: Person, django_assert_num_queries: Any, size: int
) -> None:
    for _i in range(size):
        put_aside(owner, marta)

    # session, user, snoozed with their people and accounts, dismissed likewise, counts
    with django_assert_num_queries(5):
        response = signed_in.get(ASIDE)
    assert len(response.context["snoozed"]) == size
    assert len(response.context["dismissed"]) == size


def test_the_card_link_prefers_a_play_that_the_contact_answers(
    signed_in: Client, owner: User, marta: Person
) -> None:
    a_play(owner, marta, PlayKind.COMPLAINT_OPEN)  # the stronger line, first on the card
    shrinking = a_play(owner, marta)

    html = signed_in.get("/agenda/", **EN).content.decode()

    assert f'&amp;play={shrinking.pk}" data-log-contact>' in html
