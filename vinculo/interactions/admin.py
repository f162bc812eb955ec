from django.contrib import admin

from vinculo.interactions.models import Interaction, InteractionColleague, InteractionPerson


class InteractionPersonInline(admin.TabularInline[InteractionPerson, Interaction]):
    model = InteractionPerson
    extra = 0
    autocomplete_fields = ["person"]


class InteractionColleagueInline(admin.TabularInline[InteractionColleague, Interaction]):
    model = InteractionColleague
    extra = 0
    autocomplete_fields = ["colleague"]


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin[Interaction]):
    list_display = ["started_at", "channel", "direction", "level", "account", "duration_min"]
    list_filter = ["channel", "direction", "level", "source"]
    list_select_related = ["account"]
    search_fields = ["summary", "key", "source_id"]
    date_hierarchy = "started_at"
    autocomplete_fields = ["account"]
    inlines = [InteractionPersonInline, InteractionColleagueInline]
