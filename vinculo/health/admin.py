from django.contrib import admin

from vinculo.health.models import HealthSnapshot, Play


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
    search_fields = ["reason"]
