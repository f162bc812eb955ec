"""Promises, complaints, concerns and initiatives in the admin, read-only: their services
(the web, the API, the bundle) check the dates, derive the account, record the timeline
and refresh health."""

from django.contrib import admin

from vinculo.admin_tools import ReadOnlyAdmin
from vinculo.commitments.models import Commitment, Complaint, Concern, Initiative

_subject = ["person", "account"]


@admin.register(Commitment)
class CommitmentAdmin(ReadOnlyAdmin[Commitment]):
    list_display = ["text", "person", "account", "made_on", "due", "status", "closed_on"]
    list_filter = ["status"]
    list_select_related = _subject
    search_fields = ["text", "person__name", "account__name"]


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin[Complaint]):
    list_display = [
        "summary",
        "account",
        "person",
        "severity",
        "opened",
        "first_response",
        "resolved",
    ]
    list_filter = ["severity", "category"]
    list_select_related = _subject
    search_fields = ["summary", "category", "account__name"]


@admin.register(Concern)
class ConcernAdmin(ReadOnlyAdmin[Concern]):
    list_display = ["topic", "person", "account", "opened", "resolved"]
    list_select_related = _subject
    search_fields = ["topic"]


@admin.register(Initiative)
class InitiativeAdmin(ReadOnlyAdmin[Initiative]):
    list_display = ["text", "account", "person", "proposed_on", "outcome", "value"]
    list_filter = ["outcome"]
    list_select_related = _subject
    search_fields = ["text"]
