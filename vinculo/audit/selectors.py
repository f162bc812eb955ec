"""Reading the trail: a record's history, as entries and as sentences."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from vinculo.audit.models import Action, AuditEntry, Face
from vinculo.people.checks import PERSONAL_FACT_FIELDS

HISTORY_LIMIT = 20
# Personal profile facts (M18) and the notes: their values are shown only to who may see
# them.
PERSONAL_FACTS = frozenset({*PERSONAL_FACT_FIELDS, "notes"})


def history_for(
    obj_or_model: models.Model | type[models.Model] | str,
    pk: Any = None,
    limit: int = HISTORY_LIMIT,
) -> list[AuditEntry]:
    """The latest entries about a record, newest first, in one query.

    A person or an account (an instance, or the model with ``pk``) includes the records that
    belong to them (addresses, jobs, plan, participations, promises...); anything else is
    that record's own entries.
    """
    if isinstance(obj_or_model, models.Model):
        label, pk = obj_or_model._meta.label, obj_or_model.pk
    elif isinstance(obj_or_model, str):
        label = obj_or_model
    else:
        label = obj_or_model._meta.label
    entries = AuditEntry.objects.select_related("actor")
    if label == "people.Person":
        entries = entries.filter(person_id=pk)
    elif label == "people.Account":
        entries = entries.filter(account_id=pk)
    else:
        entries = entries.filter(model=label, object_id=str(pk))
    return list(entries.order_by("-at", "-id")[:limit])


@dataclass(frozen=True)
class Line:
    """One entry as the page shows it."""

    entry: AuditEntry
    text: str
    face: str
    at: str


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _field_label(model: type[models.Model] | None, name: str) -> str:
    if model is None:
        return name
    try:
        found = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    return str(getattr(found, "verbose_name", name))


def _shown(model: type[models.Model] | None, name: str, value: Any) -> str:
    if value is None or value == "":
        return _("(empty)")
    if model is not None:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            field = None
        if field is not None and getattr(field, "choices", None):
            for key, text in getattr(field, "flatchoices", ()):
                if key == value:
                    return str(text)
        if field is not None and field.is_relation:
            return f"#{value}"
        if isinstance(value, bool) or isinstance(field, models.BooleanField):
            return _("yes") if value else _("no")
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def actor_name(entry: AuditEntry) -> str:
    if entry.actor is None:
        return _("The system") if entry.face in (Face.SYSTEM, Face.TASK) else _("Someone")
    return entry.actor.get_full_name() or entry.actor.get_username()


def sentence(entry: AuditEntry, *, hide: frozenset[str] = frozenset()) -> str:
    """E.g. "Ana Ruiz changed phones from 600 1 to 600 2"; values of ``hide`` withheld."""
    model = _model(entry.model)
    who = actor_name(entry)
    kind = str(model._meta.verbose_name) if model is not None else entry.model
    what = entry.object_repr
    if entry.action == Action.UPDATE:
        parts = []
        for name, pair in sorted((entry.changes or {}).items()):
            label = _field_label(model, name)
            before, after = [*pair, None, None][:2] if isinstance(pair, list) else (None, None)
            if name in hide:
                parts.append(_("%(field)s") % {"field": label})
            else:
                parts.append(
                    _("%(field)s from %(before)s to %(after)s")
                    % {
                        "field": label,
                        "before": _shown(model, name, before),
                        "after": _shown(model, name, after),
                    }
                )
        return _("%(who)s changed %(changes)s") % {"who": who, "changes": "; ".join(parts)}
    if entry.action == Action.CREATE:
        return _("%(who)s added %(kind)s %(what)s") % {"who": who, "kind": kind, "what": what}
    if entry.action == Action.DELETE:
        return _("%(who)s removed %(kind)s %(what)s") % {"who": who, "kind": kind, "what": what}
    if entry.action == Action.ERASE:
        return _("%(who)s erased the personal data of %(what)s") % {"who": who, "what": what}
    return _("%(who)s wrote in bulk: %(what)s") % {"who": who, "what": what}


def lines(entries: list[AuditEntry], *, hide: frozenset[str] = frozenset()) -> list[Line]:
    return [
        Line(
            entry=entry,
            text=sentence(entry, hide=hide),
            face=entry.get_face_display(),
            at=date_format(timezone.localtime(entry.at), "j M Y H:i"),
        )
        for entry in entries
    ]
