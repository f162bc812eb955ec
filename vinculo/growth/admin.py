from django.contrib import admin

from vinculo.growth.models import Concession, Holding, ProductLine, ValueItem


@admin.register(ProductLine)
class ProductLineAdmin(admin.ModelAdmin[ProductLine]):
    search_fields = ["name", "key"]


@admin.register(Holding)
class HoldingAdmin(admin.ModelAdmin[Holding]):
    list_display = ["account", "product_line", "year", "revenue"]
    list_filter = ["year", "product_line"]
    list_select_related = ["account", "product_line"]
    autocomplete_fields = ["account", "product_line"]


@admin.register(Concession)
class ConcessionAdmin(admin.ModelAdmin[Concession]):
    list_display = ["account", "kind", "size_pct", "amount", "granted_on", "approved_by"]
    list_filter = ["kind"]
    list_select_related = ["account"]
    search_fields = ["account__name", "reason", "policy"]
    autocomplete_fields = ["account", "person"]


@admin.register(ValueItem)
class ValueItemAdmin(admin.ModelAdmin[ValueItem]):
    list_display = ["account", "kind", "amount", "date", "communicated_on"]
    list_filter = ["kind"]
    list_select_related = ["account"]
    search_fields = ["account__name", "evidence"]
    autocomplete_fields = ["account", "person"]
