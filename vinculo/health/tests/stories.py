"""Small hand-built client stories for the engine's tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from vinculo.interactions.models import Interaction, InteractionColleague, InteractionPerson
from vinculo.interactions.services import interactions_assign_accounts
from vinculo.people.models import Account, Colleague, Employment, Person
from vinculo.vocab import Channel, Direction, Function

AS_OF = dt.date(2026, 6, 30)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def days_before(n: int, base: dt.date = AS_OF) -> dt.date:
    return base - dt.timedelta(days=n)


@dataclass
class Story:
    """Builds accounts, people, colleagues and interactions with few words."""

    account: Account
    people: dict[str, Person] = field(default_factory=dict)
    colleagues: dict[str, Colleague] = field(default_factory=dict)

    @classmethod
    def new(cls, name: str, tier: str = "b", **kwargs: object) -> Story:
        return cls(Account.objects.create(name=name, key=name.lower(), tier=tier, **kwargs))

    def person(
        self,
        name: str,
        function: str = Function.PURCHASING,
        decision_role: str = "",
        start: dt.date = dt.date(2020, 1, 1),
        end: dt.date | None = None,
    ) -> Person:
        person = Person.objects.create(name=name, key=name.lower())
        Employment.objects.create(
            person=person,
            account=self.account,
            function=function,
            decision_role=decision_role,
            start=start,
            end=end,
        )
        self.people[name] = person
        return person

    def colleague(self, name: str, function: str = Function.SALES) -> Colleague:
        colleague, _ = Colleague.objects.get_or_create(
            name=name, defaults={"function": function, "email": f"{name.lower()}@us.example"}
        )
        self.colleagues[name] = colleague
        return colleague

    def talk(
        self,
        day: dt.date,
        ours: list[str],
        theirs: list[str],
        channel: str = Channel.MEETING,
        direction: str = Direction.OUTBOUND,
        level: str = "",
        minutes: int = 45,
    ) -> Interaction:
        interaction = Interaction.objects.create(
            started_at=at(day),
            channel=channel,
            direction=direction,
            level=level,
            duration_min=minutes,
        )
        InteractionPerson.objects.bulk_create(
            [InteractionPerson(interaction=interaction, person=self.people[n]) for n in theirs]
        )
        InteractionColleague.objects.bulk_create(
            [
                InteractionColleague(interaction=interaction, colleague=self.colleagues[n])
                for n in ours
            ]
        )
        interactions_assign_accounts(Interaction.objects.filter(pk=interaction.pk))
        return interaction

    def every(
        self, days: int, count: int, ours: list[str], theirs: list[str], **kwargs: object
    ) -> None:
        """``count`` contacts, one every ``days`` days, the last one ``days`` days ago."""
        for i in range(count):
            self.talk(days_before(days * (i + 1)), ours, theirs, **kwargs)  # type: ignore[arg-type]
