"""The subject access export (GDPR art. 15): everything stored about a person, in a fixed
number of queries whatever their history."""

from __future__ import annotations

from typing import Any

from django.db import models

from vinculo.audit.models import AuditEntry
from vinculo.audit.signals import json_value
from vinculo.capture.models import ExternalId
from vinculo.commitments.models import Commitment, Complaint, Concern, Initiative
from vinculo.growth.models import Concession, ValueItem
from vinculo.interactions.models import Interaction, InteractionColleague
from vinculo.people.models import ContactPlan, Employment, Person
from vinculo.timeline.models import TimelineEvent

PERSON_FIELDS = (
    "id", "key", "name", "phones", "language", "legal_basis", "legal_basis_source", "notes",
    "birthday", "family", "tastes", "friends", "interests", "professional_interests",
    "created_at", "changed_at",
)  # fmt: skip


def _rows(queryset: models.QuerySet[Any], *fields: str) -> list[dict[str, Any]]:
    return [{k: json_value(v) for k, v in row.items()} for row in queryset.values(*fields)]


def subject_access(person: Person) -> dict[str, Any]:
    """A JSON-ready dict: the profile, addresses, jobs, plan, interactions (with who took
    part on our side), promises, complaints, concerns, initiatives, concessions, value,
    timeline, outside ids and the audit trail about them."""
    pk = person.pk
    profile = {name: json_value(getattr(person, name)) for name in PERSON_FIELDS}
    profile["owner"] = person.owner.name if person.owner_id and person.owner else None
    interactions = _rows(
        Interaction.objects.filter(person_links__person_id=pk).order_by("started_at", "id"),
        "id",
        "started_at",
        "duration_min",
        "channel",
        "place",
        "direction",
        "level",
        "summary",
        "source",
        "account__name",
    )
    ours: dict[int, list[str]] = {}
    for interaction_id, name in InteractionColleague.objects.filter(
        interaction__person_links__person_id=pk
    ).values_list("interaction_id", "colleague__name"):
        ours.setdefault(interaction_id, []).append(name)
    for row in interactions:
        row["our_participants"] = sorted(ours.get(row["id"], []))
    return {
        "person": profile,
        "emails": list(person.emails.order_by("id").values_list("email", flat=True)),
        "employments": _rows(
            Employment.objects.filter(person_id=pk).order_by("start", "id"),
            "account__name",
            "title",
            "function",
            "decision_role",
            "start",
            "end",
        ),
        "contact_plan": _rows(
            ContactPlan.objects.filter(person_id=pk),
            "every_days",
            "channel",
            "place",
            "agreed",
            "next_due",
        ),
        "interactions": interactions,
        "commitments": _rows(
            Commitment.objects.filter(person_id=pk).order_by("made_on", "id"),
            "text",
            "made_on",
            "due",
            "status",
            "account__name",
        ),
        "complaints": _rows(
            Complaint.objects.filter(person_id=pk).order_by("opened", "id"),
            "opened",
            "severity",
            "category",
            "summary",
            "resolved",
            "resolution",
        ),
        "concerns": _rows(
            Concern.objects.filter(person_id=pk).order_by("opened", "id"),
            "topic",
            "opened",
            "resolved",
        ),
        "initiatives": _rows(
            Initiative.objects.filter(person_id=pk).order_by("proposed_on", "id"),
            "proposed_on",
            "text",
            "outcome",
            "value",
        ),
        "concessions": _rows(
            Concession.objects.filter(person_id=pk).order_by("id"),
            "kind",
            "policy",
            "reason",
            "account__name",
        ),
        "value_items": _rows(
            ValueItem.objects.filter(person_id=pk).order_by("id"),
            "kind",
            "amount",
            "evidence",
            "account__name",
        ),
        "timeline": _rows(
            TimelineEvent.objects.filter(person_id=pk).order_by("occurred_at", "id"),
            "kind",
            "occurred_at",
            "data",
        ),
        "external_ids": _rows(ExternalId.objects.filter(person_id=pk), "system", "external_id"),
        "audit_trail": _rows(
            AuditEntry.objects.filter(person_id=pk).order_by("at", "id"),
            "at",
            "face",
            "model",
            "object_repr",
            "action",
            "changes",
            "actor__username",
        ),
    }


SECTIONS = (
    "emails", "employments", "contact_plan", "interactions", "commitments", "complaints",
    "concerns", "initiatives", "concessions", "value_items", "timeline", "external_ids",
    "audit_trail",
)  # fmt: skip
