"""Interactions in the admin, read-only: they are logged through ``interaction_log`` (the
web, the API, the importers), which derives the account and the level and records the
timeline; an edit here would skip all three."""

from django.contrib import admin

from vinculo.admin_tools import ReadOnlyAdmin, ReadOnlyInline
from vinculo.interactions.models import Interaction, InteractionColleague, InteractionPerson


class InteractionPersonInline(ReadOnlyInline):
    model = InteractionPerson
    show_change_link = False


class InteractionColleagueInline(ReadOnlyInline):
    model = InteractionColleague
    show_change_link = False


@admin.register(Interaction)
class InteractionAdmin(ReadOnlyAdmin[Interaction]):
    list_display = ["started_at", "channel", "direction", "level", "account", "duration_min"]
    list_filter = ["channel", "direction", "level", "source"]
    list_select_related = ["account"]
    search_fields = ["summary", "key", "source_id"]
    date_hierarchy = "started_at"
    inlines = [InteractionPersonInline, InteractionColleagueInline]
