from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vinculo.health.config import EngineConfig
from vinculo.health.models import HealthSettings, HealthSnapshot, Play
from vinculo.health.services import health_settings_check
from vinculo.health.words import reason_and_action


@admin.register(HealthSnapshot)
class HealthSnapshotAdmin(admin.ModelAdmin[HealthSnapshot]):
    list_display = ["as_of", "person", "account", "overall", "band"]
    list_filter = ["band"]
    list_select_related = ["person", "account"]
    raw_id_fields = ["person", "account"]
    date_hierarchy = "as_of"


@admin.register(Play)
class PlayAdmin(admin.ModelAdmin[Play]):
    list_display = ["kind", "person", "account", "owner", "status", "due", "raised_on"]
    list_filter = ["kind", "status"]
    list_select_related = ["person", "account", "owner"]
    raw_id_fields = ["person", "account"]
    search_fields = ["person__name", "account__name"]
    readonly_fields = ["reason", "action"]

    @admin.display(description=gettext_lazy("reason"))
    def reason(self, play: Play) -> str:
        return reason_and_action(play.kind, play.facts)[0]

    @admin.display(description=gettext_lazy("recommended action"))
    def action(self, play: Play) -> str:
        return reason_and_action(play.kind, play.facts)[1]


class HealthSettingsForm(forms.ModelForm[HealthSettings]):
    """Refuses names the engine does not know, with the same rule as the service."""

    class Meta:
        model = HealthSettings
        fields = ["overrides"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Worded per request, so the help follows the reader's language.
        self.fields["overrides"].help_text = _(
            "Only what differs from the defaults, as JSON. Example: "
            '{"recent_days": 60, "person_weights": {"cadence": 30}, "green_from": 75}. '
            "Known names: %(names)s. The new values apply from the next health recomputation."
        ) % {"names": ", ".join(sorted(EngineConfig.__dataclass_fields__))}

    def clean_overrides(self) -> dict[str, Any]:
        overrides = self.cleaned_data.get("overrides") or {}
        health_settings_check(overrides)  # its ValidationError shows on the field
        return overrides


@admin.register(HealthSettings)
class HealthSettingsAdmin(admin.ModelAdmin[HealthSettings]):
    form = HealthSettingsForm
    list_display = ["__str__", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One row: the engine reads the first; a second would be silently ignored.
        return super().has_add_permission(request) and not HealthSettings.objects.exists()
