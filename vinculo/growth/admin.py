"""What we sell and what accounts use, in the admin. Product lines and holdings are
written through their services (the shared checks show as form errors); concessions and
value items are read-only here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from vinculo.admin_tools import ReadOnlyAdmin, ServiceAdmin, add_problems, add_service_error
from vinculo.growth.checks import holding_problems
from vinculo.growth.models import Concession, Holding, ProductLine, ValueItem
from vinculo.growth.services import holding_set, product_line_create, product_line_name_check
from vinculo.users.models import User


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


class ProductLineForm(forms.ModelForm[ProductLine]):
    class Meta:
        model = ProductLine
        fields = ["name"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            data["name"] = product_line_name_check(data.get("name") or "")
        except ValidationError as error:
            add_service_error(self, error)
        return data


@admin.register(ProductLine)
class ProductLineAdmin(ServiceAdmin[ProductLine]):
    form = ProductLineForm
    search_fields = ["name", "key"]
    readonly_fields = ["key"]

    def create(self, request: HttpRequest, data: dict[str, Any]) -> ProductLine:
        return product_line_create(name=data["name"], actor=_user(request))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class HoldingForm(forms.ModelForm[Holding]):
    class Meta:
        model = Holding
        fields = ["account", "product_line", "year", "revenue"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in ("account", "product_line", "year"):
                self.fields[name].disabled = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        add_problems(self, holding_problems(year=data.get("year"), revenue=data.get("revenue")))
        return data


@admin.register(Holding)
class HoldingAdmin(ServiceAdmin[Holding]):
    form = HoldingForm
    list_display = ["account", "product_line", "year", "revenue"]
    list_filter = ["year", "product_line"]
    list_select_related = ["account", "product_line"]
    autocomplete_fields = ["account", "product_line"]

    def create(self, request: HttpRequest, data: dict[str, Any]) -> Holding:
        return holding_set(
            account=data["account"],
            product_line=data["product_line"],
            year=data["year"],
            revenue=data["revenue"],
            actor=_user(request),
        )

    def update(
        self, request: HttpRequest, current: Holding, data: dict[str, Any], changed: list[str]
    ) -> Holding:
        return self.create(
            request,
            {**data, "account": current.account, "product_line": current.product_line,
             "year": current.year},
        )  # fmt: skip


@admin.register(Concession)
class ConcessionAdmin(ReadOnlyAdmin[Concession]):
    list_display = ["account", "kind", "size_pct", "amount", "granted_on", "approved_by"]
    list_filter = ["kind"]
    list_select_related = ["account"]
    search_fields = ["account__name", "reason", "policy"]


@admin.register(ValueItem)
class ValueItemAdmin(ReadOnlyAdmin[ValueItem]):
    list_display = ["account", "kind", "amount", "date", "communicated_on"]
    list_filter = ["kind"]
    list_select_related = ["account"]
    search_fields = ["account__name", "evidence"]
