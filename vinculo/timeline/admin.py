"""The timeline in the admin: history, so read-only."""

from django.contrib import admin

from vinculo.admin_tools import ReadOnlyAdmin
from vinculo.timeline.models import TimelineEvent


@admin.register(TimelineEvent)
class TimelineEventAdmin(ReadOnlyAdmin[TimelineEvent]):
    list_display = ["occurred_at", "kind", "person", "account", "actor"]
    list_filter = ["kind"]
    list_select_related = ["person", "account", "actor"]
    date_hierarchy = "occurred_at"
