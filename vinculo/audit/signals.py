"""The one place that records the audit trail: model signals for every domain model.

``pre_save`` reads the stored values of the fields being saved (one indexed read of one
row, only for updates), ``post_save`` and ``post_delete`` write one :class:`AuditEntry`
with each changed field's value before and after. The actor and the face come from
``vinculo.audit.context``.

Set-based writes (``bulk_create``, ``bulk_update``, ``QuerySet.update``, the importers'
``vinculo.bulk`` inserts, the health recompute) send no signals: their callers record one
summary entry per write with :func:`vinculo.audit.services.audit_bulk` instead of one per row.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models.deletion import Collector
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone

from vinculo.audit.context import current
from vinculo.audit.models import Action, AuditEntry

# Every model whose changes are recorded (app_label.ModelName).
TRACKED = (
    "people.Person",
    "people.PersonEmail",
    "people.Account",
    "people.AccountDomain",
    "people.Employment",
    "people.Colleague",
    "people.ContactPlan",
    "interactions.Interaction",
    "interactions.InteractionPerson",
    "interactions.InteractionColleague",
    "commitments.Commitment",
    "commitments.Complaint",
    "commitments.Concern",
    "commitments.Initiative",
    "growth.ProductLine",
    "growth.Holding",
    "growth.Concession",
    "growth.ValueItem",
    "health.Play",
    "health.HealthSettings",
    "users.User",
    "users.Team",
    "users.ApiToken",
    "capture.BlockedAddress",
)
# Book-keeping, not facts: never a change on their own.
IGNORED_FIELDS = frozenset(
    {
        "version",
        "changed_at",
        "changed_by",
        "updated_at",
        "created_at",
        "last_login",
        "last_used_at",
    }
)
# Recorded as changed, never with their value.
SECRET_FIELDS = frozenset({"password", "digest"})
SECRET = "***"
# Models whose __str__ reads related rows: shown as "type #id" unless those are loaded.
_STR_READS_RELATIONS = frozenset(
    {
        "people.Employment",
        "people.ContactPlan",
        "growth.Holding",
        "growth.Concession",
        "growth.ValueItem",
        "users.ApiToken",
    }
)
_BEFORE = "_audit_before"


def _fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [
        f for f in model._meta.concrete_fields if f.name not in IGNORED_FIELDS and not f.primary_key
    ]


def json_value(value: Any) -> Any:
    """A value as JSON: dates in ISO, decimals and UUIDs as text, foreign keys as ids."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return value
    return str(value)


def _normal(field: models.Field[Any, Any], value: Any) -> Any:
    try:
        return field.to_python(value)
    except Exception:  # compare as stored when a value does not convert
        return value


def _repr(instance: models.Model, label: str) -> str:
    if label in _STR_READS_RELATIONS:
        for field in instance._meta.concrete_fields:
            if (
                field.is_relation
                and getattr(instance, field.attname) is not None
                and not field.is_cached(instance)  # type: ignore[attr-defined]
            ):
                return f"{instance._meta.verbose_name} #{instance.pk}"
    return str(instance)[:200]


def _owners(instance: models.Model, label: str) -> tuple[int | None, int | None]:
    person = instance.pk if label == "people.Person" else getattr(instance, "person_id", None)
    account = instance.pk if label == "people.Account" else getattr(instance, "account_id", None)
    return (
        person if isinstance(person, int) else None,
        account if isinstance(account, int) else None,
    )


def _entry(instance: models.Model, action: str, changes: dict[str, Any]) -> AuditEntry:
    label = instance._meta.label
    acting = current()
    person, account = _owners(instance, label)
    return AuditEntry(
        at=timezone.now(),
        actor=acting.actor(),
        face=acting.face,
        model=label,
        object_id=str(instance.pk),
        object_repr=_repr(instance, label),
        action=action,
        changes=changes,
        person_id=person,
        account_id=account,
    )


def _saved_names(sender: type[models.Model], update_fields: Any) -> list[models.Field[Any, Any]]:
    fields = _fields(sender)
    if update_fields is None:
        return fields
    wanted = set(update_fields)
    return [f for f in fields if f.name in wanted or f.attname in wanted]


def _pre_save(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if kwargs.get("raw") or instance._state.adding or instance.pk is None:
        setattr(instance, _BEFORE, None)
        return
    fields = _saved_names(sender, kwargs.get("update_fields"))
    before = (
        sender._base_manager.using(kwargs.get("using"))
        .filter(pk=instance.pk)
        .values(*[f.attname for f in fields])
        .first()
    )
    setattr(instance, _BEFORE, before)


def _post_save(
    sender: type[models.Model], instance: models.Model, created: bool, **kwargs: Any
) -> None:
    if kwargs.get("raw"):
        return
    changes: dict[str, Any] = {}
    before = getattr(instance, _BEFORE, None)
    if created or before is None:
        for field in _fields(sender):
            value = getattr(instance, field.attname)
            if value in (None, "") or hasattr(value, "resolve_expression"):
                continue
            shown = SECRET if field.name in SECRET_FIELDS else json_value(value)
            changes[field.name] = [None, shown]
        action = Action.CREATE
    else:
        for field in _saved_names(sender, kwargs.get("update_fields")):
            if field.attname not in before:
                continue
            old, new = before[field.attname], getattr(instance, field.attname)
            if hasattr(new, "resolve_expression") or _normal(field, old) == _normal(field, new):
                continue
            if field.name in SECRET_FIELDS:
                changes[field.name] = [SECRET, SECRET]
            else:
                changes[field.name] = [json_value(old), json_value(_normal(field, new))]
        if not changes:
            return
        action = Action.UPDATE
    setattr(instance, _BEFORE, None)
    _entry(instance, action, changes).save()


# Entries of the delete being run: Django sends post_delete per row, the trail writes them
# with one INSERT per delete (see _delete_with_one_insert).
_pending: ContextVar[list[AuditEntry] | None] = ContextVar("vinculo_audit_pending", default=None)


def _post_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    changes = {}
    for field in _fields(sender):
        value = getattr(instance, field.attname, None)
        if value in (None, ""):
            continue
        changes[field.name] = [SECRET if field.name in SECRET_FIELDS else json_value(value), None]
    entry = _entry(instance, Action.DELETE, changes)
    pending = _pending.get()
    if pending is None:
        entry.save()
    else:
        pending.append(entry)


def _delete_with_one_insert(original: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap ``Collector.delete`` (every instance and queryset delete): the rows' entries
    are written together, in the same transaction as the delete."""

    @functools.wraps(original)
    def delete(self: Collector) -> Any:
        if _pending.get() is not None:  # a delete inside a delete's signal handler
            return original(self)
        buffer: list[AuditEntry] = []
        token = _pending.set(buffer)
        try:
            with transaction.atomic(using=self.using, savepoint=False):
                result = original(self)
                _pending.reset(token)
                token = None  # type: ignore[assignment]
                if buffer:
                    AuditEntry.objects.using(self.using).bulk_create(buffer, batch_size=500)
        finally:
            if token is not None:
                _pending.reset(token)
        return result

    delete.audit_wrapped = True  # type: ignore[attr-defined]
    return delete


def tracked_models() -> list[type[models.Model]]:
    return [apps.get_model(label) for label in TRACKED]


def connect() -> None:
    if not getattr(Collector.delete, "audit_wrapped", False):
        Collector.delete = _delete_with_one_insert(Collector.delete)  # type: ignore[method-assign]
    for model in tracked_models():
        uid = f"audit:{model._meta.label}"
        pre_save.connect(_pre_save, sender=model, dispatch_uid=f"{uid}:pre")
        post_save.connect(_post_save, sender=model, dispatch_uid=f"{uid}:post")
        post_delete.connect(_post_delete, sender=model, dispatch_uid=f"{uid}:delete")
