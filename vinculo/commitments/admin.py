from django.contrib import admin

from vinculo.commitments.models import Commitment, Complaint, Concern, Initiative

_subject = ["person", "account"]


@admin.register(Commitment)
class CommitmentAdmin(admin.ModelAdmin[Commitment]):
    list_display = ["text", "person", "account", "made_on", "due", "status", "closed_on"]
    list_filter = ["status"]
    list_select_related = _subject
    search_fields = ["text", "person__name", "account__name"]
    autocomplete_fields = [*_subject, "colleague"]
    raw_id_fields = ["interaction"]


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin[Complaint]):
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
    autocomplete_fields = _subject


@admin.register(Concern)
class ConcernAdmin(admin.ModelAdmin[Concern]):
    list_display = ["topic", "person", "account", "opened", "resolved"]
    list_select_related = _subject
    search_fields = ["topic"]
    autocomplete_fields = _subject


@admin.register(Initiative)
class InitiativeAdmin(admin.ModelAdmin[Initiative]):
    list_display = ["text", "account", "person", "proposed_on", "outcome", "value"]
    list_filter = ["outcome"]
    list_select_related = _subject
    search_fields = ["text"]
    autocomplete_fields = _subject
