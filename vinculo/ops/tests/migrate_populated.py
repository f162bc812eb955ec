"""Run as a script (``DATABASE_URL`` set to an empty database): migrate to an earlier state,
fill it through that state's models, migrate to the latest, check the data. Prints one JSON
line with what it found; used by test_migrations.

The earlier state: every app of ours one migration back from its latest, and, further back,
the points just before the data migrations (``EARLY``), so that they run on real rows.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vinculo.settings")
import django

django.setup()

from django.apps import apps as django_apps  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402

# The migration before each data migration: those run on the rows made here.
EARLY = {
    "people": "0004_privacy_legal_basis_source",  # 0005 fills Person.search_name
    "health": "0006_snapshot_as_of_index",  # 0007 builds the daily summary
}
NAMES = ["Ángela Núñez", "José María Çelik", "Zoë O'Brien", "Łukasz Wróbel", "ANA PÉREZ"]


def targets(executor: MigrationExecutor) -> list[tuple[str, str]]:
    graph = executor.loader.graph
    chosen: dict[str, str] = {}
    for app, name in graph.leaf_nodes():
        if not django_apps.get_app_config(app).name.startswith("vinculo."):
            continue
        parents = [p for p in graph.node_map[(app, name)].parents if p[0] == app]
        chosen[app] = parents[0][1] if parents else name
    for app, name in EARLY.items():
        if (app, name) in graph.forwards_plan((app, chosen[app])):
            chosen[app] = name  # the earlier of the two
    return sorted(chosen.items())


def populate(apps: Any) -> dict[str, int]:
    """Colleagues, accounts, people with accents, jobs, interactions on both sides."""
    user = apps.get_model("users", "User").objects.create(username="kam", is_active=True)
    colleague = apps.get_model("people", "Colleague").objects.create(
        name="Colega Uno", email="uno@nosotros.example", user_id=user.pk
    )
    account_model = apps.get_model("people", "Account")
    person_model = apps.get_model("people", "Person")
    employment = apps.get_model("people", "Employment")
    interaction = apps.get_model("interactions", "Interaction")
    link_person = apps.get_model("interactions", "InteractionPerson")
    link_colleague = apps.get_model("interactions", "InteractionColleague")
    accounts = [account_model.objects.create(name=f"Cliente {n} S.A.") for n in range(3)]
    people = []
    for n in range(30):
        person = person_model.objects.create(name=f"{NAMES[n % len(NAMES)]} {n}")
        employment.objects.create(person=person, account=accounts[n % 3], start=dt.date(2020, 1, 1))
        people.append(person)
    links = 0
    for n in range(120):
        # Noon UTC: the same local day in the project's time zone.
        when = dt.datetime(2026, 3, 1 + n % 28, 12, 0, tzinfo=dt.UTC)
        row = interaction.objects.create(
            started_at=when,
            duration_min=30,
            channel="meeting" if n % 2 else "email",
            direction="inbound" if n % 3 == 0 else "outbound",
            summary=f"Reunión {n}",
            account=accounts[n % 3],
        )
        for person in (people[n % 30], people[(n * 7 + 1) % 30]):
            if link_person.objects.filter(interaction=row, person=person).exists():
                continue
            link_person.objects.create(interaction=row, person=person)
            links += 1
        link_colleague.objects.create(interaction=row, colleague=colleague)
    return {"people": len(people), "interactions": 120, "person_links": links}


def main() -> None:
    executor = MigrationExecutor(connection)
    early = targets(executor)
    executor.migrate(early)
    executor.loader.build_graph()
    made = populate(executor.loader.project_state(early).apps)

    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(latest)
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())

    from django.db.models import Sum
    from django.utils import timezone

    from vinculo.health.models import InteractionDaySummary
    from vinculo.interactions.models import Interaction, InteractionPerson
    from vinculo.people.models import Employment, Person, search_key

    people = list(Person.objects.order_by("pk"))
    expected_days = {
        (link.person_id, timezone.localtime(link.interaction.started_at).date())
        for link in InteractionPerson.objects.select_related("interaction")
    }
    summary = InteractionDaySummary.objects.filter(person__isnull=False)
    print(
        json.dumps(
            {
                "from": early,
                "made": made,
                "pending": [str(m) for m, _ in pending],
                "people": len(people),
                "names_kept": sorted({p.name.rsplit(" ", 1)[0] for p in people}) == sorted(NAMES),
                "search_names_right": all(
                    p.search_name == search_key(p.name) and p.search_name for p in people
                ),
                "search_name_sample": people[0].search_name,
                "employments": Employment.objects.count(),
                "interactions": Interaction.objects.count(),
                "person_links": InteractionPerson.objects.count(),
                "summary_person_days": summary.count(),
                "summary_person_days_expected": len(expected_days),
                "summary_person_n": summary.aggregate(n=Sum("n"))["n"],
                "summary_account_n": InteractionDaySummary.objects.filter(
                    account__isnull=False
                ).aggregate(n=Sum("n"))["n"],
            }
        )
    )


if __name__ == "__main__":
    main()
    sys.exit(0)
