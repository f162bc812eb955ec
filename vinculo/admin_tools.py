"""The Django admin writes domain rows only through the services, or shows them read-only.

``ServiceAdmin`` forms run the shared checks in ``clean`` (so problems show beside their
fields, in the services' words), and ``save_model`` / ``delete_model`` call the service,
which validates again, locks, records the timeline and refreshes health. Anything the
admin would otherwise write directly (inlines, bulk delete) is read-only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest

M = TypeVar("M", bound=Model)


def add_problems(form: forms.BaseForm, problems: Mapping[str, str]) -> None:
    """Show each problem beside its field (or above the form when it has no field)."""
    for field, message in problems.items():
        form.add_error(field if field in form.fields else None, message)


def add_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for item in errors:
                form.add_error(field if field in form.fields else None, item)
    else:
        form.add_error(None, error)


def split_values(text: str) -> list[str]:
    """A cell of several values (domains, addresses), ``;`` or new lines between."""
    return [part.strip() for part in text.replace("\n", ";").split(";") if part.strip()]


class ReadOnlyAdmin(admin.ModelAdmin[M]):
    """Shown, searched and filtered, never written here: the services own these rows."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline[Any, Any]):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ServiceAdmin(admin.ModelAdmin[M]):
    """Adds and changes through ``create`` / ``update``; deleting only where ``remove``
    is defined. Subclasses implement them with the service calls."""

    actions = None  # the bulk "delete selected" would skip the services

    def create(self, request: HttpRequest, data: dict[str, Any]) -> M:
        raise NotImplementedError

    def update(
        self, request: HttpRequest, current: M, data: dict[str, Any], changed: list[str]
    ) -> M:
        raise NotImplementedError

    def remove(self, request: HttpRequest, obj: M) -> None:
        raise NotImplementedError

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if type(self).remove is ServiceAdmin.remove:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: M, form: Any, change: bool) -> None:
        data = dict(form.cleaned_data)
        if change:
            current = type(obj)._default_manager.get(pk=obj.pk)
            saved = self.update(request, current, data, list(form.changed_data))
        else:
            saved = self.create(request, data)
        # The admin goes on with ``obj`` (messages, redirect, inlines): make it the row saved.
        obj.__dict__.update(saved.__dict__)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Inlines are read-only and the services wrote the related rows already; the
        # admin's change message still asks each formset what it saved: nothing.
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def delete_model(self, request: HttpRequest, obj: M) -> None:
        self.remove(request, obj)
