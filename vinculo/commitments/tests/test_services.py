"""The promise ledger, complaints, concerns and initiatives, through their services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from vinculo.commitments.models import Commitment, Complaint, Concern, Initiative
from vinculo.commitments.services import (
    commitment_close,
    commitment_record,
    complaint_open,
    complaint_resolve,
    concern_open,
    initiative_record,
)
from vinculo.factories import AccountFactory, EmploymentFactory, InteractionFactory, PersonFactory
from vinculo.people.models import Account, Person
from vinculo.timeline.models import EventKind, TimelineEvent
from vinculo.users.models import User
from vinculo.vocab import CommitmentStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

MARCH_1, MARCH_10, MARCH_11 = dt.date(2024, 3, 1), dt.date(2024, 3, 10), dt.date(2024, 3, 11)


@pytest.fixture
def ana_at_acme() -> tuple[Person, Account]:
    ana, acme = PersonFactory(name="Ana"), AccountFactory(name="Acme")
    EmploymentFactory(person=ana, account=acme, start=dt.date(2020, 1, 1))
    return ana, acme


@pytest.fixture
def promise(ana_at_acme: tuple[Person, Account]) -> Commitment:
    ana, acme = ana_at_acme
    commitment = commitment_record(
        text="Enviar la oferta revisada", made_on=MARCH_1, due=MARCH_10, person=ana, account=acme
    )
    TimelineEvent.objects.all().delete()
    return commitment


class TestCommitmentRecord:
    def test_a_promise_is_recorded_open_with_an_event(
        self, ana_at_acme: tuple[Person, Account], owner: User
    ) -> None:
        ana, acme = ana_at_acme

        commitment = commitment_record(
            text="  Enviar la oferta  ", made_on=MARCH_1, due=MARCH_10, person=ana, actor=owner
        )

        assert commitment.status == CommitmentStatus.OPEN
        assert commitment.text == "Enviar la oferta"
        event = TimelineEvent.objects.get(kind=EventKind.COMMITMENT_RECORDED)
        assert (event.person, event.account, event.actor) == (ana, acme, owner)
        assert event.data["due"] == "2024-03-10"

    def test_the_account_comes_from_where_the_person_worked_that_day(
        self, ana_at_acme: tuple[Person, Account]
    ) -> None:
        ana, acme = ana_at_acme
        commitment = commitment_record(text="Llamar", made_on=MARCH_1, due=None, person=ana)
        assert commitment.account == acme

    def test_the_account_comes_from_the_interaction_it_was_made_in(self) -> None:
        globex = AccountFactory()
        meeting = InteractionFactory(account=globex)
        commitment = commitment_record(
            text="Visitar la planta", made_on=MARCH_1, due=None, interaction=meeting,
            person=PersonFactory(),
        )  # fmt: skip
        assert commitment.account == globex

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"text": "  "}, {"text": ["Write what was promised."]}),
            (
                {"due": dt.date(2024, 2, 1)},
                {"due": ["A promise cannot be due before it was made."]},
            ),
        ],
    )
    def test_invalid_promises_are_refused(
        self, ana_at_acme: tuple[Person, Account], changes: dict[str, object], message: object
    ) -> None:
        ana, _acme = ana_at_acme
        arguments: dict[str, object] = {"text": "Llamar", "made_on": MARCH_1, "due": MARCH_10}
        arguments.update(changes)

        with pytest.raises(ValidationError) as error:
            commitment_record(person=ana, **arguments)  # type: ignore[arg-type]

        assert error.value.message_dict == message
        assert not Commitment.objects.exists()
        assert not TimelineEvent.objects.filter(kind=EventKind.COMMITMENT_RECORDED).exists()

    def test_a_promise_to_nobody_is_refused(self) -> None:
        with pytest.raises(ValidationError) as error:
            commitment_record(text="Llamar", made_on=MARCH_1, due=None)
        assert error.value.messages == ["Say to whom: a person, an account or both."]


class TestCommitmentClose:
    def test_kept_on_the_due_date_is_kept(self, promise: Commitment) -> None:
        commitment_close(commitment=promise, status="kept", closed_on=MARCH_10)

        promise.refresh_from_db()
        assert (promise.status, promise.closed_on) == (CommitmentStatus.KEPT, MARCH_10)
        event = TimelineEvent.objects.get(kind=EventKind.COMMITMENT_CLOSED)
        assert event.data["status"] == "kept"
        assert event.person == promise.person

    def test_kept_after_the_due_date_becomes_kept_late(self, promise: Commitment) -> None:
        commitment_close(commitment=promise, status="kept", closed_on=MARCH_11)

        promise.refresh_from_db()
        assert promise.status == CommitmentStatus.KEPT_LATE
        assert TimelineEvent.objects.get().data["status"] == "kept_late"

    def test_kept_late_on_time_is_kept(self, promise: Commitment) -> None:
        commitment_close(commitment=promise, status="kept_late", closed_on=MARCH_1)
        promise.refresh_from_db()
        assert promise.status == CommitmentStatus.KEPT

    def test_renegotiated_moves_the_due_date_and_can_then_be_kept(
        self, promise: Commitment
    ) -> None:
        new_due = dt.date(2024, 3, 20)

        commitment_close(
            commitment=promise, status="renegotiated", closed_on=MARCH_10, new_due=new_due
        )
        promise.refresh_from_db()
        assert (promise.status, promise.due) == (CommitmentStatus.RENEGOTIATED, new_due)

        # Kept before the new due date: on time against what was agreed
        commitment_close(commitment=promise, status="kept", closed_on=dt.date(2024, 3, 15))
        promise.refresh_from_db()
        assert promise.status == CommitmentStatus.KEPT

    @pytest.mark.parametrize("new_due", [None, dt.date(2024, 3, 5)])
    def test_renegotiated_needs_a_new_due_date(
        self, promise: Commitment, new_due: dt.date | None
    ) -> None:
        with pytest.raises(ValidationError) as error:
            commitment_close(
                commitment=promise, status="renegotiated", closed_on=MARCH_10, new_due=new_due
            )

        assert error.value.message_dict == {
            "new_due": ["A renegotiated promise needs a new due date."]
        }
        promise.refresh_from_db()
        assert (promise.status, promise.due, promise.closed_on) == ("open", MARCH_10, None)
        assert not TimelineEvent.objects.exists()

    @pytest.mark.parametrize("status", ["open", "forgotten", ""])
    def test_an_unknown_or_open_status_is_refused(self, promise: Commitment, status: str) -> None:
        with pytest.raises(ValidationError) as error:
            commitment_close(commitment=promise, status=status, closed_on=MARCH_10)
        assert error.value.message_dict == {"status": ["Choose how the promise ended."]}

    def test_cannot_close_before_it_was_made(self, promise: Commitment) -> None:
        with pytest.raises(ValidationError) as error:
            commitment_close(commitment=promise, status="broken", closed_on=dt.date(2024, 2, 1))
        assert "closed_on" in error.value.message_dict

    def test_a_kept_promise_cannot_be_closed_again(self, promise: Commitment) -> None:
        commitment_close(commitment=promise, status="kept", closed_on=MARCH_10)

        with pytest.raises(ValidationError) as error:
            commitment_close(commitment=promise, status="broken", closed_on=MARCH_11)

        assert "status" in error.value.message_dict
        promise.refresh_from_db()
        assert (promise.status, promise.closed_on) == (CommitmentStatus.KEPT, MARCH_10)
        assert TimelineEvent.objects.count() == 1

    def test_spanish_message_is_text(self, promise: Commitment) -> None:
        with translation.override("es"), pytest.raises(ValidationError) as error:
            commitment_close(commitment=promise, status="renegotiated", closed_on=MARCH_10)
        message = error.value.message_dict["new_due"][0]
        assert isinstance(message, str)
        assert message
        # The Spanish catalogue has this one: it must not fall back to English.
        assert message != "A renegotiated promise needs a new due date."


class TestComplaints:
    def test_open_then_resolve(self, ana_at_acme: tuple[Person, Account], owner: User) -> None:
        ana, acme = ana_at_acme

        complaint = complaint_open(
            opened=MARCH_1, person=ana, account=acme, severity="high", summary="Entrega tarde",
            actor=owner,
        )  # fmt: skip
        complaint_resolve(
            complaint=complaint, resolved=MARCH_10, resolution="Reposición", satisfaction_after=4
        )

        complaint.refresh_from_db()
        assert (complaint.first_response, complaint.resolved) == (MARCH_10, MARCH_10)
        assert complaint.satisfaction_after == 4
        kinds = list(
            TimelineEvent.objects.filter(account=acme).order_by("id").values_list("kind", flat=True)
        )
        assert kinds == [EventKind.COMPLAINT_OPENED, EventKind.COMPLAINT_RESOLVED]
        assert TimelineEvent.objects.get(kind=EventKind.COMPLAINT_RESOLVED).data["days"] == 9

    def test_an_earlier_first_response_is_kept(self, ana_at_acme: tuple[Person, Account]) -> None:
        ana, _acme = ana_at_acme
        complaint = complaint_open(opened=MARCH_1, person=ana)
        Complaint.objects.filter(pk=complaint.pk).update(first_response=dt.date(2024, 3, 2))
        complaint.refresh_from_db()

        complaint_resolve(complaint=complaint, resolved=MARCH_10)

        complaint.refresh_from_db()
        assert complaint.first_response == dt.date(2024, 3, 2)

    def test_bad_severity_is_refused(self, ana_at_acme: tuple[Person, Account]) -> None:
        with pytest.raises(ValidationError) as error:
            complaint_open(opened=MARCH_1, person=ana_at_acme[0], severity="apocalyptic")
        assert error.value.message_dict == {
            "severity": ["“apocalyptic” is not one of: low, medium, high, critical."]
        }
        assert not Complaint.objects.exists()

    @pytest.mark.parametrize(
        ("resolved", "satisfaction", "field"),
        [(dt.date(2024, 2, 1), None, "resolved"), (MARCH_10, 6, "satisfaction_after")],
    )
    def test_bad_resolutions_are_refused_and_nothing_changes(
        self,
        ana_at_acme: tuple[Person, Account],
        resolved: dt.date,
        satisfaction: int | None,
        field: str,
    ) -> None:
        complaint = complaint_open(opened=MARCH_1, person=ana_at_acme[0])

        with pytest.raises(ValidationError) as error:
            complaint_resolve(
                complaint=complaint, resolved=resolved, satisfaction_after=satisfaction
            )

        assert field in error.value.message_dict
        complaint.refresh_from_db()
        assert complaint.resolved is None
        assert not TimelineEvent.objects.filter(kind=EventKind.COMPLAINT_RESOLVED).exists()

    def test_a_resolved_complaint_cannot_be_resolved_again(
        self, ana_at_acme: tuple[Person, Account]
    ) -> None:
        complaint = complaint_open(opened=MARCH_1, person=ana_at_acme[0])
        complaint_resolve(complaint=complaint, resolved=MARCH_10, resolution="Primera")

        with pytest.raises(ValidationError):
            complaint_resolve(complaint=complaint, resolved=MARCH_11, resolution="Segunda")

        complaint.refresh_from_db()
        assert (complaint.resolved, complaint.resolution) == (MARCH_10, "Primera")


class TestConcernsAndInitiatives:
    def test_concern_needs_a_topic(self, ana_at_acme: tuple[Person, Account]) -> None:
        concern = concern_open(topic=" Plazos de pago ", opened=MARCH_1, person=ana_at_acme[0])
        assert concern.topic == "Plazos de pago"
        with pytest.raises(ValidationError):
            concern_open(topic="", opened=MARCH_1, person=ana_at_acme[0])
        assert Concern.objects.count() == 1

    def test_initiative_outcome_is_checked(self, ana_at_acme: tuple[Person, Account]) -> None:
        _ana, acme = ana_at_acme
        initiative = initiative_record(
            text="Piloto de mantenimiento", proposed_on=MARCH_1, account=acme,
            outcome="accepted", value=Decimal("12000"),
        )  # fmt: skip
        assert initiative.outcome == "accepted"
        with pytest.raises(ValidationError) as error:
            initiative_record(text="Otra", proposed_on=MARCH_1, account=acme, outcome="maybe")
        assert "outcome" in error.value.message_dict
        assert Initiative.objects.count() == 1
