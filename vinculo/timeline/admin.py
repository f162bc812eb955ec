from django.contrib import admin

from vinculo.timeline.models import TimelineEvent


@admin.register(TimelineEvent)
class TimelineEventAdmin(admin.ModelAdmin[TimelineEvent]):
    list_display = ["occurred_at", "kind", "person", "account", "actor"]
    list_filter = ["kind"]
    list_select_related = ["person", "account", "actor"]
    raw_id_fields = ["person", "account"]
    date_hierarchy = "occurred_at"
