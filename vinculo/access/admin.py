from django.contrib import admin

from vinculo.access.models import AccountShare, PersonalDataRead


@admin.register(AccountShare)
class AccountShareAdmin(admin.ModelAdmin[AccountShare]):
    list_display = ("account", "user", "created_at")
    list_select_related = ("account", "user")
    autocomplete_fields = ("account",)
    raw_id_fields = ("user",)
    search_fields = ("account__name", "user__username")


@admin.register(PersonalDataRead)
class PersonalDataReadAdmin(admin.ModelAdmin[PersonalDataRead]):
    """The trail of who read whose personal facts: read only."""

    list_display = ("at", "username", "person", "face")
    list_filter = ("face",)
    list_select_related = ("person",)
    search_fields = ("username", "person__name")
    date_hierarchy = "at"

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
